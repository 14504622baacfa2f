import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ConversationListResponse,
  LIMITS,
  type Conversation,
  type ConversationListResponse as ListBody,
} from '@chat/protocol';
import {
  EventLog,
  createGroup,
  emitWithAck,
  errorOf,
  openDirect,
  registerUser,
  startTestApi,
  uniqueUsername,
  type ChatClientSocket,
  type RegisteredUser,
  type TestApi,
} from '../../test/helpers';
import { CONVERSATION_CREATES_PER_MINUTE } from './creation-limiter';

let api: TestApi;
let attacker: RegisteredUser;
let victim: RegisteredUser;
let crowd: string[];

beforeAll(async () => {
  api = await startTestApi();
  [attacker, victim] = await Promise.all([registerUser(api), registerUser(api)]);
  // Members for full-size groups, made in the store directly (nobody signs in as them).
  crowd = [];
  for (let i = 0; i < LIMITS.groupMembersMax - 2; i++) {
    const user = await api.store.users.create({
      username: uniqueUsername('crowd'),
      displayName: `Crowd ${i}`,
      passwordHash: 'not-a-hash',
    });
    crowd.push(user.id);
  }
});
afterAll(async () => {
  await api.close();
});

async function ackMs(socket: ChatClientSocket, conversationId: string, n: number) {
  const start = performance.now();
  const ack = await emitWithAck(socket, 'message:send', {
    conversationId,
    clientId: `bystander-${n}`,
    body: `message ${n}`,
  });
  expect(ack.ok).toBe(true);
  return performance.now() - start;
}

describe('creating groups around a victim', () => {
  test('is rate limited per user; each group is announced once to every member; bystanders stay prompt', async () => {
    const victimInbox = new EventLog(await api.connect(victim.accessToken), 'conversation:new');
    const [cat, dan] = await Promise.all([registerUser(api), registerUser(api)]);
    const direct = await openDirect(api, cat.accessToken, dan.user.id);
    const catSocket = await api.connect(cat.accessToken);
    const baseline = Math.max(
      ...(await Promise.all([1, 2, 3].map((n) => ackMs(catSocket, direct.id, n)))),
    );

    const attempts = 2 * CONVERSATION_CREATES_PER_MINUTE;
    const flood = Array.from({ length: attempts }, (_, i) =>
      api.http.post<Conversation>('/api/conversations', {
        token: attacker.accessToken,
        body: { type: 'group', title: `Spam ${i}`, memberIds: [victim.user.id, ...crowd] },
      }),
    );
    const during = await ackMs(catSocket, direct.id, 4);
    const responses = await Promise.all(flood);

    const created = responses.filter((r) => r.status === 201);
    const refused = responses.filter((r) => r.status === 429);
    expect(created).toHaveLength(CONVERSATION_CREATES_PER_MINUTE);
    expect(refused).toHaveLength(attempts - CONVERSATION_CREATES_PER_MINUTE);
    const [firstRefused] = refused;
    if (!firstRefused) throw new Error('nothing was refused');
    expect(errorOf(firstRefused).code).toBe('rate_limited');
    expect(Number(firstRefused.headers.get('retry-after'))).toBeGreaterThan(0);

    // The victim hears of each created group once, with all 256 members.
    await victimInbox.waitForCount(created.length);
    expect(victimInbox.events).toHaveLength(created.length);
    expect(victimInbox.events.every((c) => c.members.length === LIMITS.groupMembersMax)).toBe(true);
    expect(victimInbox.events.every((c) => c.lastReadSeq === 0 && c.unreadCount === 0)).toBe(true);
    // Generous: this process also carries the flood's requests (bench before: 3 ms -> 230-580 ms).
    expect(during).toBeLessThan(40 * baseline + 1_000);
    console.info(
      `bystander ack during ${attempts} 256-member group creations: ${during.toFixed(0)} ms (baseline ${baseline.toFixed(0)} ms)`,
    );
  });
});

describe('GET /api/conversations pages', () => {
  test('without limit the first page; following nextCursor lists every conversation once, in order', async () => {
    const owner = await registerUser(api);
    const others = await Promise.all(Array.from({ length: 3 }, () => registerUser(api)));
    const made: string[] = [];
    for (let i = 0; i < 12; i++) {
      const group = await createGroup(
        api,
        owner.accessToken,
        [others[i % 3]?.user.id ?? ''],
        `Page ${i}`,
      );
      made.push(group.id);
    }
    const list = (query: Record<string, string | number>) =>
      api.http.get<ListBody>('/api/conversations', { token: owner.accessToken, query });

    const whole = ConversationListResponse.parse((await list({})).body);
    expect(whole.conversations).toHaveLength(12);
    expect(whole.nextCursor).toBeNull();

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: Record<string, string | number> = { limit: 5 };
      if (cursor !== null) query.cursor = cursor;
      const page = ConversationListResponse.parse((await list(query)).body);
      expect(page.conversations.length).toBeLessThanOrEqual(5);
      seen.push(...page.conversations.map((c) => c.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(whole.conversations.map((c) => c.id));
    expect(new Set(seen)).toEqual(new Set(made));
  });

  test('a limit out of range or a cursor not made by the server is 400', async () => {
    const owner = await registerUser(api);
    const queries: Record<string, string | number>[] = [
      { limit: 0 },
      { limit: LIMITS.conversationListLimitMax + 1 },
      { cursor: 'not+a+cursor' },
      { cursor: 'bm90IGpzb24' },
    ];
    for (const query of queries) {
      const response = await api.http.get('/api/conversations', {
        token: owner.accessToken,
        query,
      });
      expect(response.status).toBe(400);
      expect(errorOf(response).code).toBe('invalid_request');
    }
  });
});
