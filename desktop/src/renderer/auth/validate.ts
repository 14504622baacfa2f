/**
 * Form checks that mirror the contract's rules (the numbers come from @chat/protocol), so
 * the user hears about a bad username or a short password before anything is sent, and
 * what the server would refuse is never submitted.
 */
import { LIMITS, USERNAME_PATTERN } from '@chat/protocol';
import type { BridgeError } from '../../shared/bridge';
import { safeHttpUrl } from '../text/linkify';

export type AuthMode = 'sign-in' | 'register';

export interface AuthForm {
  serverUrl: string;
  username: string;
  password: string;
  displayName: string;
}

export type FieldErrors = Partial<Record<keyof AuthForm, string>>;

export function validateAuthForm(mode: AuthMode, form: AuthForm): FieldErrors {
  const errors: FieldErrors = {};
  if (safeHttpUrl(form.serverUrl.trim()) === null) {
    errors.serverUrl = 'Enter the server address, starting with http:// or https://.';
  }
  const username = form.username.trim().toLowerCase();
  if (username === '') {
    errors.username = 'Enter your username.';
  } else if (mode === 'register') {
    if (username.length < LIMITS.usernameMin || username.length > LIMITS.usernameMax) {
      errors.username = `Use ${LIMITS.usernameMin}–${LIMITS.usernameMax} characters.`;
    } else if (!USERNAME_PATTERN.test(username)) {
      errors.username = 'Use only letters a–z, digits, and _ . -';
    }
  }
  if (form.password === '') {
    errors.password = 'Enter your password.';
  } else if (mode === 'register') {
    if (form.password.length < LIMITS.passwordMin) {
      errors.password = `Use at least ${LIMITS.passwordMin} characters.`;
    } else if (form.password.length > LIMITS.passwordMax) {
      errors.password = `Use at most ${LIMITS.passwordMax} characters.`;
    }
  }
  if (mode === 'register' && form.displayName.trim().length > LIMITS.displayNameMax) {
    errors.displayName = `Use at most ${LIMITS.displayNameMax} characters.`;
  }
  return errors;
}

export interface AuthFailure {
  /** Shown above the form. */
  message: string;
  fields: FieldErrors;
  /** For throttling: the form stays disabled this many seconds. */
  retryAfterSeconds: number | null;
}

function waitText(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

export function throttleMessage(seconds: number): string {
  return `Too many attempts. Try again in ${waitText(seconds)}.`;
}

/**
 * What the user reads when signing in or registering fails. `serverChosen` is false on
 * the web, where the server is the page's own: there is no address to check.
 */
export function describeAuthError(
  mode: AuthMode,
  error: BridgeError,
  serverUrl: string,
  serverChosen = true,
): AuthFailure {
  const plain = (message: string): AuthFailure => ({
    message,
    fields: {},
    retryAfterSeconds: null,
  });
  switch (error.code) {
    case 'unauthorized':
      return plain('Wrong username or password.');
    case 'conflict':
      return {
        message: 'That username is taken.',
        fields: { username: 'That username is taken. Try another one.' },
        retryAfterSeconds: null,
      };
    case 'rate_limited': {
      const seconds = Math.max(1, error.retryAfterSeconds ?? 60);
      return { message: throttleMessage(seconds), fields: {}, retryAfterSeconds: seconds };
    }
    case 'network':
    case 'offline':
    case 'timeout':
      return plain(
        serverChosen
          ? `Can’t reach the server at ${serverUrl}. Check the address and your connection, then try again.`
          : 'Can’t reach the server. Check your connection, then try again.',
      );
    case 'bad_response':
      return plain(`${serverUrl} answered, but it does not look like a chat server.`);
    case 'invalid_request':
    case 'payload_too_large': {
      const fields: FieldErrors = {};
      for (const detail of error.details ?? []) {
        const field = detail.path.split('.')[0];
        if (
          field === 'username' ||
          field === 'password' ||
          field === 'displayName' ||
          field === 'serverUrl'
        ) {
          fields[field] = detail.message;
        }
      }
      return { message: error.message, fields, retryAfterSeconds: null };
    }
    default:
      return plain(
        mode === 'register'
          ? `Could not create the account: ${error.message}`
          : `Could not sign in: ${error.message}`,
      );
  }
}
