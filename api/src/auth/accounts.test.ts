import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  Conversation,
  ErrorBody,
  HistoryResponse,
  Person,
  SessionsResponse,
  UserSearchResponse,
} from '@chat/protocol';
import {
  EventLog,
  createGroup,
  disconnection,
  emitWithAck,
  errorOf,
  login,
  openDirect,
  postMessage,
  registerUser,
  startTestApi,
  uniqueUsername,
  type TestApi,
} from '../../test/helpers';

const DAY = 24 * 60 * 60 * 1000;
/** The injectable clock: tests move it to see the username hold run out. */
const now = { ms: Date.now() };
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({ config: { rateLimits: false }, clock: () => now.ms });
});
afterAll(async () => {
  await api.close();
});

const asUser = (token: string, userAgent = 'Accounts test') => ({
  token,
  headers: { 'user-agent': userAgent },
});

describe('POST /api/auth/password', () => {
  test('a wrong current password is 401 and changes nothing', async () => {
    const ann = await registerUser(api);
    const response = await api.http.post('/api/auth/password', {
      token: ann.accessToken,
      body: { currentPassword: 'not-the-password', newPassword: 'a-new-password' },
    });
    expect(response.status).toBe(401);
    expect(errorOf(response).code).toBe('unauthorized');
    expect((await login(api, ann.user.username, ann.password)).user.id).toBe(ann.user.id);
  });

  test('a new password out of range is 400', async () => {
    const ann = await registerUser(api);
    for (const newPassword of ['short', 'x'.repeat(129)]) {
      const response = await api.http.post('/api/auth/password', {
        token: ann.accessToken,
        body: { currentPassword: ann.password, newPassword },
      });
      expect(ErrorBody.parse(response.body).error.code).toBe('invalid_request');
    }
  });

  test('revokes every other session and cuts its sockets; the current one stays', async () => {
    const ann = await registerUser(api);
    const other = await login(api, ann.user.username, ann.password);
    const otherSocket = await api.connect(other.accessToken);
    const mySocket = await api.connect(ann.accessToken);
    const cut = disconnection(otherSocket, 1_000);

    const response = await api.http.post('/api/auth/password', {
      token: ann.accessToken,
      body: { currentPassword: ann.password, newPassword: 'the-new-password' },
    });
    expect(response.status).toBe(204);
    expect(await cut).toBe('io server disconnect');
    expect((await api.http.get('/api/users/me', { token: other.accessToken })).status).toBe(401);
    const refreshed = await api.http.post('/api/auth/refresh', {
      body: { refreshToken: other.refreshToken },
    });
    expect(refreshed.status).toBe(401);
    expect((await api.http.get('/api/users/me', { token: ann.accessToken })).status).toBe(200);
    expect(mySocket.connected).toBe(true);
    const oldLogin = await api.http.post('/api/auth/login', {
      body: { username: ann.user.username, password: ann.password },
    });
    expect(oldLogin.status).toBe(401);
    expect((await login(api, ann.user.username, 'the-new-password')).user.id).toBe(ann.user.id);
  });
});

