import { useEffect, useState } from 'react';
import type { AppStatus, LaunchAtLogin, UpdateState } from '../../shared/bridge';

/** The status with a newer update state (`update` events carry only that part). */
export function withUpdate(status: AppStatus | null, update: UpdateState): AppStatus | null {
  return status === null ? null : { ...status, update };
}

/**
 * The installed app's status, followed through `update` events: null until it is known,
 * and always null in the web client (no installed app), where nothing of it is shown.
 */
export function useAppStatus(): {
  status: AppStatus | null;
  setLaunchAtLogin: (value: LaunchAtLogin) => void;
} {
  const [status, setStatus] = useState<AppStatus | null>(null);
  useEffect(() => {
    let live = true;
    // Listening first: an event sent while the status is on its way is newer than it.
    const off = window.chat.onEvent((event) => {
      if (event.type === 'update') setStatus((current) => withUpdate(current, event.update));
    });
    void window.chat.getAppStatus().then((result) => {
      if (live && result.ok) setStatus((current) => current ?? result.value);
    });
    return () => {
      live = false;
      off();
    };
  }, []);
  return {
    status,
    setLaunchAtLogin: (launchAtLogin) =>
      setStatus((current) => (current === null ? null : { ...current, launchAtLogin })),
  };
}
