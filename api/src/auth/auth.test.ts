import * as argon2 from '@node-rs/argon2';
import { SignJWT, UnsecuredJWT, decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AuthResponse, ErrorBody, TokenPair, User } from '@chat/protocol';
import {
  errorOf,
  login,
  registerUser,
  startTestApi,
  uniqueUsername,
  type TestApi,
} from '../../test/helpers';
import { ARGON2ID } from './passwords';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from './tokens';

let api: TestApi;
beforeAll(async () => {
  // Reuse right after a rotation is tested as theft here; the retry grace that softens
  // it is tested in auth/refresh-grace.test.ts.
  api = await startTestApi({ config: { refreshRetryGraceSeconds: 0 } });
});
afterAll(async () => {
  await api.close();
});

const register = (body: unknown) => api.http.post('/api/auth/register', { body });
const me = (token: string) => api.http.get('/api/users/me', { token });

function expectError(
  response: { status: number; body: unknown },
  status: number,
  code: ErrorBody['error']['code'],
) {
  expect(response.status).toBe(status);
  expect(ErrorBody.parse(response.body).error.code).toBe(code);
}

describe('register', () => {
  test('creates the user and a session: 201 with user and both tokens', async () => {
    const username = uniqueUsername('reg');
    const response = await register({ username, password: 'correct horse', displayName: 'Ann' });
    expect(response.status).toBe(201);
    const body = AuthResponse.parse(response.body);
    expect(body.user).toMatchObject({ username, displayName: 'Ann' });
    expect(User.parse(body.user).createdAt).toMatch(/Z$/);
    const claims = decodeJwt(body.accessToken);
    expect(claims.sub).toBe(body.user.id);
    expect(typeof claims.sid).toBe('string');
    expect((claims.exp ?? Infinity) - (claims.iat ?? 0)).toBeLessThanOrEqual(15 * 60);
    expect((await me(body.accessToken)).body).toEqual(body.user);
  });

  test('stores the password only as an argon2id hash', async () => {
    const { user, password } = await registerUser(api);
    const stored = await api.store.users.findById(user.id);
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(stored?.passwordHash).not.toContain(password);
  });

  test('lower-cases the username and refuses a taken one with 409, whatever its case', async () => {
    const base = uniqueUsername('case');
    const first = await register({ username: base.toUpperCase(), password: 'password1' });
    expect(AuthResponse.parse(first.body).user.username).toBe(base);
    expectError(await register({ username: base, password: 'password1' }), 409, 'conflict');
    expectError(
      await register({
        username: `${base.slice(0, 1).toUpperCase()}${base.slice(1)}`,
        password: 'password1',
      }),
      409,
      'conflict',
    );
  });

  test('trims the display name and defaults it to the username', async () => {
    const a = uniqueUsername('trim');
    const trimmed = AuthResponse.parse(
      (await register({ username: a, password: 'password1', displayName: '  Bea  ' })).body,
    );
    expect(trimmed.user.displayName).toBe('Bea');
    const b = uniqueUsername('dflt');
    const defaulted = AuthResponse.parse(
      (await register({ username: b, password: 'password1' })).body,
    );
    expect(defaulted.user.displayName).toBe(b);
  });

  test.each([
    ['missing username', { password: 'password1' }],
    ['missing password', { username: 'someone_new' }],
    ['username too short', { username: 'ab', password: 'password1' }],
    ['username too long', { username: 'a'.repeat(33), password: 'password1' }],
    ['username with a space', { username: 'ann smith', password: 'password1' }],
    ['username with a non-ASCII letter', { username: 'zoë', password: 'password1' }],
    ['username with @', { username: 'ann@example', password: 'password1' }],
    ['password too short', { username: 'someone_new', password: 'short12' }],
    ['password too long', { username: 'someone_new', password: 'p'.repeat(129) }],
    ['blank display name', { username: 'someone_new', password: 'password1', displayName: '   ' }],
    [
      'display name too long',
      { username: 'someone_new', password: 'password1', displayName: 'd'.repeat(65) },
    ],
    ['a number as username', { username: 12345, password: 'password1' }],
    ['an operator object as username', { username: { $gt: '' }, password: 'password1' }],
    ['an operator object as password', { username: 'someone_new', password: { $ne: null } }],
    ['an array as body', [{ username: 'someone_new', password: 'password1' }]],
    ['null as password', { username: 'someone_new', password: null }],
  ])('refuses %s with 400 invalid_request', async (_name, body) => {
    const response = await register(body);
    expectError(response, 400, 'invalid_request');
    expect(await api.store.users.findByUsername('someone_new')).toBeNull();
  });

  test('accepts the edge lengths and the whole username alphabet', async () => {
    const short = `${uniqueUsername('e').slice(-2)}x`.slice(-3);
    const tail = `_.-${process.pid}`;
    const long = `${'a'.repeat(32 - tail.length)}${tail}`;
    for (const username of [short, long]) {
      const response = await register({
        username,
        password: 'p'.repeat(128),
        displayName: 'd'.repeat(64),
      });
      expect([201, 409]).toContain(response.status);
    }
    const eight = await register({ username: uniqueUsername('pw8'), password: '12345678' });
    expect(eight.status).toBe(201);
  });

  test('ignores unknown fields', async () => {
    const response = await register({
      username: uniqueUsername('extra'),
      password: 'password1',
      isAdmin: true,
      id: 'chosen-by-client',
    });
    expect(response.status).toBe(201);
    expect(AuthResponse.parse(response.body).user.id).not.toBe('chosen-by-client');
  });
});

