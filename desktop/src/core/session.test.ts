import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FetchLike } from './api-client';
import { readJwtTimes } from './session';
import {
  CONNECTED,
  makeClient,
  signUp,
  startRestartableApi,
  uniqueName,
  unwrap,
  type RestartableApi,
} from './testing/harness';

/**
 * Fetch that, while `corrupt` is on, replaces the bearer token with a forged one (the
 * server answers 401), and counts refreshes. The server and its tokens are real.
 */
function faultyFetch() {
  const state = { corrupt: false, refreshes: 0 };
  const wrapped: FetchLike = async (input, init) => {
    const path = new URL(input).pathname;
    if (path === '/api/auth/refresh') {
      state.refreshes++;
      state.corrupt = false;
    }
    const headers = { ...init?.headers };
    if (state.corrupt && headers.authorization !== undefined) {
      headers.authorization = 'Bearer forged.token.value';
    }
    return fetch(input, { ...init, headers } as RequestInit);
  };
  return { state, fetch: wrapped };
}

describe('session and token refresh against the real API', () => {
  let api: RestartableApi;

  beforeAll(async () => {
    // No retry grace: a refresh token someone else presented first is spent at once (the
    // grace, which returns the same pair to an honest retry, has tests of its own).
    api = await startRestartableApi({ refreshRetryGraceSeconds: 0 });
  });
  afterAll(async () => {
    await api.close();
  });

  it('concurrent 401s share ONE refresh, and every call is retried once and succeeds', async () => {
    const faulty = faultyFetch();
    const t = makeClient({ fetch: faulty.fetch });
    await signUp(t, api.url);
    const refreshesBefore = faulty.state.refreshes;
    faulty.state.corrupt = true;

    const results = await Promise.all(
      Array.from({ length: 6 }, () => t.client.searchUsers({ q: 'nobody-by-this-name' })),
    );

    expect(results.map((r) => r.ok)).toEqual([true, true, true, true, true, true]);
    // A second refresh would present a spent refresh token, which revokes the session.
    expect(faulty.state.refreshes - refreshesBefore).toBe(1);
    expect(unwrap(await t.client.getSession())?.serverUrl).toBe(api.url);
    t.client.close();
  });

  it('a refused refresh signs out cleanly: session cleared, event emitted, calls refused', async () => {
    const faulty = faultyFetch();
    const t = makeClient({ fetch: faulty.fetch });
    await signUp(t, api.url);
    const saved = await t.sessionStorage.load();
    expect(saved).not.toBeNull();
    // Someone else uses the refresh token first: the client's copy is now spent.
    const stolen = await fetch(`${api.url}/api/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: saved?.refreshToken }),
    });
    expect(stolen.status).toBe(200);
    faulty.state.corrupt = true;

    const result = await t.client.searchUsers({ q: 'x' });

    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe('not_signed_in');
    await t.waitFor((e) => e.type === 'session' && e.session === null && e.reason === 'expired');
    expect(await t.sessionStorage.load()).toBeNull();
    expect(unwrap(await t.client.getSession())).toBeNull();
    expect(unwrap(await t.client.getConnectionStatus())).toBe('offline');
    const after = await t.client.listConversations();
    expect(!after.ok && after.error.code).toBe('not_signed_in');
    t.client.close();
  });

  it('a persisted session is restored at start by refreshing, and reconnects', async () => {
    const first = makeClient();
    const userId = await signUp(first, api.url);
    const before = await first.sessionStorage.load();
    first.client.close();

    const second = makeClient({ sessionStorage: first.sessionStorage });
    const restored = await second.client.start();

    expect(restored?.user.id).toBe(userId);
    await second.waitFor((e) => e.type === 'connection' && CONNECTED.includes(e.status));
    const after = await second.sessionStorage.load();
    // Rotated and persisted: the spent token is never presented again.
    expect(after?.refreshToken).toBeDefined();
    expect(after?.refreshToken).not.toBe(before?.refreshToken);
    expect(unwrap(await second.client.searchUsers({ q: 'zz' }))).toEqual([]);
    second.client.close();
  });

  it('network failures are told apart from API errors', async () => {
    const t = makeClient();
    const unreachable = await t.client.signIn({
      serverUrl: 'http://127.0.0.1:1',
      username: 'someone',
      password: 'whatever-password',
    });
    expect(!unreachable.ok && unreachable.error.code).toBe('network');

    const wrong = await t.client.signIn({
      serverUrl: api.url,
      username: uniqueName(),
      password: 'wrong-password',
    });
    expect(!wrong.ok && wrong.error.code).toBe('unauthorized');

    const bad = await t.client.signIn({
      serverUrl: 'file:///etc/passwd',
      username: 'a',
      password: 'b',
    });
    expect(!bad.ok && bad.error.code).toBe('invalid_request');
    t.client.close();
  });

  it('signing out revokes the session on the server and forgets it locally', async () => {
    const t = makeClient();
    await signUp(t, api.url);
    const saved = await t.sessionStorage.load();

    unwrap(await t.client.signOut({ unsent: 'keep' }));

    expect(await t.sessionStorage.load()).toBeNull();
    const reuse = await fetch(`${api.url}/api/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: saved?.refreshToken }),
    });
    expect(reuse.status).toBe(401);
    await t.waitFor((e) => e.type === 'session' && e.reason === 'signed-out');
    t.client.close();
  });
});

describe('access-token expiry during a long session', () => {
  let api: RestartableApi;

  beforeAll(async () => {
    api = await startRestartableApi({ accessTokenTtlSeconds: 2 });
  });
  afterAll(async () => {
    await api.close();
  });

  it('the socket is renewed before expiry, without a visible disconnect', async () => {
    const t = makeClient();
    await signUp(t, api.url);
    const firstToken = (await t.sessionStorage.load())?.refreshToken;
    const onlineAt = t.events.length;

    // Two full token lifetimes: without auth:renew the server disconnects at expiry.
    await new Promise((resolve) => setTimeout(resolve, 4_500));

    const statuses = t.events
      .slice(onlineAt)
      .flatMap((e) => (e.type === 'connection' ? [e.status] : []));
    expect(statuses.filter((s) => s === 'reconnecting' || s === 'offline')).toEqual([]);
    expect(CONNECTED).toContain(unwrap(await t.client.getConnectionStatus()));
    expect((await t.sessionStorage.load())?.refreshToken).not.toBe(firstToken);
    expect(unwrap(await t.client.searchUsers({ q: 'zz' }))).toEqual([]);
    t.client.close();
  });
});

describe('readJwtTimes', () => {
  it('reads exp and iat without verifying, and refuses what is not a JWT', () => {
    const payload = Buffer.from(JSON.stringify({ exp: 200, iat: 100 })).toString('base64url');
    expect(readJwtTimes(`x.${payload}.y`)).toEqual({ exp: 200, iat: 100 });
    expect(readJwtTimes('not-a-jwt')).toBeNull();
    expect(readJwtTimes('a.%%%.c')).toBeNull();
  });
});
