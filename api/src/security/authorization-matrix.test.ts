/**
 * Who may do what, as one table: every REST route and every client socket event, tried by
 * every kind of caller. The tables must list exactly what the server registers, so a new
 * route or event without a row here fails this test.
 *
 * Callers:
 * - member:    in the conversation the row targets;
 * - nonMember: signed in, shares nothing with the members;
 * - otherUser: signed in, shares ANOTHER conversation with a member (a relationship with
 *              someone in the room must not open the room);
 * - noToken:   no credentials;
 * - revoked:   a member's token whose session was logged out.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CLIENT_EVENT_SCHEMAS, type Conversation } from '@chat/protocol';
import {
  connectError,
  createGroup,
  disconnection,
  emitWithAck,
  login,
  openDirect,
  registerUser,
  startTestApi,
  getBytes,
  uniqueUsername,
  uploadFile,
  uploaded,
  type ChatClientSocket,
  type RegisteredUser,
  type RestResponse,
  type TestApi,
} from '../../test/helpers';
import { photoJpeg } from '../../test/images';

const ROLES = ['member', 'nonMember', 'otherUser', 'noToken', 'revoked'] as const;
type Role = (typeof ROLES)[number];

interface Caller {
  user: RegisteredUser | null;
  /** The Bearer token this caller presents (undefined: none). */
  token: string | undefined;
  /** A second session of the same user, for rows that end a session. */
  spare: { accessToken: string; refreshToken: string } | null;
}

interface Fixture {
  conversation: Conversation;
  /** An image a member sent in the conversation. */
  attachmentId: string;
  peerId: string;
  callers: Record<Role, Caller>;
}

type Expected = number | readonly number[];

interface RestRow {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI spelling, as `app.routes` lists it. */
  path: string;
  run(api: TestApi, caller: Caller, fx: Fixture): Promise<RestResponse<unknown>>;
  expect: Record<Role, Expected>;
  /** Extra checks on a successful answer (e.g. no foreign conversation is listed). */
  check?(response: RestResponse<unknown>, role: Role, fx: Fixture): void;
}

const PUBLIC = { member: 200, nonMember: 200, otherUser: 200, noToken: 200, revoked: 200 };
const SIGNED_IN = (ok: Expected) => ({
  member: ok,
  nonMember: ok,
  otherUser: ok,
  noToken: 401,
  revoked: 401,
});
const MEMBERS_ONLY = (ok: Expected) => ({
  member: ok,
  nonMember: 404,
  otherUser: 404,
  noToken: 401,
  revoked: 401,
});

const conv = (fx: Fixture) => `/api/conversations/${fx.conversation.id}`;

