import { useEffect, useId, useState, type ReactNode, type SyntheticEvent } from 'react';
import type { SessionChangeReason } from '../../shared/bridge';
import { PRIMARY_BUTTON, TEXT_INPUT } from '../ui/buttons';
import { ChatBubblesIcon } from '../ui/icons';
import {
  describeAuthError,
  throttleMessage,
  validateAuthForm,
  type AuthFailure,
  type AuthForm,
  type AuthMode,
  type FieldErrors,
} from './validate';

const LAST_SERVER_KEY = 'chat.lastServerUrl';

function rememberedServer(fallback: string): string {
  try {
    return window.localStorage.getItem(LAST_SERVER_KEY) ?? fallback;
  } catch {
    return fallback;
  }
}

function Field(props: {
  label: string;
  error: string | undefined;
  hint?: string;
  children: (ids: { id: string; describedBy: string | undefined }) => ReactNode;
}) {
  const id = useId();
  const messageId = `${id}-message`;
  const message = props.error ?? props.hint;
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium text-zinc-700 dark:text-zinc-300">
        {props.label}
      </label>
      {props.children({ id, describedBy: message === undefined ? undefined : messageId })}
      {message !== undefined && (
        <p
          id={messageId}
          className={`text-xs ${props.error !== undefined ? 'text-red-600 dark:text-red-400' : 'text-zinc-600 dark:text-zinc-400'}`}
        >
          {message}
        </p>
      )}
    </div>
  );
}

const ENDED_MESSAGES: Partial<Record<SessionChangeReason, string>> = {
  expired: 'Your session ended. Please sign in again.',
};

