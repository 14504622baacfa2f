import { useId, useState } from 'react';
import { updateStatusText } from '../../shared/app-status';
import type { AppStatus } from '../../shared/bridge';
import { SettingSwitch } from '../preferences/NotificationSettings';
import { PRIMARY_BUTTON, SECONDARY_BUTTON } from '../ui/buttons';
import { restartToUpdate } from './UpdatePrompt';
import { useAppStatus } from './useAppStatus';

/** Whether "Check for updates" can do anything now. */
export function canCheckForUpdates(status: AppStatus): boolean {
  const { update } = status;
  return update.status === 'idle' || update.status === 'error' || update.status === 'available';
}

/**
 * The installed app: start at login, and the About area (version, where the update stands,
 * "Check for updates"). Desktop only: the Settings dialog leaves the section out where
 * there is no app status (the web client).
 */
export function AppSection({
  status,
  launchError,
  updateError,
  onToggleLaunchAtLogin,
  onCheckForUpdates,
  onRestart,
}: {
  status: AppStatus;
  launchError: string | null;
  updateError: string | null;
  onToggleLaunchAtLogin: () => void;
  onCheckForUpdates: () => void;
  onRestart: () => void;
}) {
  const { launchAtLogin, update } = status;
  const headingId = useId();
  return (
    <div className="flex flex-col gap-5">
      <SettingSwitch
        label="Open Chat when you log in"
        hint={
          launchAtLogin.supported
            ? 'Chat starts with your computer, so messages reach you without opening it.'
            : 'Available in the installed app only.'
        }
        on={launchAtLogin.enabled}
        disabled={!launchAtLogin.supported}
        error={launchError}
        onToggle={onToggleLaunchAtLogin}
      />
      <section
        aria-labelledby={headingId}
        className="flex flex-col items-start gap-2 border-t border-zinc-200 pt-4 dark:border-zinc-800"
      >
        <h3 id={headingId} className="text-sm font-semibold">
          About Chat
        </h3>
        <p className="text-sm">Version {status.version}</p>
        <p role="status" className="text-xs text-zinc-600 dark:text-zinc-400">
          {updateStatusText(update)}
        </p>
        {updateError !== null && (
          <p role="alert" className="text-xs text-red-600 dark:text-red-400">
            {updateError}
          </p>
        )}
        {update.status === 'downloaded' ? (
          <button type="button" className={PRIMARY_BUTTON} onClick={onRestart}>
            Restart to update
          </button>
        ) : (
          update.status !== 'not-configured' && (
            <button
              type="button"
              className={SECONDARY_BUTTON}
              disabled={!canCheckForUpdates(status)}
              onClick={onCheckForUpdates}
            >
              Check for updates
            </button>
          )
        )}
      </section>
    </div>
  );
}

export function AppSettings({ status }: { status: ReturnType<typeof useAppStatus> }) {
  const [launchError, setLaunchError] = useState<string | null>(null);
  const [updateError, setUpdateError] = useState<string | null>(null);
  const current = status.status;
  if (current === null) return null;
  return (
    <AppSection
      status={current}
      launchError={launchError}
      updateError={updateError}
      onToggleLaunchAtLogin={() => {
        setLaunchError(null);
        void window.chat
          .setLaunchAtLogin({ enabled: !current.launchAtLogin.enabled })
          .then((result) => {
            if (result.ok) status.setLaunchAtLogin(result.value);
            else setLaunchError(`Not changed: ${result.error.message}`);
          });
      }}
      onCheckForUpdates={() => {
        setUpdateError(null);
        // The outcome arrives as `update` events; only a refusal answers here.
        void window.chat.checkForUpdates().then((result) => {
          if (!result.ok) setUpdateError(result.error.message);
        });
      }}
      onRestart={() => {
        setUpdateError(null);
        void restartToUpdate().then(setUpdateError);
      }}
    />
  );
}