describe('sessions', () => {
  test('lists the live sessions with the current one, client and activity', async () => {
    const username = uniqueUsername();
    const registered = await api.http.post<{ accessToken: string; refreshToken: string }>(
      '/api/auth/register',
      { body: { username, password: 'password-1' }, headers: { 'user-agent': 'Phone/1.0' } },
    );
    const laptop = await api.http.post<{ accessToken: string }>('/api/auth/login', {
      body: { username, password: 'password-1' },
      headers: { 'user-agent': `Laptop/2.0 ${'x'.repeat(300)}` },
    });
    const response = await api.http.get('/api/auth/sessions', asUser(laptop.body.accessToken));
    expect(response.status).toBe(200);
    const { sessions } = SessionsResponse.strict().parse(response.body);
    expect(sessions).toHaveLength(2);
    const [newest, oldest] = sessions;
    expect(newest).toMatchObject({ current: true });
    expect(newest?.client).toHaveLength(200);
    expect(newest?.client.startsWith('Laptop/2.0')).toBe(true);
    expect(oldest).toMatchObject({ current: false, client: 'Phone/1.0' });
    expect(oldest?.lastActiveAt).toBe(oldest?.createdAt);

    // A refresh is activity.
    now.ms += 60_000;
    await api.http.post('/api/auth/refresh', {
      body: { refreshToken: registered.body.refreshToken },
    });
    const after = SessionsResponse.parse(
      (await api.http.get('/api/auth/sessions', { token: laptop.body.accessToken })).body,
    );
    const phone = after.sessions.find((s) => s.id === oldest?.id);
    expect(Date.parse(phone?.lastActiveAt ?? '')).toBe(now.ms);
  });

  test('signing out another session revokes it as logout does', async () => {
    const ann = await registerUser(api);
    const other = await login(api, ann.user.username, ann.password);
    const otherSocket = await api.connect(other.accessToken);
    const { sessions } = SessionsResponse.parse(
      (await api.http.get('/api/auth/sessions', { token: ann.accessToken })).body,
    );
    const target = sessions.find((s) => !s.current);
    const cut = disconnection(otherSocket, 1_000);
    const response = await api.http.request('DELETE', `/api/auth/sessions/${target?.id}`, {
      token: ann.accessToken,
    });
    expect(response.status).toBe(204);
    expect(await cut).toBe('io server disconnect');
    expect((await api.http.get('/api/users/me', { token: other.accessToken })).status).toBe(401);
    const left = SessionsResponse.parse(
      (await api.http.get('/api/auth/sessions', { token: ann.accessToken })).body,
    );
    expect(left.sessions.map((s) => s.current)).toEqual([true]);
    // Again: already revoked is still 204.
    const again = await api.http.request('DELETE', `/api/auth/sessions/${target?.id}`, {
      token: ann.accessToken,
    });
    expect(again.status).toBe(204);
  });

  test("another user's session, or none, is 404 and stays signed in", async () => {
    const ann = await registerUser(api);
    const ben = await registerUser(api);
    const { sessions } = SessionsResponse.parse(
      (await api.http.get('/api/auth/sessions', { token: ben.accessToken })).body,
    );
    for (const id of [sessions[0]?.id ?? '', 'nope', 'ffffffffffffffffffffffff']) {
      const response = await api.http.request('DELETE', `/api/auth/sessions/${id}`, {
        token: ann.accessToken,
      });
      expect(response.status).toBe(404);
      expect(errorOf(response).code).toBe('not_found');
    }
    expect((await api.http.get('/api/users/me', { token: ben.accessToken })).status).toBe(200);
  });

  test('needs a token', async () => {
    expect((await api.http.get('/api/auth/sessions')).status).toBe(401);
  });
});

