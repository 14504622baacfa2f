import { useState } from 'react';
import { getAppStore, useChat } from '../store/store';
import { ICON_BUTTON } from '../ui/buttons';
import { BellIcon, BellSlashIcon } from '../ui/icons';
import { changeNotificationLevel, levelOf } from './preferences';

/**
 * The conversation header's mute toggle: the quick way to the notification level "Nothing"
 * (and back to "All"), kept on the server for every device; the details panel offers all
 * three levels. One fixed label with `aria-pressed`, so a screen reader says "Mute
 * conversation, toggle button, pressed" rather than a label that flips.
 */
export function MuteButton({ conversationId }: { conversationId: string }) {
  const level = useChat((s) => levelOf(s.conversations[conversationId]));
  const muted = level === 'none';
  const [error, setError] = useState<string | null>(null);

  const toggle = () => {
    setError(null);
    void changeNotificationLevel(
      getAppStore(),
      window.chat,
      conversationId,
      muted ? 'all' : 'none',
    ).then(setError);
  };

  return (
    <span className="relative">
      <button
        type="button"
        className={`${ICON_BUTTON} ${muted ? 'text-amber-600! dark:text-amber-400!' : ''}`}
        onClick={toggle}
        aria-pressed={muted}
        aria-label="Mute conversation"
        title={
          muted
            ? 'Muted: no notifications. Click to unmute.'
            : level === 'mentions'
              ? 'Notifies only when you are mentioned. Click to mute.'
              : 'Mute notifications'
        }
      >
        {muted ? <BellSlashIcon /> : <BellIcon />}
      </button>
      {error !== null && (
        <p
          role="alert"
          className="absolute top-full right-0 z-10 mt-1 w-64 rounded-lg bg-red-50 px-3 py-2 text-xs text-red-700 shadow dark:bg-red-950 dark:text-red-300"
        >
          {error}
        </p>
      )}
    </span>
  );
}
