import {
  useCallback,
  useEffect,
  useId,
  useRef,
  useState,
  type SyntheticEvent,
  type KeyboardEvent,
} from 'react';
import { LIMITS } from '@chat/protocol';
import type { AccountSessionInfo, Person, SessionInfo } from '../../shared/bridge';
import { AppSettings } from '../app-status/AppSettings';
import { useAppStatus } from '../app-status/useAppStatus';
import { NotificationSettingsPanel } from '../preferences/NotificationSettings';
import { AvatarEditor } from '../profile/AvatarEditor';
import { userPicture } from '../ui/Avatar';
import { PRIMARY_BUTTON, SECONDARY_BUTTON, TEXT_INPUT } from '../ui/buttons';
import { Dialog } from '../ui/Dialog';
import { exactTime } from '../ui/time';

export const SETTINGS_SECTIONS = [
  'profile',
  'password',
  'sessions',
  'blocked',
  'notifications',
  'app',
  'delete',
] as const;
export type SettingsSection = (typeof SETTINGS_SECTIONS)[number];

const SECTION_LABELS: Record<SettingsSection, string> = {
  profile: 'Profile',
  password: 'Password',
  sessions: 'Sessions',
  blocked: 'Blocked people',
  notifications: 'Notifications',
  app: 'App',
  delete: 'Delete account',
};

const DANGER_BUTTON =
  'inline-flex items-center justify-center gap-2 rounded-lg bg-red-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-red-700 disabled:cursor-not-allowed disabled:opacity-50';
const ERROR_TEXT = 'text-xs text-red-600 dark:text-red-400';

/** A section's last failure, announced to screen readers; nothing while there is none. */
function ErrorText({ error }: { error: string | null }) {
  if (error === null) return null;
  return (
    <p role="alert" className={ERROR_TEXT}>
      {error}
    </p>
  );
}
const STATUS_TEXT = 'text-xs text-green-700 dark:text-green-400';
const LABEL = 'flex flex-col gap-1 text-sm font-medium';

/** A bridge call's outcome as a message for the user: null on success. */
async function run<T>(
  call: Promise<{ ok: true; value: T } | { ok: false; error: { message: string } }>,
): Promise<{ value: T; error: null } | { value: null; error: string }> {
  const result = await call;
  return result.ok
    ? { value: result.value, error: null }
    : { value: null, error: result.error.message };
}

/** A required password input with its label (the browser's password manager fills it). */
function PasswordField({
  label,
  autoComplete,
  value,
  onChange,
}: {
  label: string;
  autoComplete: 'current-password' | 'new-password';
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <label className={LABEL}>
      {label}
      <input
        className={TEXT_INPUT}
        type="password"
        autoComplete={autoComplete}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        required
      />
    </label>
  );
}

/** The picture and the display name: others see either change at once. */
function ProfileSection({ session }: { session: SessionInfo }) {
  return (
    <div className="flex flex-col gap-5">
      <AvatarEditor
        id={session.user.id}
        name={session.user.displayName}
        current={userPicture(session.user)}
        save={async (attachmentId) => {
          const result = await window.chat.setMyAvatar({ attachmentId });
          return result.ok ? null : result.error.message;
        }}
      />
      <ProfileNameForm session={session} />
    </div>
  );
}

function ProfileNameForm({ session }: { session: SessionInfo }) {
  const [name, setName] = useState(session.user.displayName);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const submit = async (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    const { error: failed } = await run(window.chat.updateProfile({ displayName: name }));
    setBusy(false);
    if (failed !== null) setError(failed);
    else setSaved(true);
  };
  return (
    <form className="flex flex-col gap-3" onSubmit={(e) => void submit(e)}>
      <label className={LABEL}>
        Display name
        <input
          className={TEXT_INPUT}
          value={name}
          maxLength={LIMITS.displayNameMax}
          onChange={(e) => setName(e.target.value)}
          required
        />
      </label>
      <p className="text-xs text-zinc-600 dark:text-zinc-400">
        Your username is @{session.user.username}. People you talk with see the new name at once.
      </p>
      <ErrorText error={error} />
      {saved && (
        <p role="status" className={STATUS_TEXT}>
          Saved.
        </p>
      )}
      <div>
        <button type="submit" className={PRIMARY_BUTTON} disabled={busy || name.trim() === ''}>
          Save name
        </button>
      </div>
    </form>
  );
}