describe('login', () => {
  test('returns the user and a new session', async () => {
    const registered = await registerUser(api);
    const response = await api.http.post('/api/auth/login', {
      body: { username: registered.user.username, password: registered.password },
    });
    expect(response.status).toBe(200);
    const body = AuthResponse.parse(response.body);
    expect(body.user).toEqual(registered.user);
    expect(decodeJwt(body.accessToken).sid).not.toBe(decodeJwt(registered.accessToken).sid);
  });

  test('accepts the username in any case', async () => {
    const registered = await registerUser(api);
    const body = await login(api, registered.user.username.toUpperCase(), registered.password);
    expect(body.user.id).toBe(registered.user.id);
  });

  test('answers an unknown user and a wrong password with the same 401', async () => {
    const registered = await registerUser(api);
    const wrong = await api.http.post('/api/auth/login', {
      body: { username: registered.user.username, password: 'not the password' },
    });
    const unknown = await api.http.post('/api/auth/login', {
      body: { username: uniqueUsername('ghost'), password: 'not the password' },
    });
    expectError(wrong, 401, 'unauthorized');
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });

  test.each([
    ['an operator object', { username: { $gt: '' }, password: 'x' }],
    ['a missing password', { username: 'someone' }],
    ['a numeric password', { username: 'someone', password: 12345678 }],
  ])('refuses %s with 400', async (_name, body) => {
    expectError(await api.http.post('/api/auth/login', { body }), 400, 'invalid_request');
  });

  test('after 10 failures for a name, refuses it with 429 and Retry-After, even with the right password', async () => {
    const registered = await registerUser(api);
    const attempt = (password: string, username = registered.user.username) =>
      api.http.post('/api/auth/login', { body: { username, password } });
    for (let i = 0; i < 10; i++) {
      expect((await attempt(`wrong-${i}-password`)).status).toBe(401);
    }
    const locked = await attempt(registered.password);
    expectError(locked, 429, 'rate_limited');
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    // Keyed by the lower-cased name: another spelling is the same account.
    expect(
      (await attempt(registered.password, registered.user.username.toUpperCase())).status,
    ).toBe(429);
    // Other accounts are unaffected.
    const other = await registerUser(api);
    expect((await login(api, other.user.username, other.password)).user.id).toBe(other.user.id);
  });

  test('upgrades a stored hash weaker than the configured parameters', async () => {
    const registered = await registerUser(api);
    const weak = await argon2.hash(registered.password, {
      algorithm: ARGON2ID,
      memoryCost: 64,
      timeCost: 1,
      parallelism: 1,
    });
    await api.store.users.setPasswordHash(registered.user.id, weak);
    await login(api, registered.user.username, registered.password);
    const stored = (await api.store.users.findById(registered.user.id))?.passwordHash ?? '';
    expect(stored).not.toBe(weak);
    expect(stored).toContain(`m=${api.config.argon2.memoryCost},`);
    expect(stored).toContain(`t=${api.config.argon2.timeCost}`);
    expect(await argon2.verify(stored, registered.password)).toBe(true);
    // A hash at the configured strength is left alone.
    await login(api, registered.user.username, registered.password);
    expect((await api.store.users.findById(registered.user.id))?.passwordHash).toBe(stored);
  });
});