const REST_MATRIX: RestRow[] = [
  {
    method: 'GET',
    path: '/api/health',
    run: (api, c) => api.http.get('/api/health', { token: c.token }),
    expect: PUBLIC,
  },
  {
    method: 'GET',
    path: '/api/health/live',
    run: (api, c) => api.http.get('/api/health/live', { token: c.token }),
    expect: PUBLIC,
  },
  {
    method: 'GET',
    path: '/api/health/ready',
    run: (api, c) => api.http.get('/api/health/ready', { token: c.token }),
    expect: PUBLIC,
  },
  {
    method: 'GET',
    path: '/api/openapi.json',
    run: (api, c) => api.http.get('/api/openapi.json', { token: c.token }),
    expect: PUBLIC,
  },
  {
    method: 'POST',
    path: '/api/auth/register',
    run: (api, c) =>
      api.http.post('/api/auth/register', {
        token: c.token,
        body: { username: uniqueUsername('mx'), password: 'long enough password' },
      }),
    expect: { member: 201, nonMember: 201, otherUser: 201, noToken: 201, revoked: 201 },
  },
  {
    method: 'POST',
    path: '/api/auth/login',
    // Credentials, not the token, decide: a stray (even revoked) Bearer changes nothing.
    run: (api, c, fx) => {
      const who = c.user ?? fx.callers.member.user;
      return api.http.post('/api/auth/login', {
        token: c.token,
        body: { username: who?.user.username, password: who?.password },
      });
    },
    expect: PUBLIC,
  },
  {
    method: 'POST',
    path: '/api/auth/refresh',
    run: (api, c) =>
      api.http.post('/api/auth/refresh', {
        body: { refreshToken: c.spare?.refreshToken ?? 'no-such.1.token' },
      }),
    expect: { member: 200, nonMember: 200, otherUser: 200, noToken: 401, revoked: 401 },
  },
  {
    method: 'POST',
    path: '/api/auth/logout',
    // The spare session, so the caller's main token stays usable for the other rows.
    run: (api, c) => api.http.post('/api/auth/logout', { token: c.spare?.accessToken ?? c.token }),
    expect: SIGNED_IN(204),
  },
  // Accounts (version 2). Wrong passwords, so no row changes what the others rely on (the
  // rules themselves: auth/accounts.test.ts).
  {
    method: 'POST',
    path: '/api/auth/password',
    run: (api, c) =>
      api.http.post('/api/auth/password', {
        token: c.token,
        body: { currentPassword: 'not the password', newPassword: 'another password' },
      }),
    expect: SIGNED_IN(401),
  },
  {
    method: 'GET',
    path: '/api/auth/sessions',
    run: (api, c) => api.http.get('/api/auth/sessions', { token: c.token }),
    expect: SIGNED_IN(200),
  },
  {
    method: 'DELETE',
    path: '/api/auth/sessions/{id}',
    run: (api, c) => api.http.request('DELETE', '/api/auth/sessions/nope', { token: c.token }),
    expect: SIGNED_IN(404),
  },
  {
    method: 'DELETE',
    path: '/api/users/me',
    run: (api, c) =>
      api.http.request('DELETE', '/api/users/me', {
        token: c.token,
        body: { password: 'not the password' },
      }),
    expect: SIGNED_IN(401),
  },
  {
    method: 'GET',
    path: '/api/users/blocked',
    run: (api, c) => api.http.get('/api/users/blocked', { token: c.token }),
    expect: SIGNED_IN(200),
  },
  {
    method: 'PUT',
    path: '/api/users/{id}/block',
    run: (api, c, fx) =>
      api.http.request('PUT', `/api/users/${fx.peerId}/block`, { token: c.token }),
    expect: SIGNED_IN(204),
  },
  {
    method: 'DELETE',
    path: '/api/users/{id}/block',
    run: (api, c, fx) =>
      api.http.request('DELETE', `/api/users/${fx.peerId}/block`, { token: c.token }),
    expect: SIGNED_IN(204),
  },
  {
    method: 'GET',
    path: '/api/users/me',
    run: (api, c) => api.http.get('/api/users/me', { token: c.token }),
    expect: SIGNED_IN(200),
    check: (response, role, fx) =>
      expect((response.body as { id: string }).id).toBe(fx.callers[role].user?.user.id),
  },
  {
    method: 'GET',
    path: '/api/users',
    run: (api, c) => api.http.get('/api/users', { token: c.token, query: { q: 'mx' } }),
    expect: SIGNED_IN(200),
  },
  {
    method: 'GET',
    path: '/api/search',
    // Within the fixture conversation: only its members may search it, and what they find
    // is from it alone.
    run: (api, c, fx) =>
      api.http.get('/api/search', {
        token: c.token,
        query: { q: 'matrix', conversationId: fx.conversation.id },
      }),
    expect: MEMBERS_ONLY(200),
    check: (response, _role, fx) => {
      const { results } = response.body as { results: { conversationId: string }[] };
      for (const result of results) expect(result.conversationId).toBe(fx.conversation.id);
    },
  },
  {
    method: 'GET',
    path: '/api/users/{id}',
    run: (api, c, fx) => api.http.get(`/api/users/${fx.peerId}`, { token: c.token }),
    expect: SIGNED_IN(200),
  },
  {
    method: 'POST',
    path: '/api/conversations',
    run: (api, c, fx) =>
      api.http.post('/api/conversations', {
        token: c.token,
        body: { type: 'direct', userId: fx.peerId },
      }),
    expect: SIGNED_IN([200, 201]),
  },
  {
    method: 'GET',
    path: '/api/conversations',
    run: (api, c) => api.http.get('/api/conversations', { token: c.token }),
    expect: SIGNED_IN(200),
    check: (response, role, fx) => {
      const ids = (response.body as { conversations: Conversation[] }).conversations.map(
        (c) => c.id,
      );
      expect(ids.includes(fx.conversation.id), role).toBe(role === 'member');
    },
  },
  {
    method: 'GET',
    path: '/api/conversations/{id}',
    run: (api, c, fx) => api.http.get(conv(fx), { token: c.token }),
    expect: MEMBERS_ONLY(200),
  },
  {
    method: 'POST',
    path: '/api/conversations/{id}/messages',
    run: (api, c, fx) =>
      api.http.post(`${conv(fx)}/messages`, {
        token: c.token,
        body: { clientId: randomUUID(), body: 'matrix' },
      }),
    expect: MEMBERS_ONLY(201),
  },
  {
    method: 'GET',
    path: '/api/conversations/{id}/messages',
    run: (api, c, fx) => api.http.get(`${conv(fx)}/messages`, { token: c.token }),
    expect: MEMBERS_ONLY(200),
  },
  {
    method: 'POST',
    path: '/api/conversations/{id}/read',
    run: (api, c, fx) => api.http.post(`${conv(fx)}/read`, { token: c.token, body: { seq: 1 } }),
    expect: MEMBERS_ONLY(204),
  },
  {
    method: 'POST',
    path: '/api/uploads',
    run: (api, c) => uploadFile(api, c.token, Buffer.from('notes'), 'notes.txt'),
    expect: SIGNED_IN(201),
  },
  {
    method: 'GET',
    path: '/api/attachments/{id}',
    run: (api, c, fx) => getBytes(api, `/api/attachments/${fx.attachmentId}`, c.token),
    expect: MEMBERS_ONLY(200),
  },
  {
    method: 'GET',
    path: '/api/attachments/{id}/thumbnail',
    run: (api, c, fx) => getBytes(api, `/api/attachments/${fx.attachmentId}/thumbnail`, c.token),
    expect: MEMBERS_ONLY(200),
  },
  // The peer has an avatar and so has the group (set up below).
  {
    method: 'GET',
    path: '/api/users/{id}/avatar',
    run: (api, c, fx) => getBytes(api, `/api/users/${fx.peerId}/avatar`, c.token),
    expect: SIGNED_IN(200),
  },
  {
    method: 'GET',
    path: '/api/conversations/{id}/avatar',
    run: (api, c, fx) => getBytes(api, `${conv(fx)}/avatar`, c.token),
    expect: MEMBERS_ONLY(200),
  },
  // The message lifecycle rows act on seq 1, the fixture's message with an image (rows run
  // in order, so the attachment rows above read it first); the delete row comes last so the
  // others find it whole.
  {
    method: 'PATCH',
    path: '/api/conversations/{id}/messages/{seq}',
    run: (api, c, fx) =>
      api.http.request('PATCH', `${conv(fx)}/messages/1`, {
        token: c.token,
        body: { body: 'matrix, edited' },
      }),
    expect: MEMBERS_ONLY(200),
  },
  {
    method: 'PUT',
    path: '/api/conversations/{id}/messages/{seq}/reactions/{emoji}',
    run: (api, c, fx) =>
      api.http.request('PUT', `${conv(fx)}/messages/1/reactions/${encodeURIComponent('👍')}`, {
        token: c.token,
      }),
    expect: MEMBERS_ONLY(204),
  },
  {
    method: 'DELETE',
    path: '/api/conversations/{id}/messages/{seq}/reactions/{emoji}',
    run: (api, c, fx) =>
      api.http.request('DELETE', `${conv(fx)}/messages/1/reactions/${encodeURIComponent('👍')}`, {
        token: c.token,
      }),
    expect: MEMBERS_ONLY(204),
  },
  {
    method: 'DELETE',
    path: '/api/conversations/{id}/messages/{seq}',
    run: (api, c, fx) => api.http.request('DELETE', `${conv(fx)}/messages/1`, { token: c.token }),
    expect: MEMBERS_ONLY(204),
  },
  {
    method: 'PATCH',
    path: '/api/users/me',
    run: (api, c) => {
      const displayName = c.user?.user.displayName ?? 'Someone';
      return api.http.request('PATCH', '/api/users/me', { token: c.token, body: { displayName } });
    },
    expect: SIGNED_IN(200),
  },
  {
    method: 'PUT',
    path: '/api/conversations/{id}/notifications',
    run: (api, c, fx) =>
      api.http.request('PUT', `${conv(fx)}/notifications`, {
        token: c.token,
        body: { level: 'all' },
      }),
    expect: MEMBERS_ONLY(204),
  },
  // Web Push: every signed-in caller, for their own session and account only.
  {
    method: 'GET',
    path: '/api/push/key',
    run: (api, c) => api.http.get('/api/push/key', { token: c.token }),
    expect: SIGNED_IN(200),
  },
  {
    method: 'POST',
    path: '/api/push/subscriptions',
    run: (api, c) =>
      api.http.post('/api/push/subscriptions', {
        token: c.token,
        // A public address literal: no name to resolve.
        body: {
          endpoint: `https://8.8.8.8/push/${randomUUID()}`,
          keys: { p256dh: `B${'A'.repeat(86)}`, auth: 'A'.repeat(22) },
        },
      }),
    expect: SIGNED_IN(201),
  },
  {
    method: 'DELETE',
    path: '/api/push/subscriptions',
    run: (api, c) =>
      api.http.request('DELETE', '/api/push/subscriptions', {
        token: c.token,
        body: { endpoint: `https://8.8.8.8/push/${randomUUID()}` },
      }),
    expect: SIGNED_IN(204),
  },
  {
    method: 'GET',
    path: '/api/push/preferences',
    run: (api, c) => api.http.get('/api/push/preferences', { token: c.token }),
    expect: SIGNED_IN(200),
  },
  {
    method: 'PUT',
    path: '/api/push/preferences',
    run: (api, c) =>
      api.http.request('PUT', '/api/push/preferences', {
        token: c.token,
        body: { showText: true },
      }),
    expect: SIGNED_IN(200),
  },
  // Groups: the member is the group's admin. Each row asks for what is already so, so
  // the fixture stays as it is for the other rows (the rules themselves: groups.test.ts).
  {
    method: 'PATCH',
    path: '/api/conversations/{id}',
    run: (api, c, fx) =>
      api.http.request('PATCH', conv(fx), { token: c.token, body: { title: 'Matrix' } }),
    expect: MEMBERS_ONLY(200),
  },
  {
    method: 'POST',
    path: '/api/conversations/{id}/members',
    run: (api, c, fx) =>
      api.http.post(`${conv(fx)}/members`, { token: c.token, body: { userIds: [fx.peerId] } }),
    expect: MEMBERS_ONLY(200),
  },
  {
    method: 'PATCH',
    path: '/api/conversations/{id}/members/{userId}',
    run: (api, c, fx) =>
      api.http.request('PATCH', `${conv(fx)}/members/${fx.peerId}`, {
        token: c.token,
        body: { admin: false },
      }),
    expect: MEMBERS_ONLY(200),
  },
  {
    method: 'DELETE',
    path: '/api/conversations/{id}/members/{userId}',
    // Someone who is not in the group: the admin is told there is no such member.
    run: (api, c, fx) =>
      api.http.request('DELETE', `${conv(fx)}/members/${fx.callers.nonMember.user?.user.id}`, {
        token: c.token,
      }),
    expect: MEMBERS_ONLY(404),
  },
];