function PasswordSection() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const submit = async (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(null);
    setDone(false);
    if (next.length < LIMITS.passwordMin || next.length > LIMITS.passwordMax) {
      setError(`The new password needs ${LIMITS.passwordMin}–${LIMITS.passwordMax} characters.`);
      return;
    }
    if (next !== repeat) {
      setError('The new passwords do not match.');
      return;
    }
    setBusy(true);
    const { error: failed } = await run(
      window.chat.changePassword({ currentPassword: current, newPassword: next }),
    );
    setBusy(false);
    if (failed !== null) {
      setError(failed);
      return;
    }
    setCurrent('');
    setNext('');
    setRepeat('');
    setDone(true);
  };
  return (
    <form className="flex flex-col gap-3" onSubmit={(e) => void submit(e)}>
      <PasswordField
        label="Current password"
        autoComplete="current-password"
        value={current}
        onChange={setCurrent}
      />
      <PasswordField
        label="New password"
        autoComplete="new-password"
        value={next}
        onChange={setNext}
      />
      <PasswordField
        label="Repeat the new password"
        autoComplete="new-password"
        value={repeat}
        onChange={setRepeat}
      />
      <p className="text-xs text-zinc-600 dark:text-zinc-400">
        Every other device signed in to this account is signed out; this one stays signed in.
      </p>
      <ErrorText error={error} />
      {done && (
        <p role="status" className={STATUS_TEXT}>
          Password changed. Your other sessions are signed out.
        </p>
      )}
      <div>
        <button type="submit" className={PRIMARY_BUTTON} disabled={busy}>
          Change password
        </button>
      </div>
    </form>
  );
}

