import { useState } from 'react';
import type { UpdateState } from '../../shared/bridge';
import { useAppStatus } from './useAppStatus';

/**
 * "Restart to update": shown once an update is downloaded, above the conversations. It
 * never interrupts: "Later" puts it away for this version (the update is installed at the
 * next quit anyway), and the About area of Settings still offers it.
 */
export function UpdatePrompt({
  update,
  error,
  restarting,
  onRestart,
  onDismiss,
}: {
  update: UpdateState | null;
  error: string | null;
  restarting: boolean;
  onRestart: () => void;
  onDismiss: () => void;
}) {
  if (update?.status !== 'downloaded') return null;
  return (
    <div
      role="region"
      aria-label="Update"
      className="flex flex-wrap items-center gap-2 bg-blue-50 px-4 py-1.5 text-sm text-blue-900 dark:bg-blue-950 dark:text-blue-100"
    >
      <p role="status" className="flex-1">
        Version {update.version} of Chat is ready. Restart to install it.
      </p>
      {error !== null && (
        <p role="alert" className="basis-full text-xs text-red-700 dark:text-red-300">
          {error}
        </p>
      )}
      <button
        type="button"
        disabled={restarting}
        onClick={onRestart}
        className="rounded bg-blue-600 px-2.5 py-0.5 font-semibold text-white hover:bg-blue-700 disabled:opacity-50"
      >
        Restart to update
      </button>
      <button
        type="button"
        onClick={onDismiss}
        aria-label="Dismiss the update prompt"
        className="rounded px-2 py-0.5 underline-offset-2 hover:underline"
      >
        Later
      </button>
    </div>
  );
}

/** Quits and installs through the bridge; a refusal is shown, not thrown. */
export async function restartToUpdate(): Promise<string | null> {
  const result = await window.chat.installUpdate();
  return result.ok ? null : `Could not restart: ${result.error.message}`;
}

export function UpdatePromptBanner() {
  const { status } = useAppStatus();
  const [dismissedVersion, setDismissedVersion] = useState<string | null>(null);
  const [restarting, setRestarting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const update = status?.update ?? null;
  if (update?.status === 'downloaded' && update.version === dismissedVersion) return null;
  return (
    <UpdatePrompt
      update={update}
      error={error}
      restarting={restarting}
      onRestart={() => {
        setRestarting(true);
        setError(null);
        void restartToUpdate().then((failed) => {
          // On success the app quits; only a refusal comes back here.
          setRestarting(false);
          setError(failed);
        });
      }}
      onDismiss={() => {
        if (update?.status === 'downloaded') setDismissedVersion(update.version);
      }}
    />
  );
}
