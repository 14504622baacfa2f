import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  Conversation,
  ConversationListIdsResponse,
  ConversationListResponse,
  ErrorBody,
  LIMITS,
  type Conversation as ConversationT,
} from '@chat/protocol';
import {
  EventLog,
  roundTrip,
  createGroup,
  login,
  openDirect,
  postMessage,
  registerUser,
  sleep,
  startTestApi,
  type RegisteredUser,
  type TestApi,
} from '../../test/helpers';

let api: TestApi;
let ann: RegisteredUser;
let ben: RegisteredUser;
let cat: RegisteredUser;

beforeAll(async () => {
  api = await startTestApi();
  [ann, ben, cat] = await Promise.all([registerUser(api), registerUser(api), registerUser(api)]);
});
afterAll(async () => {
  await api.close();
});

const create = (token: string, body: unknown) =>
  api.http.post('/api/conversations', { token, body });
const codeOf = (response: { body: unknown }) => ErrorBody.parse(response.body).error.code;

describe('direct conversations', () => {
  test('are created once: 201 then 200 with the same id from both sides', async () => {
    const [x, y] = await Promise.all([registerUser(api), registerUser(api)]);
    const first = await create(x.accessToken, { type: 'direct', userId: y.user.id });
    expect(first.status).toBe(201);
    const conversation = Conversation.strict().parse(first.body);
    expect(conversation).toMatchObject({
      type: 'direct',
      title: null,
      lastMessage: null,
      lastReadSeq: 0,
      unreadCount: 0,
    });
    expect(conversation.members.map((m) => m.id).sort()).toEqual([x.user.id, y.user.id].sort());
    expect(conversation.members.find((m) => m.id === y.user.id)).toEqual(y.user);

    const again = await create(x.accessToken, { type: 'direct', userId: y.user.id });
    expect(again.status).toBe(200);
    expect(Conversation.parse(again.body).id).toBe(conversation.id);
    const fromOtherSide = await create(y.accessToken, { type: 'direct', userId: x.user.id });
    expect(fromOtherSide.status).toBe(200);
    expect(Conversation.parse(fromOtherSide.body).id).toBe(conversation.id);
  });

  test('two simultaneous creates from both sides give one conversation, one 201', async () => {
    for (let round = 0; round < 5; round++) {
      const [x, y] = await Promise.all([registerUser(api), registerUser(api)]);
      const responses = await Promise.all([
        create(x.accessToken, { type: 'direct', userId: y.user.id }),
        create(y.accessToken, { type: 'direct', userId: x.user.id }),
        create(x.accessToken, { type: 'direct', userId: y.user.id }),
      ]);
      expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 201]);
      const ids = new Set(responses.map((r) => Conversation.parse(r.body).id));
      expect(ids.size).toBe(1);
    }
  });

  test('with oneself is 400; with an unknown user 404', async () => {
    const self = await create(ann.accessToken, { type: 'direct', userId: ann.user.id });
    expect(self.status).toBe(400);
    expect(codeOf(self)).toBe('invalid_request');
    for (const userId of ['nobody', '00000000-0000-0000-0000-000000000000', "' OR 1=1 --"]) {
      const unknown = await create(ann.accessToken, { type: 'direct', userId });
      expect(unknown.status).toBe(404);
      expect(codeOf(unknown)).toBe('not_found');
    }
  });

  test('the creator hears of it at once; the other person from its first message, in list and conversation:new', async () => {
    const [x, y] = await Promise.all([registerUser(api), registerUser(api)]);
    const ySocket = await api.connect(y.accessToken);
    const xSocket = await api.connect(x.accessToken);
    const yLog = new EventLog(ySocket, 'conversation:new');
    const xLog = new EventLog(xSocket, 'conversation:new');
    const listOf = async (user: RegisteredUser) =>
      ConversationListResponse.parse(
        (await api.http.get('/api/conversations', { token: user.accessToken })).body,
      ).conversations;

    const created = await openDirect(api, x.accessToken, y.user.id);
    // The creator's sockets hear of it too, so their other devices list it at once.
    expect(Conversation.strict().parse(await xLog.waitFor())).toEqual(created);
    expect((await listOf(x)).map((c) => c.id)).toEqual([created.id]);
    // Nothing was said yet: the other person neither lists it nor was told of it.
    expect(await listOf(y)).toEqual([]);
    await openDirect(api, x.accessToken, y.user.id);
    await roundTrip(ySocket);
    expect(yLog.events).toEqual([]);

    const hello = await postMessage(api, x.accessToken, created.id, 'hello');
    const announced = Conversation.strict().parse(await yLog.waitFor());
    expect(announced).toMatchObject({ id: created.id, lastMessage: hello, unreadCount: 1 });
    expect(await listOf(y)).toEqual([announced]);

    // Once: neither a later message nor opening it again announces it again.
    await postMessage(api, y.accessToken, created.id, 'hi');
    await openDirect(api, y.accessToken, x.user.id);
    await roundTrip(ySocket, xSocket);
    expect(yLog.events).toHaveLength(1);
    expect(xLog.events).toHaveLength(1);
  });

  test('the other person who opens it too lists it before any message', async () => {
    const [x, y] = await Promise.all([registerUser(api), registerUser(api)]);
    const created = await openDirect(api, x.accessToken, y.user.id);
    const response = await create(y.accessToken, { type: 'direct', userId: x.user.id });
    expect(response.status).toBe(200);
    const listed = ConversationListResponse.parse(
      (await api.http.get('/api/conversations', { token: y.accessToken })).body,
    );
    expect(listed.conversations.map((c) => c.id)).toEqual([created.id]);
  });
});