describe('access tokens', () => {
  async function forge(
    claims: Record<string, unknown>,
    options: { alg?: string; secret?: string; expiresIn?: number } = {},
  ) {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: options.alg ?? 'HS256' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + (options.expiresIn ?? 600))
      .sign(new TextEncoder().encode(options.secret ?? api.config.jwtSecret));
  }

  test('a missing, malformed or non-Bearer Authorization header is 401', async () => {
    const { accessToken } = await registerUser(api);
    expectError(await api.http.get('/api/users/me'), 401, 'unauthorized');
    for (const authorization of [
      'Bearer',
      'Bearer not.a.jwt',
      `Basic ${accessToken}`,
      accessToken,
    ]) {
      const response = await api.http.get('/api/users/me', { headers: { authorization } });
      expectError(response, 401, 'unauthorized');
    }
  });

  test('a tampered token is 401', async () => {
    const a = await registerUser(api);
    const b = await registerUser(api);
    const [header, , signature] = a.accessToken.split('.');
    const [, payloadB] = b.accessToken.split('.');
    expectError(await me(`${header}.${payloadB}.${signature}`), 401, 'unauthorized');
    expectError(await me(`${a.accessToken.slice(0, -2)}xx`), 401, 'unauthorized');
  });

  test('alg none, HS512 and another secret are 401', async () => {
    const { user, accessToken } = await registerUser(api);
    const { sid } = decodeJwt(accessToken);
    const claims = { sub: user.id, sid, typ: 'access' };
    // Prove the forge helper makes tokens we accept when nothing is wrong with them.
    expect((await me(await forge(claims))).status).toBe(200);
    const none = new UnsecuredJWT(claims).setIssuedAt().setExpirationTime('10m').encode();
    expectError(await me(none), 401, 'unauthorized');
    expectError(await me(await forge(claims, { alg: 'HS512' })), 401, 'unauthorized');
    expectError(
      await me(await forge(claims, { secret: 'another-secret-another-secret-another' })),
      401,
      'unauthorized',
    );
  });

  test('an expired token, a token living over 15 minutes and a non-access token are 401', async () => {
    const { user, accessToken } = await registerUser(api);
    const { sid } = decodeJwt(accessToken);
    const claims = { sub: user.id, sid, typ: 'access' };
    expectError(await me(await forge(claims, { expiresIn: -5 })), 401, 'unauthorized');
    expectError(await me(await forge(claims, { expiresIn: 16 * 60 })), 401, 'unauthorized');
    expectError(await me(await forge({ sub: user.id, sid, typ: 'refresh' })), 401, 'unauthorized');
    expectError(await me(await forge({ sub: user.id, typ: 'access' })), 401, 'unauthorized');
  });
});

describe('token lifetime', () => {
  test('a real access token stops working after 15 minutes; a refreshed one works', async () => {
    let now = Date.now();
    const timed = await startTestApi({ clock: () => now });
    try {
      const registered = await registerUser(timed);
      const check = (token: string) => timed.http.get('/api/users/me', { token });
      expect((await check(registered.accessToken)).status).toBe(200);
      now += 15 * 60 * 1000 - 2_000;
      expect((await check(registered.accessToken)).status).toBe(200);
      now += 3_000;
      expectError(await check(registered.accessToken), 401, 'unauthorized');
      const refreshed = await timed.http.post('/api/auth/refresh', {
        body: { refreshToken: registered.refreshToken },
      });
      expect(refreshed.status).toBe(200);
      expect((await check(TokenPair.parse(refreshed.body).accessToken)).status).toBe(200);
      // Refresh tokens end after 30 days without use.
      now += 31 * 24 * 60 * 60 * 1000;
      const late = await timed.http.post('/api/auth/refresh', {
        body: { refreshToken: TokenPair.parse(refreshed.body).refreshToken },
      });
      expectError(late, 401, 'unauthorized');
    } finally {
      await timed.close();
    }
  });
});