type SocketOutcome = 'ok' | 'not_found' | 'refused';

interface SocketRow {
  event: keyof typeof CLIENT_EVENT_SCHEMAS;
  payload(fx: Fixture, caller: Caller): unknown;
  expect: Record<Role, SocketOutcome>;
}

const SOCKET_MEMBERS_ONLY: Record<Role, SocketOutcome> = {
  member: 'ok',
  nonMember: 'not_found',
  otherUser: 'not_found',
  noToken: 'refused',
  revoked: 'refused',
};

const SOCKET_MATRIX: SocketRow[] = [
  {
    event: 'message:send',
    payload: (fx) => ({
      conversationId: fx.conversation.id,
      clientId: randomUUID(),
      body: 'matrix',
    }),
    expect: SOCKET_MEMBERS_ONLY,
  },
  {
    event: 'typing',
    payload: (fx) => ({ conversationId: fx.conversation.id, typing: true }),
    expect: SOCKET_MEMBERS_ONLY,
  },
  {
    event: 'receipt',
    payload: (fx) => ({ conversationId: fx.conversation.id, type: 'read', seq: 1 }),
    expect: SOCKET_MEMBERS_ONLY,
  },
  {
    event: 'auth:renew',
    payload: (_fx, caller) => ({ token: caller.token }),
    expect: {
      member: 'ok',
      nonMember: 'ok',
      otherUser: 'ok',
      noToken: 'refused',
      revoked: 'refused',
    },
  }, // On seq 2, the message the 'message:send' row sent; the deletion comes last.
  {
    event: 'message:edit',
    payload: (fx) => ({ conversationId: fx.conversation.id, seq: 2, body: 'matrix, edited' }),
    expect: SOCKET_MEMBERS_ONLY,
  },
  {
    event: 'reaction',
    payload: (fx) => ({ conversationId: fx.conversation.id, seq: 2, emoji: '👍', on: true }),
    expect: SOCKET_MEMBERS_ONLY,
  },
  {
    event: 'message:delete',
    payload: (fx) => ({ conversationId: fx.conversation.id, seq: 2 }),
    expect: SOCKET_MEMBERS_ONLY,
  },
];

