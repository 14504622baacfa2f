import { describe, expect, test } from 'vitest';
import { LIMITS } from '@chat/protocol';
import { ConfigError, PRESENCE_HEARTBEAT_TTL_MAX_MS, loadConfig } from '../config';
import { crashOfflineBoundMs } from './presence-tracker';

const base = { NODE_ENV: 'test', DATABASE_URL: 'sqlite::memory:', JWT_SECRET: 'x'.repeat(32) };

describe('scale-out configuration', () => {
  test('a crashed instance users go offline within the contract 30 s, for every accepted TTL', () => {
    const defaults = loadConfig(base);
    expect(crashOfflineBoundMs(defaults.presenceHeartbeatTtlMs)).toBeLessThanOrEqual(30_000);
    expect(crashOfflineBoundMs(PRESENCE_HEARTBEAT_TTL_MAX_MS)).toBeLessThanOrEqual(30_000);
    expect(() =>
      loadConfig({ ...base, PRESENCE_HEARTBEAT_TTL_MS: String(PRESENCE_HEARTBEAT_TTL_MAX_MS + 1) }),
    ).toThrow(ConfigError);
    expect(crashOfflineBoundMs(2_000)).toBeGreaterThan(LIMITS.presenceOfflineGraceMs);
  });

  test('REDIS_PREFIX defaults to chat: and refuses characters that would break key patterns', () => {
    expect(loadConfig(base).redisPrefix).toBe('chat:');
    expect(loadConfig({ ...base, REDIS_PREFIX: 'test-1:' }).redisPrefix).toBe('test-1:');
    expect(() => loadConfig({ ...base, REDIS_PREFIX: 'a*b' })).toThrow(/REDIS_PREFIX/);
  });
});