describe('session lifetime', () => {
  test('refreshing slides 30 days at a time but never past 90 days after sign-in', async () => {
    let now = Date.now();
    const timed = await startTestApi({ clock: () => now });
    const DAY = 24 * 60 * 60 * 1000;
    try {
      const registered = await registerUser(timed);
      let refreshToken = registered.refreshToken;
      const refresh = () =>
        timed.http.post('/api/auth/refresh', { body: { refreshToken } }).then((response) => {
          if (response.status === 200) refreshToken = TokenPair.parse(response.body).refreshToken;
          return response;
        });
      for (const day of [29, 58, 87]) {
        now = Date.now() + day * DAY;
        expect((await refresh()).status).toBe(200);
      }
      // Refreshed on day 87, which would slide to day 117; the session ends on day 90.
      now = Date.now() + 90 * DAY + 60_000;
      expectError(await refresh(), 401, 'unauthorized');
    } finally {
      await timed.close();
    }
  });
});

describe('refresh', () => {
  const refresh = (refreshToken: unknown) =>
    api.http.post('/api/auth/refresh', { body: { refreshToken } });

  test('rotates: returns a new pair, and the new refresh token works once more', async () => {
    const registered = await registerUser(api);
    const first = await refresh(registered.refreshToken);
    expect(first.status).toBe(200);
    const pair = TokenPair.parse(first.body);
    expect(pair.refreshToken).not.toBe(registered.refreshToken);
    expect(decodeJwt(pair.accessToken).sid).toBe(decodeJwt(registered.accessToken).sid);
    expect((await me(pair.accessToken)).status).toBe(200);
    const second = await refresh(pair.refreshToken);
    expect(second.status).toBe(200);
  });

  test('reusing a spent refresh token revokes the whole session', async () => {
    const registered = await registerUser(api);
    const pair = TokenPair.parse((await refresh(registered.refreshToken)).body);
    expectError(await refresh(registered.refreshToken), 401, 'unauthorized');
    // Theft detection: every token of the session is dead, also the newest ones.
    expectError(await me(pair.accessToken), 401, 'unauthorized');
    expectError(await me(registered.accessToken), 401, 'unauthorized');
    expectError(await refresh(pair.refreshToken), 401, 'unauthorized');
  });

  test('a tampered, foreign or malformed refresh token is 401 and revokes nothing', async () => {
    const registered = await registerUser(api);
    const [sid, generation] = registered.refreshToken.split('.');
    for (const token of [
      `${sid}.${generation}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`,
      `${sid}.${Number(generation) + 1}.${registered.refreshToken.split('.')[2]}`,
      'nonsense',
      registered.accessToken,
    ]) {
      expectError(await refresh(token), 401, 'unauthorized');
    }
    expect((await me(registered.accessToken)).status).toBe(200);
    expect((await refresh(registered.refreshToken)).status).toBe(200);
  });

  test.each([
    [{}],
    [{ refreshToken: { $gt: '' } }],
    [{ refreshToken: '' }],
    [{ refreshToken: 42 }],
  ])('refuses the body %j with 400', async (body) => {
    expectError(await api.http.post('/api/auth/refresh', { body }), 400, 'invalid_request');
  });
});

describe('logout', () => {
  test('revokes only the caller session: its tokens stop working, others keep working', async () => {
    const registered = await registerUser(api);
    const other = await login(api, registered.user.username, registered.password);
    const response = await api.http.post('/api/auth/logout', { token: registered.accessToken });
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
    expectError(await me(registered.accessToken), 401, 'unauthorized');
    expectError(
      await api.http.post('/api/auth/refresh', { body: { refreshToken: registered.refreshToken } }),
      401,
      'unauthorized',
    );
    expectError(
      await api.http.post('/api/auth/logout', { token: registered.accessToken }),
      401,
      'unauthorized',
    );
    expect((await me(other.accessToken)).status).toBe(200);
    expect(
      (await api.http.post('/api/auth/refresh', { body: { refreshToken: other.refreshToken } }))
        .status,
    ).toBe(200);
  });

  test('needs a token', async () => {
    expect(errorOf(await api.http.post('/api/auth/logout')).code).toBe('unauthorized');
  });
});
