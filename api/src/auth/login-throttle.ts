import { RateLimiterRes } from 'rate-limiter-flexible';
import { LIMITS } from '@chat/protocol';
import { ApiError } from '../http/errors';
import { createLimiter, type SharedLimiterStore } from '../scale/rate-limits';

/**
 * Failed logins per username: after `loginFailuresMax` failures within the window every
 * attempt for that name is refused with 429, even with the right password, so guessing
 * cannot continue by hitting the right one. Keyed by the lower-cased name, the same for
 * names that exist and names that do not.
 */
export interface LoginThrottle {
  /**
   * Counts an attempt before the password is checked, so a burst of parallel guesses
   * cannot all slip past the limit. @throws ApiError('rate_limited') while the name is locked.
   */
  begin(username: string): Promise<void>;
  /** The attempt succeeded: it does not count as a failure. Earlier failures still do. */
  succeeded(username: string): Promise<void>;
}

/** With `shared`, failures are counted across every API instance (Redis). */
export function createLoginThrottle(options: {
  enabled: boolean;
  shared?: SharedLimiterStore | undefined;
}): LoginThrottle {
  if (!options.enabled) return { begin: async () => {}, succeeded: async () => {} };
  const limiter = createLimiter(
    {
      keyPrefix: 'login-failures',
      points: LIMITS.loginFailuresMax,
      duration: LIMITS.loginFailureWindowSeconds,
    },
    options.shared,
  );
  const keyOf = (username: string) => username.toLowerCase();

  return {
    async begin(username) {
      try {
        await limiter.consume(keyOf(username));
      } catch (err) {
        if (!(err instanceof RateLimiterRes)) throw err;
        throw new ApiError(
          'rate_limited',
          'Too many failed sign-in attempts for this account. Try again later.',
          undefined,
          Math.max(1, Math.ceil(err.msBeforeNext / 1000)),
        );
      }
    },
    async succeeded(username) {
      await limiter.reward(keyOf(username), 1);
    },
  };
}
