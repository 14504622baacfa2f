import { SignJWT, UnsecuredJWT, decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TokenPair } from '@chat/protocol';
import {
  connectError,
  disconnection,
  emitWithAck,
  login,
  registerUser,
  roundTrip,
  sleep,
  startTestApi,
  type TestApi,
} from '../../test/helpers';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

describe('handshake', () => {
  test('a valid token connects; the socket joins its user and session rooms', async () => {
    const { user, accessToken } = await registerUser(api);
    const socket = await api.connect(accessToken);
    expect(socket.connected).toBe(true);
    const sid = String(decodeJwt(accessToken).sid);
    const [server] = await api.app.io.in(`user:${user.id}`).fetchSockets();
    expect(server?.data).toMatchObject({ userId: user.id, sessionId: sid });
    expect(server?.rooms.has(`session:${sid}`)).toBe(true);
    socket.disconnect();
  });

  test('missing, malformed, forged, expired and revoked tokens are refused with "unauthorized"', async () => {
    const { user, accessToken } = await registerUser(api);
    const sid = decodeJwt(accessToken).sid;
    const now = Math.floor(Date.now() / 1000);
    const key = new TextEncoder().encode(api.config.jwtSecret);
    const expired = await new SignJWT({ sid, typ: 'access' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setIssuedAt(now - 600)
      .setExpirationTime(now - 60)
      .sign(key);
    const hs512 = await new SignJWT({ sid, typ: 'access' })
      .setProtectedHeader({ alg: 'HS512' })
      .setSubject(user.id)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(key);
    const none = new UnsecuredJWT({ sid, typ: 'access', sub: user.id })
      .setIssuedAt()
      .setExpirationTime('5m')
      .encode();
    for (const token of [undefined, '', 'garbage', expired, hs512, none, `${accessToken}x`]) {
      expect(await connectError(api.url, token)).toBe('unauthorized');
    }
    await api.http.post('/api/auth/logout', { token: accessToken });
    expect(await connectError(api.url, accessToken)).toBe('unauthorized');
  });
});

describe('revocation', () => {
  test('logout disconnects that session sockets within 1 s and leaves other sessions connected', async () => {
    const registered = await registerUser(api);
    const other = await login(api, registered.user.username, registered.password);
    const mine = [
      await api.connect(registered.accessToken),
      await api.connect(registered.accessToken),
    ];
    const theirs = await api.connect(other.accessToken);
    const gone = mine.map((socket) => disconnection(socket, 1_000));
    expect(
      (await api.http.post('/api/auth/logout', { token: registered.accessToken })).status,
    ).toBe(204);
    expect(await Promise.all(gone)).toEqual(['io server disconnect', 'io server disconnect']);
    await roundTrip(theirs);
    expect(theirs.connected).toBe(true);
    expect(await emitWithAck(theirs, 'auth:renew', { token: other.accessToken })).toEqual({
      ok: true,
    });
  });

  test('refresh-token reuse disconnects the session sockets', async () => {
    const registered = await registerUser(api);
    const refresh = (refreshToken: string) =>
      api.http.post('/api/auth/refresh', { body: { refreshToken } });
    const first = TokenPair.parse((await refresh(registered.refreshToken)).body);
    // Two rotations on, the first token is no retry of the last one (see refresh-grace).
    const pair = TokenPair.parse((await refresh(first.refreshToken)).body);
    const socket = await api.connect(pair.accessToken);
    const gone = disconnection(socket, 1_000);
    expect((await refresh(registered.refreshToken)).status).toBe(401);
    expect(await gone).toBe('io server disconnect');
    expect(await connectError(api.url, pair.accessToken)).toBe('unauthorized');
  });
});

describe('auth:renew', () => {
  test('a fresh token of the same session is accepted; another session or junk is refused', async () => {
    const registered = await registerUser(api);
    const other = await login(api, registered.user.username, registered.password);
    const socket = await api.connect(registered.accessToken);
    const pair = TokenPair.parse(
      (
        await api.http.post('/api/auth/refresh', {
          body: { refreshToken: registered.refreshToken },
        })
      ).body,
    );
    expect(await emitWithAck(socket, 'auth:renew', { token: pair.accessToken })).toEqual({
      ok: true,
    });
    const refused = await emitWithAck(socket, 'auth:renew', { token: other.accessToken });
    expect(refused).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const junk = await emitWithAck(socket, 'auth:renew', { token: 'junk' });
    expect(junk).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const invalid = await emitWithAck(socket, 'auth:renew', { token: 42 });
    expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(socket.connected).toBe(true);
  });
});

describe('token expiry', () => {
  let short: TestApi;
  beforeAll(async () => {
    short = await startTestApi({ config: { accessTokenTtlSeconds: 2 } });
  });
  afterAll(async () => {
    await short.close();
  });

  test('a socket is disconnected when its token expires', async () => {
    const { accessToken } = await registerUser(short);
    const exp = Number(decodeJwt(accessToken).exp);
    const socket = await short.connect(accessToken);
    const reason = await disconnection(socket, 5_000);
    expect(reason).toBe('io server disconnect');
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000 - 50);
  });

  test('auth:renew with a fresh token moves the expiry; a refused renew does not', async () => {
    const registered = await registerUser(short);
    const other = await login(short, registered.user.username, registered.password);
    const renewed = await short.connect(registered.accessToken);
    const notRenewed = await short.connect(registered.accessToken);
    const firstExp = Number(decodeJwt(registered.accessToken).exp);
    // Wait so the next token expires at a later whole second.
    await sleep(1_100);
    const pair = TokenPair.parse(
      (
        await short.http.post('/api/auth/refresh', {
          body: { refreshToken: registered.refreshToken },
        })
      ).body,
    );
    const secondExp = Number(decodeJwt(pair.accessToken).exp);
    expect(secondExp).toBeGreaterThan(firstExp);
    expect((await emitWithAck(renewed, 'auth:renew', { token: pair.accessToken })).ok).toBe(true);
    expect((await emitWithAck(notRenewed, 'auth:renew', { token: other.accessToken })).ok).toBe(
      false,
    );
    await disconnection(notRenewed, 3_000);
    // The renewed socket outlives the first token...
    expect(renewed.connected).toBe(true);
    // ...and goes at the second token's expiry.
    await disconnection(renewed, 4_000);
    expect(Date.now()).toBeGreaterThanOrEqual(secondExp * 1000 - 50);
  });
});

describe('packets', () => {
  test('an oversized packet closes the socket instead of being processed', async () => {
    const { accessToken } = await registerUser(api);
    const socket = await api.connect(accessToken);
    const gone = disconnection(socket, 3_000);
    socket.emit('auth:renew', { token: 'x'.repeat(70 * 1024) }, () => {});
    expect(await gone).toBe('transport close');
  });
});
