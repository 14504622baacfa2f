import { useCallback, useEffect, useId, useState } from 'react';
import type { NotificationPermissionState } from '../../shared/notifications';
import { getAppStore, useChat } from '../store/store';
import { SECONDARY_BUTTON } from '../ui/buttons';
import { Dialog } from '../ui/Dialog';
import { changeDoNotDisturb } from './preferences';

/** The bridge's permission state, re-read when the user comes back (site settings may change). */
function useNotificationPermission(): {
  state: NotificationPermissionState | null;
  request: () => void;
} {
  const control = window.chat.notificationPermission;
  const [state, setState] = useState(() => control?.current() ?? null);

  useEffect(() => {
    if (control === undefined) return;
    const reread = () => setState(control.current());
    window.addEventListener('focus', reread);
    document.addEventListener('visibilitychange', reread);
    return () => {
      window.removeEventListener('focus', reread);
      document.removeEventListener('visibilitychange', reread);
    };
  }, [control]);

  // Called from the button's click: browsers accept a permission prompt only then.
  const request = useCallback(() => {
    if (control !== undefined) void control.request().then(setState);
  }, [control]);

  return { state, request };
}

/** A labelled on/off switch with its hint and, after a failed change, the reason. */
export function SettingSwitch({
  label,
  hint,
  on,
  disabled = false,
  error,
  onToggle,
}: {
  label: string;
  hint: string;
  on: boolean;
  disabled?: boolean;
  error: string | null;
  onToggle: () => void;
}) {
  const labelId = useId();
  const hintId = useId();
  return (
    <div className="flex items-start gap-3 self-stretch">
      <div className="min-w-0 flex-1">
        <p id={labelId} className="text-sm font-medium">
          {label}
        </p>
        <p id={hintId} className="text-xs text-zinc-600 dark:text-zinc-400">
          {hint}
        </p>
      </div>
      <button
        type="button"
        role="switch"
        aria-checked={on}
        aria-labelledby={labelId}
        aria-describedby={hintId}
        disabled={disabled}
        onClick={onToggle}
        className={`relative mt-0.5 inline-flex h-6 w-11 shrink-0 items-center rounded-full transition-colors disabled:opacity-50 motion-reduce:transition-none ${
          on ? 'bg-blue-600' : 'bg-zinc-300 dark:bg-zinc-600'
        }`}
      >
        <span
          aria-hidden="true"
          className={`inline-block size-5 rounded-full bg-white shadow transition-transform motion-reduce:transition-none ${
            on ? 'translate-x-5.5' : 'translate-x-0.5'
          }`}
        />
      </button>
      {error !== null && (
        <p role="alert" className="basis-full text-xs text-red-600 dark:text-red-400">
          {error}
        </p>
      )}
    </div>
  );
}

function DoNotDisturbSwitch() {
  const enabled = useChat((s) => s.settings?.doNotDisturb ?? false);
  const [error, setError] = useState<string | null>(null);
  return (
    <SettingSwitch
      label="Do not disturb"
      hint="No notifications from any conversation until you turn it off."
      on={enabled}
      error={error}
      onToggle={() => {
        setError(null);
        void changeDoNotDisturb(getAppStore(), window.chat, !enabled).then(setError);
      }}
    />
  );
}

/**
 * Whether pushes (shown while no tab is open, often on a locked screen) carry the message
 * text or only "New message". Kept on the server for the account; browsers only: the
 * desktop app shows its own notifications and receives no pushes.
 */
function PushTextSwitch() {
  const [showText, setShowText] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void window.chat.getPushPreferences().then((result) => {
      if (!live) return;
      if (result.ok) setShowText(result.value.showText);
      else setError(`Could not load this setting: ${result.error.message}`);
    });
    return () => {
      live = false;
    };
  }, []);
  const toggle = async (next: boolean) => {
    setError(null);
    const result = await window.chat.setPushPreferences({ showText: next });
    if (result.ok) setShowText(result.value.showText);
    else setError(`Not changed: ${result.error.message}`);
  };
  return (
    <SettingSwitch
      label="Show message text in push notifications"
      hint="Off: notifications that arrive while the app is closed say only “New message”."
      on={showText === true}
      disabled={showText === null}
      error={error}
      onToggle={() => void toggle(showText !== true)}
    />
  );
}

const PERMISSION_TEXT: Record<Exclude<NotificationPermissionState, 'default'>, string> = {
  granted:
    'Notifications are on: new messages reach this browser, also while no tab of the app is open.',
  denied:
    'This browser blocks notifications from this site. Allow them in the site settings (the icon left of the address), then come back.',
  unsupported: 'This browser cannot show notifications.',
};

function BrowserPermission() {
  const { state, request } = useNotificationPermission();
  // The desktop app needs no permission: the shell shows native notifications itself.
  if (state === null) return null;
  return (
    <div className="flex flex-col items-start gap-2 border-t border-zinc-200 pt-3 dark:border-zinc-800">
      {state === 'default' ? (
        <>
          <p role="status" className="text-xs text-zinc-600 dark:text-zinc-400">
            Notifications are off. Turn them on to hear of new messages while this tab is in the
            background or closed.
          </p>
          <button type="button" className={SECONDARY_BUTTON} onClick={request}>
            Turn on notifications
          </button>
        </>
      ) : (
        <p role="status" className="text-xs text-zinc-600 dark:text-zinc-400">
          {PERMISSION_TEXT[state]}
        </p>
      )}
      {state !== 'unsupported' && <PushTextSwitch />}
    </div>
  );
}

/**
 * Notification settings, opened from the sidebar's menu: do-not-disturb and, in a browser,
 * the notification permission. The dialog keeps focus inside and returns it on close.
 */
export function NotificationSettingsDialog({
  open,
  onClose,
}: {
  open: boolean;
  onClose: () => void;
}) {
  return (
    <Dialog open={open} title="Notifications" onClose={onClose}>
      <NotificationSettingsPanel />
    </Dialog>
  );
}

/** The notification settings themselves; also a section of the Settings dialog. */
export function NotificationSettingsPanel() {
  return (
    <div className="flex flex-col gap-4">
      <DoNotDisturbSwitch />
      <BrowserPermission />
      <p className="text-xs text-zinc-600 dark:text-zinc-400">
        To silence a single conversation, use the bell in its header; its details (click its name)
        also offer “Mentions only”. That choice is the same on all your devices.
      </p>
    </div>
  );
}
