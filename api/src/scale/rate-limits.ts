import type { Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  type IRateLimiterOptions,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';

/** Where rate-limit counters live when several instances must share them. */
export interface SharedLimiterStore {
  client: Redis;
  /** Prepended to every limiter's keyPrefix. */
  prefix: string;
}

/**
 * A limiter counted in Redis when a store is given (every instance sees the same count),
 * else in this process. While Redis is unreachable the Redis limiter answers from an
 * in-memory insurance limiter with the same limits, per instance: limits loosen by at most
 * the number of instances for the length of the outage, and nobody is locked out because
 * Redis is down.
 */
export function createLimiter(
  options: IRateLimiterOptions & { keyPrefix: string },
  store?: SharedLimiterStore,
): RateLimiterAbstract {
  if (!store) return new RateLimiterMemory(options);
  return new RateLimiterRedis({
    ...options,
    storeClient: store.client,
    keyPrefix: `${store.prefix}rl:${options.keyPrefix}`,
    // Not "wait for the reconnect": a request must not hang on Redis.
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory(options),
  });
}
