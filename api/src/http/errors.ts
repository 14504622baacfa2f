import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import {
  ERROR_STATUS,
  parse,
  type ApiError as ApiErrorBody,
  type ErrorCode,
  type ErrorDetail,
} from '@chat/protocol';
import type { z } from 'zod';
import { StoreUnavailable } from '../store/types';

const DEFAULT_MESSAGES: Record<ErrorCode, string> = {
  invalid_request: 'The request is not valid.',
  unauthorized: 'Authentication is required.',
  forbidden: 'This action is not allowed.',
  not_found: 'Not found.',
  conflict: 'This conflicts with existing data.',
  payload_too_large: 'The request body is too large.',
  rate_limited: 'Too many requests. Try again later.',
  internal: 'Something went wrong on our side.',
  unavailable: 'A service the API depends on cannot be reached right now. Try again shortly.',
};

/**
 * The `Retry-After` of an `unavailable` answer: about one replica-set election, after
 * which a retry usually finds a primary again (and a locked SQLite file free).
 */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/**
 * An error the contract knows. Services throw it; the transport (REST middleware or the
 * socket ack wrapper) turns it into `{ code, message, details? }`. `expose` is false only
 * for `internal`, whose message is replaced before it leaves the process.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly expose: boolean;

  constructor(
    readonly code: ErrorCode,
    message: string = DEFAULT_MESSAGES[code],
    readonly details?: ErrorDetail[],
    /** Whole seconds; for `rate_limited` and `unavailable`. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = ERROR_STATUS[code];
    this.expose = code !== 'internal';
  }

  static fromBody(body: ApiErrorBody): ApiError {
    return new ApiError(body.code, body.message, body.details);
  }

  toBody(): ApiErrorBody {
    if (!this.expose) return { code: 'internal', message: DEFAULT_MESSAGES.internal };
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** Validates untrusted input with a contract schema; throws the contract's error on failure. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = parse(schema, input);
  if (!result.ok) throw ApiError.fromBody(result.error);
  return result.value;
}

/** Anything thrown, as an ApiError; unknown errors become `internal` (and `known` is false). */
export function toApiError(err: unknown): { error: ApiError; known: boolean } {
  if (err instanceof ApiError) return { error: err, known: true };
  // The database is down, locked or electing a primary: not a bug. The contract says
  // the request changed nothing or is safe to repeat (sends are idempotent by clientId,
  // a refresh within its retry grace).
  if (err instanceof StoreUnavailable) {
    return {
      error: new ApiError(
        'unavailable',
        DEFAULT_MESSAGES.unavailable,
        undefined,
        UNAVAILABLE_RETRY_AFTER_SECONDS,
      ),
      known: true,
    };
  }
  // Errors from Koa's own stack (body parser: raw-body / co-body) carry an HTTP status.
  if (err instanceof Error && 'status' in err && typeof err.status === 'number') {
    const status = err.status;
    if (status === 413) {
      return { error: new ApiError('payload_too_large'), known: true };
    }
    if (status === 400 && err instanceof SyntaxError) {
      return {
        error: new ApiError('invalid_request', 'The request body is not valid JSON.'),
        known: true,
      };
    }
    if (status >= 400 && status < 500) {
      return {
        error: new ApiError('invalid_request', 'The request body could not be read.'),
        known: true,
      };
    }
  }
  return { error: new ApiError('internal'), known: false };
}

/**
 * First in the chain: everything thrown below becomes the contract's error body. A 500
 * is logged with its stack and answered with a generic message.
 */
export function errorMiddleware(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      // Nothing matched the route (or a handler left the body empty with a 404).
      if (ctx.status === 404 && ctx.body === undefined) throw new ApiError('not_found');
    } catch (err) {
      const { error, known } = toApiError(err);
      if (!known) {
        logger.error({ err, reqId: ctx.state.requestId as unknown }, 'request failed');
      } else if (error.code === 'unavailable') {
        logger.warn({ err, reqId: ctx.state.requestId as unknown }, 'store unavailable');
      }
      ctx.status = error.status;
      ctx.body = { error: error.toBody() };
      if (error.code === 'rate_limited' || error.code === 'unavailable') {
        ctx.set('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterSeconds ?? 1))));
      }
    }
  };
}
