import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * One ioredis connection with the behaviour every scale-out part wants: reconnect forever
 * with a capped backoff (a Redis restart is an outage to ride out, not a crash), fail
 * commands after a couple of retries instead of queueing them without bound, and log a
 * lost connection once rather than on every retry.
 */
export function connectRedis(url: string, name: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: 2,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  });
  let down = false;
  redis.on('error', (err: Error) => {
    if (down) return;
    down = true;
    logger.warn({ err: err.message, connection: name }, 'redis connection lost; reconnecting');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info({ connection: name }, 'redis connection back');
  });
  return redis;
}

export interface Script {
  body: string;
  sha: string;
}

/** Runs a Lua script by its hash, loading it when Redis does not know it (after a restart). */
export async function runScript(
  redis: Redis,
  script: Script,
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, 0, ...args);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    return redis.eval(script.body, 0, ...args);
  }
}

export function script(body: string): Script {
  return { body, sha: createHash('sha1').update(body).digest('hex') };
}
