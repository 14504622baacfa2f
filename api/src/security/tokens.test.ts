/**
 * Forged and stale credentials, each tried on all three doors: a REST call, the socket
 * handshake and `auth:renew` on an open socket. `auth/auth.test.ts` covers most of these
 * on REST alone; the point here is that no door is weaker than another.
 */
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { SignJWT, UnsecuredJWT, decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TokenPair } from '@chat/protocol';
import {
  connectError,
  disconnection,
  emitWithAck,
  errorOf,
  login,
  registerUser,
  startTestApi,
  type RegisteredUser,
  type TestApi,
} from '../../test/helpers';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../auth/tokens';

let api: TestApi;
let alice: RegisteredUser;
let bob: RegisteredUser;

beforeAll(async () => {
  // Reuse right after a rotation is tested as theft here; the retry grace that softens
  // it is tested in auth/refresh-grace.test.ts.
  api = await startTestApi({ config: { refreshRetryGraceSeconds: 0 } });
  alice = await registerUser(api);
  bob = await registerUser(api);
});
afterAll(async () => {
  await api.close();
});

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function hmac(algorithm: 'sha256' | 'sha512', data: string, secret: string): string {
  return createHmac(algorithm, secret).update(data).digest('base64url');
}

/** A JWT assembled by hand, so the header can say anything. */
function handmade(header: object, payload: object, sign: (data: string) => string): string {
  const data = `${b64(header)}.${b64(payload)}`;
  return `${data}.${sign(data)}`;
}

function claimsOf(user: RegisteredUser, overrides: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: user.user.id,
    sid: decodeJwt(user.accessToken).sid,
    typ: 'access',
    iss: TOKEN_ISSUER,
    aud: TOKEN_AUDIENCE,
    iat: now,
    exp: now + 600,
    ...overrides,
  };
}

/** Every way to present a token we did not issue (or no longer honour). */
let forged: Promise<[string, string][]> | undefined;
function forgedTokens(): Promise<[string, string][]> {
  forged ??= makeForgedTokens();
  return forged;
}

async function makeForgedTokens(): Promise<[string, string][]> {
  const secret = api.config.jwtSecret;
  const claims = claimsOf(alice);
  const [header, payload, signature] = alice.accessToken.split('.') as [string, string, string];
  const decoded = decodeJwt(alice.accessToken);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = Math.floor(Date.now() / 1000);
  return [
    ['alg none', new UnsecuredJWT(claims).encode()],
    [
      'alg none with a signature left on',
      handmade({ alg: 'none', typ: 'JWT' }, claims, (d) => hmac('sha256', d, secret)),
    ],
    [
      'HS512 with the real secret',
      handmade({ alg: 'HS512', typ: 'JWT' }, claims, (d) => hmac('sha512', d, secret)),
    ],
    [
      // Key confusion: an RS256 header over an HMAC made with the secret as the "key".
      'RS256 header, HMAC signature',
      handmade({ alg: 'RS256', typ: 'JWT' }, claims, (d) => hmac('sha256', d, secret)),
    ],
    [
      'RS256 signed with an attacker RSA key',
      await new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).sign(privateKey),
    ],
    [
      'payload with sub and sid swapped, original signature',
      `${header}.${b64({ ...decoded, sub: decoded.sid, sid: decoded.sub })}.${signature}`,
    ],
    [
      "payload claiming bob's id, original signature",
      `${header}.${b64({ ...decoded, sub: bob.user.id })}.${signature}`,
    ],
    ['signature of another token', `${header}.${payload}.${bob.accessToken.split('.')[2]}`],
    [
      'expired a minute ago',
      handmade(
        { alg: 'HS256', typ: 'JWT' },
        claimsOf(alice, { iat: now - 900, exp: now - 60 }),
        (d) => hmac('sha256', d, secret),
      ),
    ],
    [
      'signed with another secret',
      handmade({ alg: 'HS256', typ: 'JWT' }, claims, (d) =>
        hmac('sha256', d, 'not-the-secret-not-the-secret-not-the-secret'),
      ),
    ],
    ['the refresh token as an access token', alice.refreshToken],
    [
      'no issuer or audience',
      handmade(
        { alg: 'HS256', typ: 'JWT' },
        claimsOf(alice, { iss: undefined, aud: undefined }),
        (d) => hmac('sha256', d, secret),
      ),
    ],
    [
      'another issuer',
      handmade({ alg: 'HS256', typ: 'JWT' }, claimsOf(alice, { iss: 'other-service' }), (d) =>
        hmac('sha256', d, secret),
      ),
    ],
    [
      'another audience',
      handmade({ alg: 'HS256', typ: 'JWT' }, claimsOf(alice, { aud: 'other-service' }), (d) =>
        hmac('sha256', d, secret),
      ),
    ],
  ];
}