let api: TestApi;
let fx: Fixture;

async function caller(user: RegisteredUser): Promise<Caller> {
  const spare = await login(api, user.user.username, user.password);
  return { user, token: user.accessToken, spare };
}

beforeAll(async () => {
  api = await startTestApi({ config: { rateLimits: false } });
  const [alice, bob, carol, dave] = await Promise.all([
    registerUser(api),
    registerUser(api),
    registerUser(api),
    registerUser(api),
  ]);
  const conversation = await createGroup(api, alice.accessToken, [bob.user.id], 'Matrix');
  // Dave knows Alice (a direct conversation) but is not in the group.
  await openDirect(api, dave.accessToken, alice.user.id);
  const image = await uploaded(api, alice.accessToken, await photoJpeg(64, 48), 'photo.jpg');
  const sent = await api.http.post(`/api/conversations/${conversation.id}/messages`, {
    token: alice.accessToken,
    body: { clientId: 'matrix-image', body: '', attachmentIds: [image.id] },
  });
  expect(sent.status).toBe(201);
  const face = await uploaded(api, bob.accessToken, await photoJpeg(48, 48), 'face.jpg');
  const setFace = await api.http.request('PATCH', '/api/users/me', {
    token: bob.accessToken,
    body: { avatarId: face.id },
  });
  expect(setFace.status).toBe(200);
  const badge = await uploaded(api, alice.accessToken, await photoJpeg(48, 48), 'badge.jpg');
  const setBadge = await api.http.request('PATCH', `/api/conversations/${conversation.id}`, {
    token: alice.accessToken,
    body: { avatarId: badge.id },
  });
  expect(setBadge.status).toBe(200);
  const revokedSession = await login(api, alice.user.username, alice.password);
  expect(
    (await api.http.post('/api/auth/logout', { token: revokedSession.accessToken })).status,
  ).toBe(204);
  fx = {
    conversation,
    attachmentId: image.id,
    peerId: bob.user.id,
    callers: {
      member: await caller(alice),
      nonMember: await caller(carol),
      otherUser: await caller(dave),
      noToken: { user: null, token: undefined, spare: null },
      revoked: {
        user: alice,
        token: revokedSession.accessToken,
        spare: { ...revokedSession },
      },
    },
  };
});
afterAll(async () => {
  await api.close();
});

