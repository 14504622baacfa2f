import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TokenPair } from '@chat/protocol';
import { openSqliteStore } from '../store/sqlite';
import { StoreUnavailable, type SessionStore, type Store } from '../store/types';
import {
  errorOf,
  registerUser,
  startTestApi,
  type RegisteredUser,
  type TestApi,
} from '../../test/helpers';

/**
 * A refresh whose write landed but whose answer was lost (a store error after the
 * rotation, a dropped connection) is retried by an honest client with the same token. Within
 * the grace that retry gets the same new pair; after it, presenting the old token is reuse.
 */
describe('refresh retry grace', () => {
  let now = Date.now();
  let failNextRotation = false;
  let api: TestApi;
  let user: RegisteredUser;

  /** A store whose next rotation is stored and then reported failed. */
  const rotationsFail = (store: Store): Store => {
    const sessions: SessionStore = {
      ...store.sessions,
      rotate: async (...args) => {
        const rotated = await store.sessions.rotate(...args);
        if (failNextRotation) {
          failNextRotation = false;
          throw new StoreUnavailable('the reply of the rotation was lost');
        }
        return rotated;
      },
    };
    return { ...store, sessions, ping: () => store.ping(), close: () => store.close() };
  };

  beforeAll(async () => {
    api = await startTestApi({
      clock: () => now,
      openStore: (file) => rotationsFail(openSqliteStore(file)),
    });
  });
  afterAll(async () => {
    await api.close();
  });

  const refresh = (refreshToken: string) =>
    api.http.post('/api/auth/refresh', { body: { refreshToken } });
  const me = (token: string) => api.http.get('/api/users/me', { token });

  test('a retry within the grace gets the same new refresh token, and the session lives on', async () => {
    now = Date.now();
    user = await registerUser(api);
    failNextRotation = true;
    expect((await refresh(user.refreshToken)).status).toBe(503);

    now += 9_000;
    const retried = await refresh(user.refreshToken);
    expect(retried.status).toBe(200);
    const pair = TokenPair.parse(retried.body);
    expect(pair.refreshToken).not.toBe(user.refreshToken);
    expect((await me(pair.accessToken)).status).toBe(200);
    // Presented again at once: still the same pair, not a revocation.
    expect(TokenPair.parse((await refresh(user.refreshToken)).body).refreshToken).toBe(
      pair.refreshToken,
    );
    // The new token goes on rotating as usual.
    const next = TokenPair.parse((await refresh(pair.refreshToken)).body);
    expect((await me(next.accessToken)).status).toBe(200);
  });

  test('the same token presented after the grace is reuse: the session is revoked', async () => {
    now = Date.now();
    const other = await registerUser(api);
    const pair = TokenPair.parse((await refresh(other.refreshToken)).body);
    now += 11_000;
    const reused = await refresh(other.refreshToken);
    expect(reused.status).toBe(401);
    expect(errorOf(reused).code).toBe('unauthorized');
    expect((await me(pair.accessToken)).status).toBe(401);
    expect((await refresh(pair.refreshToken)).status).toBe(401);
  });

  test('a token older than the last rotation is reuse even within the grace', async () => {
    now = Date.now();
    const third = await registerUser(api);
    const first = TokenPair.parse((await refresh(third.refreshToken)).body);
    const second = TokenPair.parse((await refresh(first.refreshToken)).body);
    expect((await refresh(third.refreshToken)).status).toBe(401);
    expect((await me(second.accessToken)).status).toBe(401);
  });
});
