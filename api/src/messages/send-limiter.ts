import { BurstyRateLimiter, RateLimiterRes } from 'rate-limiter-flexible';
import { ApiError } from '../http/errors';
import { createLimiter, type SharedLimiterStore } from '../scale/rate-limits';

/** Sustained sends per user per second, and the extra a burst may add on top. */
export const SEND_RATE = { perSecond: 30, burst: 30, burstWindowSeconds: 10 } as const;

/**
 * Edits, deletions and reactions per user: fewer than sends (nobody reacts 30 times a
 * second), with room for an outbox replaying a batch made offline. Counted apart from
 * sends, so a reaction flood neither spends a user's sends nor touches anyone else.
 */
export const CHANGE_RATE = { perSecond: 10, burst: 30, burstWindowSeconds: 10 } as const;

export interface SendLimiter {
  /** @throws ApiError('rate_limited') with the whole seconds to wait. */
  consume(userId: string): Promise<void>;
}

interface UserRate {
  perSecond: number;
  burst: number;
  burstWindowSeconds: number;
}

interface LimiterOptions {
  enabled: boolean;
  shared?: SharedLimiterStore | undefined;
}

/**
 * A per-user limit of `rate.perSecond` sustained with a burst on top. Per instance: with
 * several instances behind a balancer a user's sockets spread over them, which only
 * loosens the limit, never drops a message; with `shared` (Redis) the count is one across
 * instances. `enabled: false` (CHAT_RATE_LIMITS=off) lets everything by.
 */
function createUserLimiter(
  options: LimiterOptions,
  keyPrefix: string,
  rate: UserRate,
  refusal: string,
): SendLimiter {
  if (!options.enabled) return { consume: () => Promise.resolve() };
  const limiter = new BurstyRateLimiter(
    createLimiter({ keyPrefix, points: rate.perSecond, duration: 1 }, options.shared),
    createLimiter(
      { keyPrefix: `${keyPrefix}-burst`, points: rate.burst, duration: rate.burstWindowSeconds },
      options.shared,
    ),
  );
  return {
    async consume(userId) {
      try {
        await limiter.consume(userId);
      } catch (err) {
        if (!(err instanceof RateLimiterRes)) throw err;
        const seconds = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
        throw new ApiError('rate_limited', refusal, undefined, seconds);
      }
    },
  };
}

/**
 * Per-user message sends: about 30 a second sustained, with room for a burst of 60 (a
 * pasted batch, an outbox flushed after reconnecting).
 */
export function createSendLimiter(options: LimiterOptions): SendLimiter {
  return createUserLimiter(
    options,
    'send',
    SEND_RATE,
    'Too many messages. Wait a moment before sending more.',
  );
}

/** Per-user edits, deletions and reactions (CHANGE_RATE). */
export function createChangeLimiter(options: LimiterOptions): SendLimiter {
  return createUserLimiter(
    options,
    'change',
    CHANGE_RATE,
    'Too many changes to messages. Wait a moment before making more.',
  );
}

/**
 * Uploads per user: each costs disk, bandwidth and, for an image, a compression slot, so
 * far fewer than messages; the burst lets someone drop a folder of 20 photos at once.
 */
export const UPLOAD_RATE = { perSecond: 2, burst: 20, burstWindowSeconds: 60 } as const;

/** Per-user uploads (UPLOAD_RATE), refused before a byte of the body is read. */
export function createUploadLimiter(options: LimiterOptions): SendLimiter {
  return createUserLimiter(
    options,
    'upload',
    UPLOAD_RATE,
    'Too many uploads. Wait a moment before sending more files.',
  );
}
