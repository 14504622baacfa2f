import { describe, expect, test } from 'vitest';
import { createAccessTokens } from './tokens';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256-0123456789';

describe('verified access tokens are remembered', () => {
  test('a remembered token is refused from its expiry second, as a fresh check would', async () => {
    let now = Date.now();
    const tokens = createAccessTokens({ secret: SECRET, ttlSeconds: 900, clock: () => now });
    const { token, exp } = await tokens.sign('user-1', 'session-1');
    expect(await tokens.verify(token)).toEqual({ userId: 'user-1', sessionId: 'session-1', exp });
    now = exp * 1000 - 1;
    expect((await tokens.verify(token)).userId).toBe('user-1');
    now = exp * 1000;
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'unauthorized' });
    // And stays refused (the entry is gone, the full check refuses it too).
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  test('only the exact string that passed is remembered: a tampered copy still fails', async () => {
    const tokens = createAccessTokens({ secret: SECRET, ttlSeconds: 900, clock: Date.now });
    const { token } = await tokens.sign('user-1', 'session-1');
    await tokens.verify(token);
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    await expect(tokens.verify(token.slice(0, -1) + last)).rejects.toMatchObject({
      code: 'unauthorized',
    });
    const other = createAccessTokens({
      secret: `${SECRET}-other`,
      ttlSeconds: 900,
      clock: Date.now,
    });
    await expect(other.verify(token)).rejects.toMatchObject({ code: 'unauthorized' });
  });
});