describe('group conversations', () => {
  test('include the caller, drop repeats, and reach every member with conversation:new', async () => {
    const sockets = await Promise.all([ann, ben, cat].map((u) => api.connect(u.accessToken)));
    const logs = sockets.map((s) => new EventLog(s, 'conversation:new'));
    const response = await create(ann.accessToken, {
      type: 'group',
      title: '  Trip planning  ',
      memberIds: [ben.user.id, cat.user.id, ben.user.id, ann.user.id],
    });
    expect(response.status).toBe(201);
    const group = Conversation.strict().parse(response.body);
    expect(group.type).toBe('group');
    expect(group.title).toBe('Trip planning');
    expect(group.members.map((m) => m.id)).toEqual([ann.user.id, ben.user.id, cat.user.id]);
    expect(group.receipts).toEqual(
      [ann, ben, cat].map((u) => ({ userId: u.user.id, deliveredSeq: 0, readSeq: 0 })),
    );
    for (const log of logs) {
      expect(await log.waitFor((c) => c.id === group.id)).toEqual(group);
    }
    await roundTrip(...sockets);
    for (const log of logs) expect(log.events.filter((c) => c.id === group.id)).toHaveLength(1);
  });

  test('need 2 to 256 members in all, a title of 1 to 100 characters, and known members', async () => {
    const tooFew = await create(ann.accessToken, {
      type: 'group',
      title: 'Alone',
      memberIds: [ann.user.id],
    });
    expect(tooFew.status).toBe(400);
    expect(codeOf(tooFew)).toBe('invalid_request');
    expect(
      (await create(ann.accessToken, { type: 'group', title: 'Nobody', memberIds: [] })).status,
    ).toBe(400);

    const many = Array.from({ length: LIMITS.groupMembersMax }, (_, i) => `ghost-${i}`);
    // 256 others plus the caller is 257: refused before anyone is looked up.
    const tooMany = await create(ann.accessToken, { type: 'group', title: 'Big', memberIds: many });
    expect(tooMany.status).toBe(400);
    const wayTooMany = await create(ann.accessToken, {
      type: 'group',
      title: 'Bigger',
      memberIds: [...many, 'one-more'],
    });
    expect(wayTooMany.status).toBe(400);

    for (const title of ['', '   ', 'x'.repeat(LIMITS.titleMax + 1), 42, null]) {
      const response = await create(ann.accessToken, {
        type: 'group',
        title,
        memberIds: [ben.user.id],
      });
      expect(response.status).toBe(400);
    }
    expect(
      (
        await create(ann.accessToken, {
          type: 'group',
          title: 'x'.repeat(LIMITS.titleMax),
          memberIds: [ben.user.id],
        })
      ).status,
    ).toBe(201);

    const unknown = await create(ann.accessToken, {
      type: 'group',
      title: 'Ghosts',
      memberIds: [ben.user.id, 'no-such-user'],
    });
    expect(unknown.status).toBe(404);
    expect(codeOf(unknown)).toBe('not_found');
  });

  test('a group of exactly 256 members is accepted', async () => {
    const others = await Promise.all(
      Array.from({ length: LIMITS.groupMembersMax - 1 }, () =>
        api.store.users.create({
          username: `m${Math.random().toString(36).slice(2, 14)}`,
          displayName: 'Member',
          passwordHash: 'unused',
        }),
      ),
    );
    const group = await createGroup(
      api,
      ann.accessToken,
      others.map((u) => u.id),
    );
    expect(group.members).toHaveLength(LIMITS.groupMembersMax);
  });

  test('an unknown type or a malformed body is 400', async () => {
    for (const body of [
      { type: 'channel', title: 'x', memberIds: [] },
      { type: 'direct' },
      { type: 'direct', userId: { $gt: '' } },
      { type: 'group', title: 'x', memberIds: 'all' },
      {},
    ]) {
      const response = await create(ann.accessToken, body);
      expect(response.status).toBe(400);
      expect(codeOf(response)).toBe('invalid_request');
    }
  });
});