describe('authorization matrix: REST', () => {
  test('the table lists every route the API serves, and nothing else', () => {
    const served = api.app.routes.map((r) => `${r.method} ${r.path}`).sort();
    const listed = REST_MATRIX.map((r) => `${r.method} ${r.path}`).sort();
    expect(listed).toEqual(served);
  });

  for (const row of REST_MATRIX) {
    test(`${row.method} ${row.path}`, async () => {
      for (const role of ROLES) {
        const response = await row.run(api, fx.callers[role], fx);
        const expected = [row.expect[role]].flat();
        expect(expected, `${role}: ${JSON.stringify(response.body)}`).toContain(response.status);
        if (response.status >= 400) {
          const { error } = response.body as { error: { code: string } };
          const code = { 401: 'unauthorized', 404: 'not_found' }[response.status as 401 | 404];
          expect(error.code, role).toBe(code);
        } else {
          row.check?.(response, role, fx);
        }
      }
    });
  }
});

describe('authorization matrix: socket events', () => {
  const sockets = new Map<Role, ChatClientSocket>();

  beforeAll(async () => {
    for (const role of ROLES) {
      const token = fx.callers[role].token;
      if (SOCKET_MATRIX.some((row) => row.expect[role] === 'refused')) {
        expect(await connectError(api.url, token), role).toBe('unauthorized');
      } else {
        sockets.set(role, await api.connect(token));
      }
    }
  });

  test('the table lists every client event the server handles, and nothing else', async () => {
    const socket = sockets.get('member');
    const [server] = await api.app.io.in(socket?.id ?? '').fetchSockets();
    const reserved = new Set(['disconnect', 'disconnecting', 'error']);
    const handled = (server as unknown as { eventNames(): (string | symbol)[] } | undefined)
      ?.eventNames()
      .map(String)
      .filter((name) => !reserved.has(name))
      .sort();
    const listed = SOCKET_MATRIX.map((row) => row.event).sort();
    expect(listed).toEqual(handled);
    expect(listed).toEqual(Object.keys(CLIENT_EVENT_SCHEMAS).sort());
  });

  for (const row of SOCKET_MATRIX) {
    test(row.event, async () => {
      for (const role of ROLES) {
        const expected = row.expect[role];
        const socket = sockets.get(role);
        if (expected === 'refused') {
          // Refused at the handshake (beforeAll): such a caller never gets to emit.
          expect(socket, role).toBeUndefined();
          continue;
        }
        if (!socket) throw new Error(`${role} has no socket`);
        const ack = await emitWithAck(socket, row.event, row.payload(fx, fx.callers[role]));
        if (expected === 'ok') expect(ack, role).toMatchObject({ ok: true });
        else expect(ack, role).toMatchObject({ ok: false, error: { code: expected } });
      }
    });
  }

  test('a socket whose session is revoked is cut off before it can emit again', async () => {
    const alice = fx.callers.member.user;
    if (!alice) throw new Error('no member');
    const session = await login(api, alice.user.username, alice.password);
    const socket = await api.connect(session.accessToken);
    const gone = disconnection(socket, 1_000);
    await api.http.post('/api/auth/logout', { token: session.accessToken });
    expect(await gone).toBe('io server disconnect');
    expect(socket.connected).toBe(false);
  });

  test('refused calls changed nothing: only the member wrote to the conversation', async () => {
    const history = await api.http.get<{ messages: { senderId: string }[] }>(
      `${conv(fx)}/messages`,
      { token: fx.callers.member.token },
    );
    const senders = history.body.messages.map((m) => m.senderId);
    // The fixture's image, one REST send and one socket send, all by the member.
    const member = fx.callers.member.user?.user.id;
    expect(senders).toEqual([member, member, member]);
    const seen = await api.http.get<Conversation>(conv(fx), { token: fx.callers.member.token });
    const foreign = new Set([
      fx.callers.nonMember.user?.user.id,
      fx.callers.otherUser.user?.user.id,
    ]);
    expect(seen.body.members.filter((m) => foreign.has(m.id))).toEqual([]);
    expect(seen.body.receipts.filter((r) => foreign.has(r.userId))).toEqual([]);
  });
});