export function AuthScreen({
  defaultServerUrl,
  serverField,
  sessionEnded,
}: {
  defaultServerUrl: string;
  /** False on the web: the server is the page's own origin, not a choice. */
  serverField: boolean;
  sessionEnded: SessionChangeReason | null;
}) {
  const [mode, setMode] = useState<AuthMode>('sign-in');
  const [form, setForm] = useState<AuthForm>(() => ({
    serverUrl: serverField ? rememberedServer(defaultServerUrl) : defaultServerUrl,
    username: '',
    password: '',
    displayName: '',
  }));
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<AuthFailure | null>(null);
  const [busy, setBusy] = useState(false);
  const [waitUntil, setWaitUntil] = useState<number | null>(null);
  const [secondsLeft, setSecondsLeft] = useState(0);

  useEffect(() => {
    if (waitUntil === null) return;
    const tick = () => {
      const left = Math.ceil((waitUntil - Date.now()) / 1000);
      if (left <= 0) {
        setWaitUntil(null);
        setSecondsLeft(0);
        setFailure(null);
      } else {
        setSecondsLeft(left);
      }
    };
    tick();
    const timer = window.setInterval(tick, 1000);
    return () => window.clearInterval(timer);
  }, [waitUntil]);

  const update = (field: keyof AuthForm) => (value: string) => {
    setForm((f) => ({ ...f, [field]: value }));
    setFieldErrors((e) => ({ ...e, [field]: undefined }));
  };

  const submit = async (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy || waitUntil !== null) return;
    const errors = validateAuthForm(mode, form);
    setFieldErrors(errors);
    setFailure(null);
    if (Object.keys(errors).length > 0) return;
    setBusy(true);
    const serverUrl = form.serverUrl.trim();
    const username = form.username.trim();
    const result =
      mode === 'sign-in'
        ? await window.chat.signIn({ serverUrl, username, password: form.password })
        : await window.chat.register({
            serverUrl,
            username,
            password: form.password,
            ...(form.displayName.trim() !== '' ? { displayName: form.displayName.trim() } : {}),
          });
    setBusy(false);
    if (result.ok) {
      if (!serverField) return;
      try {
        window.localStorage.setItem(LAST_SERVER_KEY, serverUrl);
      } catch {
        // Storage may be unavailable; the default address still works next time.
      }
      return;
    }
    const described = describeAuthError(mode, result.error, serverUrl, serverField);
    setFailure(described);
    setFieldErrors(described.fields);
    if (described.retryAfterSeconds !== null) {
      setWaitUntil(Date.now() + described.retryAfterSeconds * 1000);
    }
  };

  const switchMode = (next: AuthMode) => {
    setMode(next);
    setFieldErrors({});
    if (waitUntil === null) setFailure(null);
  };

  const throttled = waitUntil !== null;
  const banner = throttled ? throttleMessage(secondsLeft) : (failure?.message ?? null);
  const ended = sessionEnded !== null ? ENDED_MESSAGES[sessionEnded] : undefined;

  return (
    <main className="flex min-h-full items-center justify-center p-6">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex flex-col items-center gap-3 text-center">
          <span className="inline-flex size-14 items-center justify-center rounded-2xl bg-blue-600 text-white shadow-lg shadow-blue-600/30">
            <ChatBubblesIcon className="size-8" />
          </span>
          <h1 className="text-2xl font-semibold tracking-tight">
            {mode === 'sign-in' ? 'Sign in to Chat' : 'Create your account'}
          </h1>
        </div>

        <div className="rounded-2xl border border-zinc-200 bg-white p-6 shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
          <div
            role="tablist"
            aria-label="Account"
            className="mb-5 grid grid-cols-2 gap-1 rounded-lg bg-zinc-100 p-1 dark:bg-zinc-800"
          >
            {(['sign-in', 'register'] as const).map((m) => (
              <button
                key={m}
                type="button"
                role="tab"
                aria-selected={mode === m}
                onClick={() => switchMode(m)}
                className={`rounded-md px-3 py-1.5 text-sm font-medium ${
                  mode === m
                    ? 'bg-white shadow-sm dark:bg-zinc-700'
                    : 'text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100'
                }`}
              >
                {m === 'sign-in' ? 'Sign in' : 'Create account'}
              </button>
            ))}
          </div>

          {ended !== undefined && banner === null && (
            <p
              role="status"
              className="mb-4 rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-200"
            >
              {ended}
            </p>
          )}
          {banner !== null && (
            <p
              role="alert"
              className="mb-4 rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200"
            >
              {banner}
            </p>
          )}

          <form noValidate onSubmit={(e) => void submit(e)} className="flex flex-col gap-4">
            {serverField && (
              <Field label="Server" error={fieldErrors.serverUrl}>
                {({ id, describedBy }) => (
                  <input
                    id={id}
                    type="url"
                    inputMode="url"
                    autoComplete="url"
                    spellCheck={false}
                    value={form.serverUrl}
                    onChange={(e) => update('serverUrl')(e.target.value)}
                    aria-invalid={fieldErrors.serverUrl !== undefined}
                    aria-describedby={describedBy}
                    className={TEXT_INPUT}
                  />
                )}
              </Field>
            )}
            <Field
              label="Username"
              error={fieldErrors.username}
              {...(mode === 'register' ? { hint: '3–32 characters: a–z, 0–9, _ . -' } : {})}
            >
              {({ id, describedBy }) => (
                <input
                  id={id}
                  autoComplete="username"
                  autoCapitalize="none"
                  spellCheck={false}
                  autoFocus
                  value={form.username}
                  onChange={(e) => update('username')(e.target.value)}
                  aria-invalid={fieldErrors.username !== undefined}
                  aria-describedby={describedBy}
                  className={TEXT_INPUT}
                />
              )}
            </Field>
            {mode === 'register' && (
              <Field label="Display name (optional)" error={fieldErrors.displayName}>
                {({ id, describedBy }) => (
                  <input
                    id={id}
                    autoComplete="name"
                    value={form.displayName}
                    onChange={(e) => update('displayName')(e.target.value)}
                    aria-invalid={fieldErrors.displayName !== undefined}
                    aria-describedby={describedBy}
                    className={TEXT_INPUT}
                  />
                )}
              </Field>
            )}
            <Field
              label="Password"
              error={fieldErrors.password}
              {...(mode === 'register' ? { hint: 'At least 8 characters.' } : {})}
            >
              {({ id, describedBy }) => (
                <input
                  id={id}
                  type="password"
                  autoComplete={mode === 'sign-in' ? 'current-password' : 'new-password'}
                  value={form.password}
                  onChange={(e) => update('password')(e.target.value)}
                  aria-invalid={fieldErrors.password !== undefined}
                  aria-describedby={describedBy}
                  className={TEXT_INPUT}
                />
              )}
            </Field>
            <button
              type="submit"
              disabled={busy || throttled}
              className={`${PRIMARY_BUTTON} mt-1 w-full`}
            >
              {busy
                ? mode === 'sign-in'
                  ? 'Signing in…'
                  : 'Creating account…'
                : mode === 'sign-in'
                  ? 'Sign in'
                  : 'Create account'}
            </button>
          </form>
        </div>
      </div>
    </main>
  );
}