describe('forged and stale access tokens are refused on every door', () => {
  test('the hand-made control token IS accepted, so refusals below are real', async () => {
    const control = handmade({ alg: 'HS256', typ: 'JWT' }, claimsOf(alice), (d) =>
      hmac('sha256', d, api.config.jwtSecret),
    );
    expect((await api.http.get('/api/users/me', { token: control })).status).toBe(200);
    const socket = await api.connect(control);
    expect(await emitWithAck(socket, 'auth:renew', { token: control })).toEqual({ ok: true });
    socket.disconnect();
  });

  test("a validly signed token pairing one user with another user's live session is refused", async () => {
    // Only possible with a leaked secret; the session must still vouch for its own user.
    const mixed = handmade(
      { alg: 'HS256', typ: 'JWT' },
      claimsOf(alice, { sub: bob.user.id }),
      (d) => hmac('sha256', d, api.config.jwtSecret),
    );
    const response = await api.http.get('/api/users/me', { token: mixed });
    expect(response.status).toBe(401);
    expect(await connectError(api.url, mixed)).toBe('unauthorized');
  });

  test('REST answers 401 unauthorized', async () => {
    for (const [name, token] of await forgedTokens()) {
      const response = await api.http.get('/api/users/me', { token });
      expect(response.status, name).toBe(401);
      expect(errorOf(response).code, name).toBe('unauthorized');
    }
  });

  test('the socket handshake is refused with "unauthorized"', async () => {
    for (const [name, token] of await forgedTokens()) {
      expect(await connectError(api.url, token), name).toBe('unauthorized');
    }
  });

  test('auth:renew refuses them and the socket keeps its old expiry', async () => {
    const socket = await api.connect(alice.accessToken);
    const before = (await api.app.io.in(`user:${alice.user.id}`).fetchSockets())[0]?.data.tokenExp;
    for (const [name, token] of await forgedTokens()) {
      const ack = await emitWithAck(socket, 'auth:renew', { token });
      expect(ack, name).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    }
    const after = (await api.app.io.in(`user:${alice.user.id}`).fetchSockets())[0]?.data.tokenExp;
    expect(after).toBe(before);
    expect(socket.connected).toBe(true);
    socket.disconnect();
  });
});

describe('refresh tokens', () => {
  const refresh = (refreshToken: string) =>
    api.http.post('/api/auth/refresh', { body: { refreshToken } });

  test("another session's refresh token parts do not combine into a valid one", async () => {
    const first = await registerUser(api);
    const second = await login(api, first.user.username, first.password);
    const [sidA, genA] = first.refreshToken.split('.');
    const [sidB, , macB] = second.refreshToken.split('.');
    for (const token of [`${sidA}.${genA}.${macB}`, `${sidB}.${genA}.${macB}x`]) {
      const response = await refresh(token);
      expect(response.status).toBe(401);
      expect(errorOf(response).code).toBe('unauthorized');
    }
    // A guess is not a replay: neither session was revoked by it.
    expect((await api.http.get('/api/users/me', { token: first.accessToken })).status).toBe(200);
    expect((await api.http.get('/api/users/me', { token: second.accessToken })).status).toBe(200);
    expect((await refresh(first.refreshToken)).status).toBe(200);
    expect((await refresh(second.refreshToken)).status).toBe(200);
  });

  test('reusing a rotated refresh token kills the session on every door, others live on', async () => {
    const victim = await registerUser(api);
    const bystander = await login(api, victim.user.username, victim.password);
    const rotated = TokenPair.parse((await refresh(victim.refreshToken)).body);
    const socket = await api.connect(rotated.accessToken);
    const otherSocket = await api.connect(bystander.accessToken);
    const gone = disconnection(socket, 1_000);

    expect((await refresh(victim.refreshToken)).status).toBe(401);
    expect(await gone).toBe('io server disconnect');

    expect((await api.http.get('/api/users/me', { token: rotated.accessToken })).status).toBe(401);
    expect(await connectError(api.url, rotated.accessToken)).toBe('unauthorized');
    expect((await refresh(rotated.refreshToken)).status).toBe(401);
    // The dead session's token cannot be smuggled into a live socket of the same user.
    expect(
      await emitWithAck(otherSocket, 'auth:renew', { token: rotated.accessToken }),
    ).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(otherSocket.connected).toBe(true);
    expect((await refresh(bystander.refreshToken)).status).toBe(200);
    otherSocket.disconnect();
  });
});
