import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AuthResponse, TokenPair } from '@chat/protocol';
import { errorOf, startTestApi, uniqueUsername, type TestApi } from '../../test/helpers';
import { REFRESH_COOKIE, REFRESH_COOKIE_PATH } from './session-cookie';

let api: TestApi;
beforeAll(async () => {
  // Reuse right after a rotation is tested as theft here; the retry grace that softens
  // it is tested in auth/refresh-grace.test.ts.
  api = await startTestApi({ config: { refreshRetryGraceSeconds: 0 } });
});
afterAll(async () => {
  await api.close();
});

const COOKIE_MODE = { 'x-chat-session': 'cookie' };

/** The refresh cookie a response sets: its value and attributes, lower-cased. */
function refreshCookie(headers: Headers): { value: string; attributes: string[] } | null {
  const line = headers.getSetCookie().find((c) => c.startsWith(`${REFRESH_COOKIE}=`));
  if (line === undefined) return null;
  const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
  return {
    value: pair.slice(REFRESH_COOKIE.length + 1),
    attributes: attributes.map((a) => a.toLowerCase()),
  };
}

async function registerInCookieMode() {
  const response = await api.http.post('/api/auth/register', {
    body: { username: uniqueUsername('ck'), password: 'correct horse' },
    headers: COOKIE_MODE,
  });
  expect(response.status).toBe(201);
  const cookie = refreshCookie(response.headers);
  if (cookie === null) throw new Error('no refresh cookie');
  return { body: AuthResponse.parse(response.body), cookie };
}

const refreshWith = (cookie: string | null, body: unknown = {}) =>
  api.http.post('/api/auth/refresh', {
    body,
    headers: {
      ...COOKIE_MODE,
      ...(cookie === null ? {} : { cookie: `${REFRESH_COOKIE}=${cookie}` }),
    },
  });

describe('cookie sessions (X-Chat-Session: cookie)', () => {
  test('sign-in puts the refresh token in an HttpOnly, SameSite=Strict cookie on the refresh path, not in the body', async () => {
    const { body, cookie } = await registerInCookieMode();
    expect(body.refreshToken).toBe('');
    expect(body.accessToken).not.toBe('');
    expect(cookie.value.length).toBeGreaterThan(20);
    expect(cookie.attributes).toEqual(
      expect.arrayContaining([
        'httponly',
        'samesite=strict',
        `path=${REFRESH_COOKIE_PATH}`,
        // The test API is reached on 127.0.0.1, which browsers count as a secure context.
        'secure',
      ]),
    );
  });

  test('refresh reads the cookie, rotates it, and the used one revokes the session (theft detection)', async () => {
    const { cookie } = await registerInCookieMode();
    const first = await refreshWith(cookie.value);
    expect(first.status).toBe(200);
    const pair = TokenPair.parse(first.body);
    expect(pair.refreshToken).toBe('');
    const rotated = refreshCookie(first.headers);
    expect(rotated?.value).toBeTruthy();
    expect(rotated?.value).not.toBe(cookie.value);
    expect((await api.http.get('/api/users/me', { token: pair.accessToken })).status).toBe(200);

    const replay = await refreshWith(cookie.value);
    expect(replay.status).toBe(401);
    // The refused refresh also clears the cookie it was given.
    expect(refreshCookie(replay.headers)?.value).toBe('');
    expect((await refreshWith(rotated?.value ?? '')).status).toBe(401);
    expect((await api.http.get('/api/users/me', { token: pair.accessToken })).status).toBe(401);
  });

  test('an empty refreshToken in the body also means "use the cookie"', async () => {
    const { cookie } = await registerInCookieMode();
    expect((await refreshWith(cookie.value, { refreshToken: '' })).status).toBe(200);
  });

  test('refresh without a cookie is 401 with the contract body', async () => {
    const response = await refreshWith(null);
    expect(response.status).toBe(401);
    expect(errorOf(response).code).toBe('unauthorized');
  });

  test('logout clears the cookie and the session', async () => {
    const { body, cookie } = await registerInCookieMode();
    const out = await api.http.post('/api/auth/logout', {
      token: body.accessToken,
      headers: COOKIE_MODE,
    });
    expect(out.status).toBe(204);
    const cleared = refreshCookie(out.headers);
    expect(cleared?.value).toBe('');
    expect(cleared?.attributes.some((a) => a.startsWith('expires=thu, 01 jan 1970'))).toBe(true);
    expect((await refreshWith(cookie.value)).status).toBe(401);
  });

  test('without the header nothing changes: tokens in the body, no cookie, the cookie is ignored', async () => {
    const { cookie } = await registerInCookieMode();
    const login = await api.http.post('/api/auth/register', {
      body: { username: uniqueUsername('plain'), password: 'correct horse' },
    });
    expect(AuthResponse.parse(login.body).refreshToken).not.toBe('');
    expect(refreshCookie(login.headers)).toBeNull();
    const refresh = await api.http.post('/api/auth/refresh', {
      body: {},
      headers: { cookie: `${REFRESH_COOKIE}=${cookie.value}` },
    });
    expect(refresh.status).toBe(400);
    // The cookie was not used up by the refused request.
    expect((await refreshWith(cookie.value)).status).toBe(200);
  });
});
