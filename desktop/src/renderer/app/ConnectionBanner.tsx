import { useState } from 'react';
import { useChat } from '../store/store';

const MESSAGES = {
  connecting: 'Connecting…',
  reconnecting: 'Connection lost. Reconnecting…',
  offline: 'You are offline. Messages you write are sent when the connection is back.',
  'catching-up': 'Catching up on new messages…',
} as const;

export function ConnectionBanner() {
  const connection = useChat((s) => s.connection);
  const [retrying, setRetrying] = useState(false);
  if (connection === 'online') return null;
  const tone =
    connection === 'offline' || connection === 'reconnecting'
      ? 'bg-amber-100 text-amber-900 dark:bg-amber-900/60 dark:text-amber-100'
      : 'bg-blue-50 text-blue-900 dark:bg-blue-950 dark:text-blue-100';
  const retry = async () => {
    setRetrying(true);
    // Connects at once instead of waiting out the backoff; the banner goes once connected.
    await window.chat.catchUp();
    setRetrying(false);
  };
  return (
    <div className={`flex items-center gap-2 px-4 py-1.5 text-sm ${tone}`}>
      <div role="status" aria-live="polite" className="flex flex-1 items-center gap-2">
        {connection !== 'offline' && (
          <span className="size-2 animate-pulse rounded-full bg-current" aria-hidden="true" />
        )}
        {MESSAGES[connection]}
      </div>
      {connection === 'reconnecting' && (
        <button
          type="button"
          disabled={retrying}
          onClick={() => void retry()}
          className="rounded px-2 py-0.5 font-semibold underline underline-offset-2 hover:bg-amber-200 disabled:opacity-50 dark:hover:bg-amber-800"
        >
          Retry now
        </button>
      )}
    </div>
  );
}

/** Shown when the shell cannot keep the session across restarts (no OS key store). */
export function SessionPersistenceNotice() {
  const persistence = useChat((s) => s.settings?.sessionPersistence);
  const [dismissed, setDismissed] = useState(false);
  if (persistence === undefined || persistence.persistent || dismissed) return null;
  return (
    <div
      role="note"
      className="flex items-start gap-3 bg-zinc-800 px-4 py-2 text-sm text-zinc-100 dark:bg-zinc-800"
    >
      <p className="flex-1">
        {persistence.message} You will need to sign in again after restarting the app.
      </p>
      <button
        type="button"
        onClick={() => setDismissed(true)}
        className="rounded px-2 text-zinc-300 underline-offset-2 hover:text-white hover:underline"
      >
        Dismiss
      </button>
    </div>
  );
}