describe('DELETE /api/users/me', () => {
  test('a wrong password is 401 and deletes nothing', async () => {
    const ann = await registerUser(api);
    const response = await api.http.request('DELETE', '/api/users/me', {
      token: ann.accessToken,
      body: { password: 'wrong-password' },
    });
    expect(response.status).toBe(401);
    expect((await api.http.get('/api/users/me', { token: ann.accessToken })).status).toBe(200);
  });

  test('revokes every session, keeps the messages and shows "Deleted account" everywhere', async () => {
    const ann = await registerUser(api, { displayName: 'Ann Gone' });
    const ben = await registerUser(api);
    const second = await login(api, ann.user.username, ann.password);
    const direct = await openDirect(api, ann.accessToken, ben.user.id);
    const sent = await postMessage(api, ann.accessToken, direct.id, 'remember me');
    const annSocket = await api.connect(second.accessToken);
    const benHears = new EventLog(await api.connect(ben.accessToken), 'user:updated');
    const cut = disconnection(annSocket, 1_000);

    const response = await api.http.request('DELETE', '/api/users/me', {
      token: ann.accessToken,
      body: { password: ann.password },
    });
    expect(response.status).toBe(204);
    expect(await cut).toBe('io server disconnect');
    // Tokens stop working at once (well within the second the contract allows).
    for (const token of [ann.accessToken, second.accessToken]) {
      expect((await api.http.get('/api/users/me', { token })).status).toBe(401);
    }
    const refreshed = await api.http.post('/api/auth/refresh', {
      body: { refreshToken: second.refreshToken },
    });
    expect(refreshed.status).toBe(401);
    // Cannot sign in: the same answer as an unknown user.
    const signIn = await api.http.post('/api/auth/login', {
      body: { username: ann.user.username, password: ann.password },
    });
    expect(signIn.status).toBe(401);
    expect(errorOf(signIn).message).toBe('Wrong username or password.');

    const deleted = {
      id: ann.user.id,
      username: null,
      displayName: 'Deleted account',
      deleted: true,
      avatar: null,
    };
    expect(await benHears.waitFor((p) => p.id === ann.user.id)).toMatchObject(deleted);
    const person = await api.http.get(`/api/users/${ann.user.id}`, { token: ben.accessToken });
    expect(Person.strict().parse(person.body)).toEqual({
      ...deleted,
      online: false,
      lastSeenAt: null,
    });
    const conversation = Conversation.parse(
      (await api.http.get(`/api/conversations/${direct.id}`, { token: ben.accessToken })).body,
    );
    expect(conversation.members.find((m) => m.id === ann.user.id)).toMatchObject(deleted);
    expect(conversation.members.find((m) => m.id === ben.user.id)).toMatchObject({
      deleted: false,
    });
    const history = HistoryResponse.parse(
      (
        await api.http.get(`/api/conversations/${direct.id}/messages`, {
          token: ben.accessToken,
        })
      ).body,
    );
    expect(history.messages.map((m) => [m.id, m.senderId, m.body])).toEqual([
      [sent.id, ann.user.id, 'remember me'],
    ]);
    const found = UserSearchResponse.parse(
      (
        await api.http.get('/api/users', {
          token: ben.accessToken,
          query: { q: ann.user.username },
        })
      ).body,
    );
    expect(found.users).toEqual([]);
    // Nobody can open a conversation with a deleted account.
    const open = await api.http.post('/api/conversations', {
      token: ben.accessToken,
      body: { type: 'direct', userId: ann.user.id },
    });
    expect(open.status).toBe(404);
  });

  test('the username is held for 30 days, then free again', async () => {
    const username = uniqueUsername();
    const ann = await registerUser(api, { username });
    const deletion = await api.http.request('DELETE', '/api/users/me', {
      token: ann.accessToken,
      body: { password: ann.password },
    });
    expect(deletion.status).toBe(204);
    const register = () =>
      api.http.post<{ user: { id: string } }>('/api/auth/register', {
        body: { username, password: 'another-password' },
      });
    expect((await register()).status).toBe(409);
    now.ms += 30 * DAY - 60_000;
    expect((await register()).status).toBe(409);
    now.ms += 120_000;
    const taken = await register();
    expect(taken.status).toBe(201);
    expect(taken.body.user.id).not.toBe(ann.user.id);
    // The old account stays deleted, its messages still from "Deleted account".
    const old = await api.http.get(`/api/users/${ann.user.id}`, {
      token: (taken.body as unknown as { accessToken: string }).accessToken,
    });
    expect(Person.parse(old.body)).toMatchObject({ username: null, deleted: true });
  });
});

