import { RateLimiterRes } from 'rate-limiter-flexible';
import { ApiError } from '../http/errors';
import { createLimiter, type SharedLimiterStore } from '../scale/rate-limits';

/** Conversations one user may create (or open) per minute. */
export const CONVERSATION_CREATES_PER_MINUTE = 30;

export interface CreationLimiter {
  /** @throws ApiError('rate_limited') with the whole seconds to wait. */
  consume(userId: string): Promise<void>;
}

/**
 * Per-user conversation creation. Each group tells up to 256 members; without a limit one
 * user made 3,024 groups around a victim in 4 s (issue #14), and everyone's message acks
 * slowed from 3 ms to hundreds. `enabled: false` (CHAT_RATE_LIMITS=off) lets everything by.
 */
export function createCreationLimiter(options: {
  enabled: boolean;
  shared?: SharedLimiterStore | undefined;
}): CreationLimiter {
  if (!options.enabled) return { consume: () => Promise.resolve() };
  const limiter = createLimiter(
    { keyPrefix: 'conversation-create', points: CONVERSATION_CREATES_PER_MINUTE, duration: 60 },
    options.shared,
  );
  return {
    async consume(userId) {
      try {
        await limiter.consume(userId);
      } catch (err) {
        if (!(err instanceof RateLimiterRes)) throw err;
        throw new ApiError(
          'rate_limited',
          'Too many conversations created. Wait a moment before creating more.',
          undefined,
          Math.max(1, Math.ceil(err.msBeforeNext / 1000)),
        );
      }
    },
  };
}