describe("the creator's other devices", () => {
  test('learn of a conversation created on one device, each member seeing their own view', async () => {
    const [x, y, outsider] = await Promise.all([
      registerUser(api),
      registerUser(api),
      registerUser(api),
    ]);
    // Two sessions of one user: a laptop that creates, a phone that only listens.
    const phone = await login(api, x.user.username, x.password);
    const [laptopSocket, phoneSocket, ySocket, outsiderSocket] = await Promise.all([
      api.connect(x.accessToken),
      api.connect(phone.accessToken),
      api.connect(y.accessToken),
      api.connect(outsider.accessToken),
    ]);
    const laptopLog = new EventLog(laptopSocket, 'conversation:new');
    const phoneLog = new EventLog(phoneSocket, 'conversation:new');
    const yLog = new EventLog(ySocket, 'conversation:new');
    const outsiderLog = new EventLog(outsiderSocket, 'conversation:new');

    const direct = await openDirect(api, x.accessToken, y.user.id);
    const group = await createGroup(api, x.accessToken, [y.user.id], 'Weekend');
    // A message before the phone looks: its view must still be the fresh conversation.
    await postMessage(api, y.accessToken, group.id, 'hi');

    for (const log of [laptopLog, phoneLog, yLog]) {
      // y hears of the direct conversation only from its first message.
      if (log !== yLog) {
        expect(Conversation.strict().parse(await log.waitFor((c) => c.id === direct.id))).toEqual(
          direct,
        );
      }
      const view = Conversation.strict().parse(await log.waitFor((c) => c.id === group.id));
      expect(view).toMatchObject({ title: 'Weekend', lastMessage: null, unreadCount: 0 });
      expect(view.members.map((m) => m.id)).toEqual([x.user.id, y.user.id]);
    }
    // What the phone got is exactly what the creating request answered.
    expect(phoneLog.events.find((c) => c.id === group.id)).toEqual(group);
    await roundTrip(outsiderSocket, ySocket, phoneSocket);
    expect(outsiderLog.events).toEqual([]);
    expect(yLog.events.map((c) => c.id)).toEqual([group.id]);
    expect(phoneLog.events.map((c) => c.id)).toEqual([direct.id, group.id]);
  });
});