function SessionsSection() {
  const [sessions, setSessions] = useState<AccountSessionInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const load = useCallback(async () => {
    const { value, error: failed } = await run(window.chat.listSessions());
    if (failed !== null) setError(failed);
    else setSessions(value);
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  const act = async (call: () => ReturnType<typeof window.chat.revokeOtherSessions>) => {
    setBusy(true);
    setError(null);
    const { error: failed } = await run(call());
    if (failed !== null) setError(failed);
    await load();
    setBusy(false);
  };
  const others = sessions?.filter((s) => !s.current) ?? [];
  return (
    <div className="flex flex-col gap-3">
      {sessions === null && error === null && (
        <p role="status" className="text-sm text-zinc-600 dark:text-zinc-400">
          Loading…
        </p>
      )}
      {sessions !== null && (
        <ul aria-label="Sessions" className="flex flex-col gap-2">
          {sessions.map((s) => (
            <li
              key={s.id}
              className="flex items-center gap-3 rounded-lg border border-zinc-200 p-3 dark:border-zinc-800"
            >
              <div className="min-w-0 flex-1">
                <p className="truncate text-sm font-medium" title={s.client}>
                  {s.current ? 'This device' : s.client === '' ? 'Unknown client' : s.client}
                </p>
                {s.current && s.client !== '' && (
                  <p className="truncate text-xs text-zinc-600 dark:text-zinc-400" title={s.client}>
                    {s.client}
                  </p>
                )}
                <p className="text-xs text-zinc-600 dark:text-zinc-400">
                  Last active {exactTime(s.lastActiveAt)}
                </p>
              </div>
              {!s.current && (
                <button
                  type="button"
                  className={SECONDARY_BUTTON}
                  disabled={busy}
                  aria-label={`Sign out ${s.client === '' ? 'this session' : s.client}`}
                  onClick={() => void act(() => window.chat.revokeSession({ sessionId: s.id }))}
                >
                  Sign out
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <ErrorText error={error} />
      {others.length > 0 && (
        <div>
          <button
            type="button"
            className={SECONDARY_BUTTON}
            disabled={busy}
            onClick={() => void act(() => window.chat.revokeOtherSessions())}
          >
            Sign out all other sessions
          </button>
        </div>
      )}
    </div>
  );
}

function BlockedSection() {
  const [people, setPeople] = useState<Person[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    const { value, error: failed } = await run(window.chat.listBlocked());
    if (failed !== null) setError(failed);
    else setPeople(value);
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  const unblock = async (userId: string) => {
    setError(null);
    const { error: failed } = await run(window.chat.setBlocked({ userId, blocked: false }));
    if (failed !== null) setError(failed);
    await load();
  };
  return (
    <div className="flex flex-col gap-3">
      <p className="text-xs text-zinc-600 dark:text-zinc-400">
        People you block cannot message you directly or see when you are online or typing. Block
        someone from the menu of your conversation with them.
      </p>
      {people !== null && people.length === 0 && (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">You have not blocked anyone.</p>
      )}
      {people !== null && people.length > 0 && (
        <ul aria-label="Blocked people" className="flex flex-col gap-2">
          {people.map((p) => (
            <li key={p.id} className="flex items-center gap-3">
              <span className="min-w-0 flex-1 truncate text-sm">
                {p.displayName}
                {p.username !== null && (
                  <span className="text-zinc-600 dark:text-zinc-400"> @{p.username}</span>
                )}
              </span>
              <button
                type="button"
                className={SECONDARY_BUTTON}
                aria-label={`Unblock ${p.displayName}`}
                onClick={() => void unblock(p.id)}
              >
                Unblock
              </button>
            </li>
          ))}
        </ul>
      )}
      <ErrorText error={error} />
    </div>
  );
}

function DeleteSection() {
  const [password, setPassword] = useState('');
  const [confirmed, setConfirmed] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const { error: failed } = await run(window.chat.deleteAccount({ password }));
    setBusy(false);
    if (failed !== null) setError(failed);
  };
  return (
    <form className="flex flex-col gap-3" onSubmit={(e) => void submit(e)}>
      <p className="text-sm text-zinc-700 dark:text-zinc-300">
        Deleting your account signs you out everywhere and erases your profile. Your messages stay
        in the conversations, shown as from “Deleted account”. Your username is held for{' '}
        {LIMITS.deletedUsernameHoldDays} days, then anyone may take it.
      </p>
      <PasswordField
        label="Password"
        autoComplete="current-password"
        value={password}
        onChange={setPassword}
      />
      <label className="flex items-center gap-2 text-sm">
        <input
          type="checkbox"
          checked={confirmed}
          onChange={(e) => setConfirmed(e.target.checked)}
        />
        I understand that this cannot be undone.
      </label>
      <ErrorText error={error} />
      <div>
        <button
          type="submit"
          className={DANGER_BUTTON}
          disabled={busy || !confirmed || password === ''}
        >
          Delete my account
        </button>
      </div>
    </form>
  );
}

/** The sections shown: "App" only where there is an installed app (not the web client). */
export function visibleSections(desktop: boolean): readonly SettingsSection[] {
  return desktop ? SETTINGS_SECTIONS : SETTINGS_SECTIONS.filter((s) => s !== 'app');
}

/**
 * Settings, opened from the sidebar's menu: one tab per section. The tabs follow the ARIA
 * tabs pattern (arrow keys, Home and End move between them; Tab enters the section).
 */
export function SettingsDialog({
  open,
  onClose,
  session,
  initial = 'profile',
}: {
  open: boolean;
  onClose: () => void;
  session: SessionInfo;
  initial?: SettingsSection;
}) {
  const [section, setSection] = useState<SettingsSection>(initial);
  const appStatus = useAppStatus();
  const sections = visibleSections(appStatus.status !== null);
  const tabs = useRef(new Map<SettingsSection, HTMLButtonElement>());
  const baseId = useId();
  useEffect(() => {
    if (open) setSection(initial);
  }, [open, initial]);

  const move = (to: SettingsSection) => {
    setSection(to);
    tabs.current.get(to)?.focus();
  };
  const onKeyDown = (event: KeyboardEvent) => {
    const index = sections.indexOf(section);
    const last = sections.length - 1;
    const target =
      event.key === 'ArrowDown' || event.key === 'ArrowRight'
        ? sections[index === last ? 0 : index + 1]
        : event.key === 'ArrowUp' || event.key === 'ArrowLeft'
          ? sections[index === 0 ? last : index - 1]
          : event.key === 'Home'
            ? sections[0]
            : event.key === 'End'
              ? sections[last]
              : undefined;
    if (target === undefined) return;
    event.preventDefault();
    move(target);
  };

  return (
    <Dialog open={open} title="Settings" onClose={onClose}>
      <div className="flex min-h-0 flex-col gap-4">
        <div
          role="tablist"
          aria-label="Settings sections"
          className="flex flex-wrap gap-1"
          onKeyDown={onKeyDown}
        >
          {sections.map((s) => (
            <button
              key={s}
              ref={(el) => {
                if (el) tabs.current.set(s, el);
                else tabs.current.delete(s);
              }}
              type="button"
              role="tab"
              id={`${baseId}-tab-${s}`}
              aria-selected={section === s}
              aria-controls={`${baseId}-panel`}
              tabIndex={section === s ? 0 : -1}
              onClick={() => setSection(s)}
              className={`rounded-full px-3 py-1 text-xs font-medium ${
                section === s
                  ? 'bg-blue-600 text-white'
                  : 'text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800'
              }`}
            >
              {SECTION_LABELS[s]}
            </button>
          ))}
        </div>
        <section
          id={`${baseId}-panel`}
          role="tabpanel"
          aria-labelledby={`${baseId}-tab-${section}`}
          className="min-h-0 overflow-y-auto"
        >
          {section === 'profile' && <ProfileSection session={session} />}
          {section === 'password' && <PasswordSection />}
          {section === 'sessions' && <SessionsSection />}
          {section === 'blocked' && <BlockedSection />}
          {section === 'notifications' && <NotificationSettingsPanel />}
          {section === 'app' && <AppSettings status={appStatus} />}
          {section === 'delete' && <DeleteSection />}
        </section>
      </div>
    </Dialog>
  );
}
