import { BurstyRateLimiter, RateLimiterRes } from 'rate-limiter-flexible';
import { ApiError } from '../http/errors';
import { createLimiter, type SharedLimiterStore } from '../scale/rate-limits';

/** Sustained sends per user per second, and the extra a burst may add on top. */
export const SEND_RATE = { perSecond: 30, burst: 30, burstWindowSeconds: 10 } as const;

export interface SendLimiter {
  /** @throws ApiError('rate_limited') with the whole seconds to wait. */
  consume(userId: string): Promise<void>;
}

/**
 * Per-user message sends: about 30 a second sustained, with room for a burst of 60 (a
 * pasted batch, an outbox flushed after reconnecting). Per instance: with several
 * instances behind a balancer a user's sockets spread over them, which only loosens the
 * limit, never drops a message; with `shared` (Redis) the count is one across instances.
 * `enabled: false` (CHAT_RATE_LIMITS=off) lets everything by.
 */
export function createSendLimiter(options: {
  enabled: boolean;
  shared?: SharedLimiterStore | undefined;
}): SendLimiter {
  if (!options.enabled) return { consume: () => Promise.resolve() };
  const limiter = new BurstyRateLimiter(
    createLimiter({ keyPrefix: 'send', points: SEND_RATE.perSecond, duration: 1 }, options.shared),
    createLimiter(
      {
        keyPrefix: 'send-burst',
        points: SEND_RATE.burst,
        duration: SEND_RATE.burstWindowSeconds,
      },
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
        throw new ApiError(
          'rate_limited',
          'Too many messages. Wait a moment before sending more.',
          undefined,
          seconds,
        );
      }
    },
  };
}
