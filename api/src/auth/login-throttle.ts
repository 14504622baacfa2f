import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { LIMITS } from '@chat/protocol';
import { ApiError } from '../http/errors';
import { createLimiter, type SharedLimiterStore } from '../scale/rate-limits';

/**
 * Failed logins per username and client address (contract, version 2): after
 * `loginFailuresMax` failures within the window every attempt for that name from that
 * address is refused with 429, even with the right password, so guessing cannot continue by
 * hitting the right one; the owner at another address is not locked out. Keyed by the
 * lower-cased name, the same for names that exist and names that do not.
 */
export interface LoginThrottle {
  /**
   * Counts an attempt before the password is checked, so a burst of parallel guesses
   * cannot all slip past the limit. @throws ApiError('rate_limited') while the pair is locked.
   */
  begin(username: string, address: string): Promise<void>;
  /**
   * The attempt does not count as a failure: it succeeded, or it was never checked (the
   * server was busy, the database unreachable). Earlier failures still count.
   */
  forgive(username: string, address: string): Promise<void>;
}

/** With `shared`, failures are counted across every API instance (Redis). */
export function createLoginThrottle(options: {
  enabled: boolean;
  shared?: SharedLimiterStore | undefined;
}): LoginThrottle {
  if (!options.enabled) return { begin: async () => {}, forgive: async () => {} };
  const limiter = createLimiter(
    {
      keyPrefix: 'login-failures-by-address',
      points: LIMITS.loginFailuresMax,
      duration: LIMITS.loginFailureWindowSeconds,
    },
    options.shared,
  );
  const keyOf = (username: string, address: string) => `${address}|${username.toLowerCase()}`;

  return {
    async begin(username, address) {
      await consumeOrRefuse(
        limiter,
        keyOf(username, address),
        'Too many failed sign-in attempts for this account. Try again later.',
      );
    },
    async forgive(username, address) {
      await limiter.reward(keyOf(username, address), 1);
    },
  };
}

/**
 * Registrations per client address (contract, version 2: at most 10 an hour), so one
 * address cannot mint accounts by the thousand.
 */
export interface RegistrationLimit {
  /** @throws ApiError('rate_limited') with the seconds to wait. */
  begin(address: string): Promise<void>;
  /** The registration was not made (the name was taken, the server busy): it does not count. */
  forgive(address: string): Promise<void>;
}

export function createRegistrationLimit(options: {
  perHour: number;
  shared?: SharedLimiterStore | undefined;
}): RegistrationLimit {
  if (!Number.isFinite(options.perHour)) return { begin: async () => {}, forgive: async () => {} };
  const limiter = createLimiter(
    { keyPrefix: 'registrations', points: options.perHour, duration: 60 * 60 },
    options.shared,
  );
  return {
    begin: (address) =>
      consumeOrRefuse(limiter, address, 'Too many accounts were created from this address.'),
    async forgive(address) {
      await limiter.reward(address, 1);
    },
  };
}

async function consumeOrRefuse(
  limiter: RateLimiterAbstract,
  key: string,
  message: string,
): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (err) {
    if (!(err instanceof RateLimiterRes)) throw err;
    throw new ApiError(
      'rate_limited',
      message,
      undefined,
      Math.max(1, Math.ceil(err.msBeforeNext / 1000)),
    );
  }
}