describe('blocking', () => {
  test('block, list, unblock; yourself is 400, an unknown user 404', async () => {
    const ann = await registerUser(api);
    const ben = await registerUser(api);
    const put = (id: string) =>
      api.http.request('PUT', `/api/users/${id}/block`, { token: ann.accessToken });
    expect((await put(ben.user.id)).status).toBe(204);
    expect((await put(ben.user.id)).status).toBe(204);
    expect((await put(ann.user.id)).status).toBe(400);
    expect((await put('nope')).status).toBe(404);
    const listed = await api.http.get('/api/users/blocked', { token: ann.accessToken });
    expect(UserSearchResponse.parse(listed.body).users.map((u) => u.id)).toEqual([ben.user.id]);
    const unblock = await api.http.request('DELETE', `/api/users/${ben.user.id}/block`, {
      token: ann.accessToken,
    });
    expect(unblock.status).toBe(204);
    const after = await api.http.get('/api/users/blocked', { token: ann.accessToken });
    expect(UserSearchResponse.parse(after.body).users).toEqual([]);
  });

  test('someone who blocks you shows no presence to you, on REST either', async () => {
    const ann = await registerUser(api);
    const ben = await registerUser(api);
    const annSocket = await api.connect(ann.accessToken);
    const seen = async () => {
      const one = await api.http.get(`/api/users/${ann.user.id}`, { token: ben.accessToken });
      const found = await api.http.get(`/api/users?q=${ann.user.username}`, {
        token: ben.accessToken,
      });
      const listed = UserSearchResponse.parse(found.body).users.find((u) => u.id === ann.user.id);
      return [Person.parse(one.body).online, listed?.online];
    };
    expect(await seen()).toEqual([true, true]);
    await api.http.request('PUT', `/api/users/${ben.user.id}/block`, { token: ann.accessToken });
    expect(await seen()).toEqual([false, false]);
    // Ann still sees Ben as he is: blocking hides the blocker, not the blocked.
    const benSocket = await api.connect(ben.accessToken);
    const ben1 = await api.http.get(`/api/users/${ben.user.id}`, { token: ann.accessToken });
    expect(Person.parse(ben1.body).online).toBe(true);
    annSocket.disconnect();
    benSocket.disconnect();
  });

  test('the blocked cannot open or send into the direct conversation (REST and socket); groups go on', async () => {
    const ann = await registerUser(api);
    const ben = await registerUser(api);
    const direct = await openDirect(api, ben.accessToken, ann.user.id);
    await postMessage(api, ben.accessToken, direct.id, 'before the block');
    const group = await createGroup(api, ann.accessToken, [ben.user.id]);
    const annHears = new EventLog(await api.connect(ann.accessToken), 'message:new');
    await api.http.request('PUT', `/api/users/${ben.user.id}/block`, { token: ann.accessToken });

    const open = await api.http.post('/api/conversations', {
      token: ben.accessToken,
      body: { type: 'direct', userId: ann.user.id },
    });
    expect(open.status).toBe(403);
    expect(errorOf(open).code).toBe('forbidden');
    const rest = await api.http.post(`/api/conversations/${direct.id}/messages`, {
      token: ben.accessToken,
      body: { clientId: 'blocked-rest', body: 'let me in' },
    });
    expect(rest.status).toBe(403);
    const benSocket = await api.connect(ben.accessToken);
    const ack = await emitWithAck(benSocket, 'message:send', {
      conversationId: direct.id,
      clientId: 'blocked-socket',
      body: 'let me in',
    });
    expect(ack).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    // The blocker may still write; the group is unaffected both ways.
    await postMessage(api, ann.accessToken, direct.id, 'I can still talk');
    const inGroup = await postMessage(api, ben.accessToken, group.id, 'hello group');
    await annHears.waitFor((m) => m.id === inGroup.id);
    const fromBen = annHears.events.filter((m) => m.senderId === ben.user.id);
    expect(fromBen.map((m) => m.body)).toEqual(['hello group']);
    const history = HistoryResponse.parse(
      (await api.http.get(`/api/conversations/${direct.id}/messages`, { token: ann.accessToken }))
        .body,
    );
    expect(history.messages.map((m) => m.body)).toEqual(['before the block', 'I can still talk']);

    // Unblocked: the same clientId now goes through (it was refused, not stored).
    await api.http.request('DELETE', `/api/users/${ben.user.id}/block`, {
      token: ann.accessToken,
    });
    const retried = await api.http.post(`/api/conversations/${direct.id}/messages`, {
      token: ben.accessToken,
      body: { clientId: 'blocked-rest', body: 'let me in' },
    });
    expect(retried.status).toBe(201);
  });
});
