/**
 * The one shape of every reply across the bridge: a `Result`, never an exception, so
 * nothing crosses a process boundary as a throw.
 */
import type { ErrorCode, ErrorDetail } from '@chat/protocol';

/**
 * Codes the client adds to the contract's `ErrorCode`s:
 * - `network`: the server could not be reached or the connection broke mid-request;
 * - `offline`: the client did not try because it knows it cannot reach the server;
 * - `not_signed_in`: the call needs a session and there is none;
 * - `bad_response`: the server answered something that does not follow the contract;
 * - `timeout`: no answer in time (the outcome is unknown);
 * - `unsupported`: this bridge implementation cannot do that (e.g. a shell-only feature);
 * - `cancelled`: the user stopped it (an upload).
 */
export const CLIENT_ERROR_CODES = [
  'network',
  'offline',
  'not_signed_in',
  'bad_response',
  'timeout',
  'unsupported',
  'cancelled',
] as const;
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];
export type BridgeErrorCode = ErrorCode | ClientErrorCode;

export interface BridgeError {
  code: BridgeErrorCode;
  /** Human-readable, safe to show; never contains tokens or internals. */
  message: string;
  /** Which fields were wrong, for `invalid_request` / `payload_too_large`. */
  details?: ErrorDetail[];
  /** For `rate_limited`: whole seconds to wait (from `Retry-After`). */
  retryAfterSeconds?: number;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: BridgeError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}
/** Success of a call that has nothing to return. */
export function done(): Result<null> {
  return { ok: true, value: null };
}
export function fail(
  code: BridgeErrorCode,
  message: string,
  extra?: Partial<BridgeError>,
): {
  ok: false;
  error: BridgeError;
} {
  return { ok: false, error: { ...extra, code, message } };
}
