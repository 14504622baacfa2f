import type { BridgeError, BridgeErrorCode } from '../shared/bridge';

/**
 * A failure inside the core. Carries the bridge's error shape so the boundary
 * (`client.ts`) can hand it to the renderer as a `Result` unchanged.
 */
export class ClientError extends Error {
  readonly info: BridgeError;
  /** HTTP status when the server answered, `null` for local and network failures. */
  readonly status: number | null;

  constructor(info: BridgeError, status: number | null = null) {
    super(info.message);
    this.name = 'ClientError';
    this.info = info;
    this.status = status;
  }

  get code(): BridgeErrorCode {
    return this.info.code;
  }
}

export function clientError(code: BridgeErrorCode, message: string, status: number | null = null) {
  return new ClientError({ code, message }, status);
}

/** Anything thrown, as the bridge's error shape; unknown errors never leak their text. */
export function toBridgeError(err: unknown): BridgeError {
  if (err instanceof ClientError) return err.info;
  return { code: 'internal', message: 'Something went wrong in the client.' };
}

/**
 * Failures worth retrying with the same request: the network, timeouts, the server
 * being overloaded or broken. Anything else is the server's final word on that request.
 */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof ClientError)) return true;
  return (
    err.code === 'network' ||
    err.code === 'offline' ||
    err.code === 'timeout' ||
    err.code === 'rate_limited' ||
    err.code === 'internal' ||
    // (version 2) 503: the server's database is unreachable for now; a resend with the
    // same clientId is safe.
    err.code === 'unavailable' ||
    err.code === 'bad_response' ||
    err.code === 'unauthorized'
  );
}