describe('listing and reading', () => {
  test("GET /api/conversations lists the caller's, most recent activity first, with lastMessage, unread counts and receipts", async () => {
    const [me, p, q] = await Promise.all([registerUser(api), registerUser(api), registerUser(api)]);
    const withP = await openDirect(api, me.accessToken, p.user.id);
    const group = await createGroup(api, q.accessToken, [me.user.id, p.user.id], 'Three');
    const withQ = await openDirect(api, q.accessToken, me.user.id);
    // Activity order now: withQ (newest creation), group, withP. A message moves withP first.
    // withQ stays q's alone until its first message.
    await sleep(5);
    const hello = await postMessage(api, p.accessToken, withP.id, 'hello');
    await postMessage(api, p.accessToken, withP.id, 'again');
    await postMessage(api, me.accessToken, withP.id, 'mine');

    const response = await api.http.get('/api/conversations', { token: me.accessToken });
    expect(response.status).toBe(200);
    const { conversations } = ConversationListResponse.parse(response.body);
    expect(conversations.map((c) => c.id)).toEqual([withP.id, group.id]);
    await postMessage(api, q.accessToken, withQ.id, 'hi me');
    const later = ConversationListResponse.parse(
      (await api.http.get('/api/conversations', { token: me.accessToken })).body,
    );
    expect(later.conversations.map((c) => c.id)).toEqual([withQ.id, withP.id, group.id]);
    const first = conversations[0] as ConversationT;
    expect(first.lastMessage).toMatchObject({ seq: 3, body: 'mine', senderId: me.user.id });
    // Two from p are unread; my own message never counts.
    expect(first.unreadCount).toBe(2);
    expect(first.lastReadSeq).toBe(0);
    expect(first.receipts).toEqual([
      { userId: me.user.id, deliveredSeq: 0, readSeq: 0 },
      { userId: p.user.id, deliveredSeq: 0, readSeq: 0 },
    ]);
    expect(hello.seq).toBe(1);

    // Someone else's list does not contain it.
    const others = ConversationListResponse.parse(
      (await api.http.get('/api/conversations', { token: q.accessToken })).body,
    );
    expect(others.conversations.map((c) => c.id)).not.toContain(withP.id);
  });

  test("members=ids gives the same page with each member as an id and every member's user once; the default answer is unchanged", async () => {
    const [me, p, q, r] = await Promise.all([
      registerUser(api),
      registerUser(api),
      registerUser(api),
      registerUser(api),
    ]);
    const withP = await openDirect(api, me.accessToken, p.user.id);
    const group = await createGroup(api, q.accessToken, [me.user.id, p.user.id, r.user.id], 'Four');
    await postMessage(api, p.accessToken, withP.id, 'hello');
    await postMessage(api, r.accessToken, group.id, 'to the group');
    const list = (query: string) =>
      api.http.get(`/api/conversations?${query}`, { token: me.accessToken });

    const full = await list('limit=200');
    expect(full.status).toBe(200);
    // The contract's answer, key for key: no `users`, members as user objects.
    expect(Object.keys(full.body as object)).toEqual(['conversations', 'nextCursor']);
    const users = ConversationListResponse.strict().parse(full.body);
    expect(users.conversations.map((c) => c.id)).toEqual([group.id, withP.id]);
    expect((await list('limit=200&members=users')).body).toEqual(full.body);

    const compact = await list('limit=200&members=ids');
    expect(compact.status).toBe(200);
    const ids = ConversationListIdsResponse.strict().parse(compact.body);
    const listedUsers = ids.users.map((user) => user.id);
    expect(new Set(listedUsers).size).toBe(listedUsers.length);
    expect(new Set(listedUsers)).toEqual(new Set([me, p, q, r].map((member) => member.user.id)));
    expect(ids.conversations.find((c) => c.id === group.id)?.members).toEqual([
      q.user.id,
      me.user.id,
      p.user.id,
      r.user.id,
    ]);
    const byId = new Map(ids.users.map((user) => [user.id, user]));
    const expanded = ids.conversations.map((conversation) => ({
      ...conversation,
      members: conversation.members.map((id) => byId.get(id)),
    }));
    expect({ conversations: expanded, nextCursor: ids.nextCursor }).toEqual(full.body);

    // Paged: each page's users are that page's members.
    const first = ConversationListIdsResponse.parse((await list('limit=1&members=ids')).body);
    expect(first.conversations.map((c) => c.id)).toEqual([group.id]);
    expect(first.users.map((user) => user.id).sort()).toEqual(
      [me, p, q, r].map((member) => member.user.id).sort(),
    );
    const second = ConversationListIdsResponse.parse(
      (await list(`limit=1&members=ids&cursor=${first.nextCursor}`)).body,
    );
    expect(second.conversations.map((c) => c.id)).toEqual([withP.id]);
    expect(second.users.map((user) => user.id).sort()).toEqual(
      [me, p].map((member) => member.user.id).sort(),
    );
    expect(second.nextCursor).toBeNull();
  });

  test('an unknown members form is 400, naming the parameter', async () => {
    for (const value of ['names', 'IDS', '', 'ids,users']) {
      const response = await api.http.get(
        `/api/conversations?members=${encodeURIComponent(value)}`,
        { token: ann.accessToken },
      );
      expect(response.status, value).toBe(400);
      const { error } = ErrorBody.parse(response.body);
      expect(error.code).toBe('invalid_request');
      expect(error.details?.map((detail) => detail.path)).toEqual(['members']);
    }
  });

  test('GET /api/conversations/:id is the conversation as the caller sees it; 404 for non-members and ids of any shape', async () => {
    const [x, y, z] = await Promise.all([registerUser(api), registerUser(api), registerUser(api)]);
    const conversation = await openDirect(api, x.accessToken, y.user.id);
    const ok = await api.http.get(`/api/conversations/${conversation.id}`, {
      token: y.accessToken,
    });
    expect(ok.status).toBe(200);
    expect(Conversation.strict().parse(ok.body).id).toBe(conversation.id);

    const outsider = await api.http.get(`/api/conversations/${conversation.id}`, {
      token: z.accessToken,
    });
    expect(outsider.status).toBe(404);
    expect(outsider.body).toEqual({
      error: { code: 'not_found', message: 'No such conversation.' },
    });
    for (const id of ['nope', '0', 'x'.repeat(300), '%00', "' OR 1=1", '../users/me']) {
      const response = await api.http.get(`/api/conversations/${encodeURIComponent(id)}`, {
        token: x.accessToken,
      });
      expect(response.status).toBe(404);
      // Same body as for a conversation that exists but is not the caller's: nothing leaks.
      expect(response.body).toEqual(outsider.body);
    }
  });

  test('every conversation route needs a token', async () => {
    const conversation = await openDirect(api, ann.accessToken, ben.user.id);
    for (const [method, path] of [
      ['GET', '/api/conversations'],
      ['POST', '/api/conversations'],
      ['GET', `/api/conversations/${conversation.id}`],
      ['GET', `/api/conversations/${conversation.id}/messages`],
      ['POST', `/api/conversations/${conversation.id}/messages`],
      ['POST', `/api/conversations/${conversation.id}/read`],
    ] as const) {
      const body = { type: 'direct', userId: ben.user.id, clientId: 'c1', body: 'hi', seq: 1 };
      const response = await api.http.request(method, path, method === 'POST' ? { body } : {});
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(codeOf(response)).toBe('unauthorized');
    }
  });
});
