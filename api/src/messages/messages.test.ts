import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  Conversation,
  ConversationListResponse,
  ErrorBody,
  HistoryResponse,
  LIMITS,
  Message,
} from '@chat/protocol';
import {
  EventLog,
  roundTrip,
  createGroup,
  openDirect,
  postMessage,
  registerUser,
  startTestApi,
  type RegisteredUser,
  type TestApi,
} from '../../test/helpers';
import { startWithDirect } from '../../test/fixtures';

let api: TestApi;
let ann: RegisteredUser;
let ben: RegisteredUser;
let eve: RegisteredUser;
let direct: Conversation;

beforeAll(async () => {
  ({ api, ann, ben, eve, direct } = await startWithDirect());
});
afterAll(async () => {
  await api.close();
});

const send = (token: string, conversationId: string, body: unknown) =>
  api.http.post(`/api/conversations/${encodeURIComponent(conversationId)}/messages`, {
    token,
    body,
  });
const history = (token: string, conversationId: string, query: Record<string, string | number>) =>
  api.http.get(`/api/conversations/${encodeURIComponent(conversationId)}/messages`, {
    token,
    query,
  });
const codeOf = (response: { body: unknown }) => ErrorBody.parse(response.body).error.code;

describe('POST /api/conversations/:id/messages', () => {
  test('stores the message as the caller and answers 201', async () => {
    const response = await send(ann.accessToken, direct.id, {
      clientId: 'first-1',
      body: 'Hello Ben',
      // Unknown fields are ignored, and nobody can send as someone else.
      senderId: ben.user.id,
      seq: 99,
    });
    expect(response.status).toBe(201);
    const message = Message.strict().parse(response.body);
    expect(message).toMatchObject({
      conversationId: direct.id,
      senderId: ann.user.id,
      clientId: 'first-1',
      body: 'Hello Ben',
    });
    expect(message.seq).toBeGreaterThanOrEqual(1);
  });

  test('a repeated clientId returns the first message with 200 and stores nothing new', async () => {
    const first = await send(ann.accessToken, direct.id, { clientId: 'dup-1', body: 'once' });
    expect(first.status).toBe(201);
    const again = await send(ann.accessToken, direct.id, { clientId: 'dup-1', body: 'twice?' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const latest = HistoryResponse.parse((await history(ann.accessToken, direct.id, {})).body);
    expect(latest.messages.filter((m) => m.clientId === 'dup-1')).toHaveLength(1);
    // The same clientId from the other member is a different message.
    const bens = await send(ben.accessToken, direct.id, { clientId: 'dup-1', body: 'mine' });
    expect(bens.status).toBe(201);
  });

  test('reaches every socket of every member, the sender included', async () => {
    const sockets = await Promise.all([
      api.connect(ann.accessToken),
      api.connect(ann.accessToken),
      api.connect(ben.accessToken),
    ]);
    const logs = sockets.map((s) => new EventLog(s, 'message:new'));
    const outsider = new EventLog(await api.connect(eve.accessToken), 'message:new');
    const sent = await postMessage(api, ann.accessToken, direct.id, 'to everyone');
    for (const log of logs) expect(await log.waitFor((m) => m.id === sent.id)).toEqual(sent);
    const resent = await send(ann.accessToken, direct.id, {
      clientId: sent.clientId,
      body: 'to everyone',
    });
    expect(resent.status).toBe(200);
    await roundTrip(...sockets, outsider.socket);
    for (const log of logs) expect(log.events.filter((m) => m.id === sent.id)).toHaveLength(1);
    expect(outsider.events).toEqual([]);
  });

  test('body: blank is 400, 4001 code points is 413, 4000 emoji is fine', async () => {
    for (const body of ['', '   ', '\n\t ', 42, null, { text: 'x' }]) {
      const response = await send(ann.accessToken, direct.id, { clientId: 'blank', body });
      expect(response.status).toBe(400);
      expect(codeOf(response)).toBe('invalid_request');
    }
    const tooLong = await send(ann.accessToken, direct.id, {
      clientId: 'long',
      body: 'a'.repeat(LIMITS.messageBodyMax + 1),
    });
    expect(tooLong.status).toBe(413);
    expect(codeOf(tooLong)).toBe('payload_too_large');
    const emojiTooLong = await send(ann.accessToken, direct.id, {
      clientId: 'emoji-long',
      body: '😀'.repeat(LIMITS.messageBodyMax + 1),
    });
    expect(emojiTooLong.status).toBe(413);
    // 4000 emoji are 8000 UTF-16 units: the limit counts code points.
    const emoji = '😀'.repeat(LIMITS.messageBodyMax);
    const ok = await send(ann.accessToken, direct.id, { clientId: 'emoji', body: emoji });
    expect(ok.status).toBe(201);
    expect(Message.parse(ok.body).body).toBe(emoji);
    const stored = HistoryResponse.parse((await history(ann.accessToken, direct.id, {})).body);
    expect(stored.messages.find((m) => m.clientId === 'emoji')?.body).toBe(emoji);
    // Nothing from the refused sends was stored.
    expect(stored.messages.map((m) => m.clientId)).not.toContain('long');
    expect(stored.messages.map((m) => m.clientId)).not.toContain('blank');
  });

  test('clientId: 1-64 characters of A-Z a-z 0-9 _ -', async () => {
    for (const clientId of ['', 'x'.repeat(65), 'has space', 'ü', 7]) {
      const response = await send(ann.accessToken, direct.id, { clientId, body: 'hi' });
      expect(response.status).toBe(400);
    }
    expect(
      (await send(ann.accessToken, direct.id, { clientId: 'A-z_9'.padEnd(64, 'x'), body: 'hi' }))
        .status,
    ).toBe(201);
  });
});

describe('GET /api/conversations/:id/messages', () => {
  let convo: Conversation;
  beforeAll(async () => {
    convo = await createGroup(api, ann.accessToken, [ben.user.id], 'History');
    for (let i = 1; i <= 12; i++) {
      await postMessage(api, i % 2 ? ann.accessToken : ben.accessToken, convo.id, `m${i}`);
    }
  });
  const seqs = async (query: Record<string, string | number>) => {
    const response = await history(ben.accessToken, convo.id, query);
    expect(response.status).toBe(200);
    return HistoryResponse.parse(response.body).messages.map((m) => m.seq);
  };

  test('without a cursor: the latest `limit`, ascending; the default limit is 50', async () => {
    expect(await seqs({})).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(await seqs({ limit: 3 })).toEqual([10, 11, 12]);
  });

  test('before and after page through the history', async () => {
    expect(await seqs({ before: 5, limit: 3 })).toEqual([2, 3, 4]);
    expect(await seqs({ before: 2 })).toEqual([1]);
    expect(await seqs({ before: 1 })).toEqual([]);
    expect(await seqs({ after: 9 })).toEqual([10, 11, 12]);
    expect(await seqs({ after: 0, limit: 2 })).toEqual([1, 2]);
    expect(await seqs({ after: 12 })).toEqual([]);
  });

  test('a limit out of 1-200, a bad cursor or both cursors is 400, not clamped', async () => {
    expect(await seqs({ limit: 200 })).toHaveLength(12);
    const bad: Record<string, string | number>[] = [
      { limit: 0 },
      { limit: 201 },
      { limit: -1 },
      { limit: 'ten' },
      { limit: '1.5' },
      { before: -1 },
      { after: 'x' },
      { before: 3, after: 1 },
    ];
    for (const query of bad) {
      const response = await history(ben.accessToken, convo.id, query);
      expect(response.status, JSON.stringify(query)).toBe(400);
      expect(codeOf(response)).toBe('invalid_request');
    }
  });
});

describe('POST /api/conversations/:id/read', () => {
  test('moves the read watermark up, never down; unreadCount follows; the others get a read receipt', async () => {
    const [x, y] = await Promise.all([registerUser(api), registerUser(api)]);
    const convo = await openDirect(api, x.accessToken, y.user.id);
    for (let i = 0; i < 5; i++) await postMessage(api, x.accessToken, convo.id, `n${i}`);
    const xLog = new EventLog(await api.connect(x.accessToken), 'receipt');
    const yLog = new EventLog(await api.connect(y.accessToken), 'receipt');
    const read = (seq: unknown) =>
      api.http.post(`/api/conversations/${convo.id}/read`, { token: y.accessToken, body: { seq } });
    const view = async () =>
      Conversation.parse(
        (await api.http.get(`/api/conversations/${convo.id}`, { token: y.accessToken })).body,
      );

    expect((await view()).unreadCount).toBe(5);
    const response = await read(3);
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
    expect(await xLog.waitFor()).toEqual({
      conversationId: convo.id,
      userId: y.user.id,
      type: 'read',
      seq: 3,
    });
    const afterRead = await view();
    expect(afterRead).toMatchObject({ lastReadSeq: 3, unreadCount: 2 });
    // read implies delivered
    expect(afterRead.receipts.find((r) => r.userId === y.user.id)).toEqual({
      userId: y.user.id,
      deliveredSeq: 3,
      readSeq: 3,
    });

    expect((await read(1)).status).toBe(204);
    expect((await read(3)).status).toBe(204);
    expect((await view()).lastReadSeq).toBe(3);
    // Past the newest message counts as the newest.
    expect((await read(1000)).status).toBe(204);
    expect(await xLog.waitFor((r) => r.seq === 5)).toMatchObject({ type: 'read', seq: 5 });
    expect((await view()).unreadCount).toBe(0);
    await roundTrip(xLog.socket, yLog.socket);
    expect(xLog.events.map((r) => r.seq)).toEqual([3, 5]);
    // Version 2: a read reaches the reader's own sockets too (their other devices clear
    // their unread count); a read over REST came from none of them, so all hear it.
    expect(yLog.events.map((r) => r.seq)).toEqual([3, 5]);

    // The list shows the same as the single view.
    const list = ConversationListResponse.parse(
      (await api.http.get('/api/conversations', { token: y.accessToken })).body,
    );
    expect(list.conversations.find((c) => c.id === convo.id)).toMatchObject({
      lastReadSeq: 5,
      unreadCount: 0,
    });

    for (const seq of [-1, 1.5, '3', null]) {
      const bad = await read(seq);
      expect(bad.status).toBe(400);
    }
  });
});

describe('authorization', () => {
  test('a non-member cannot read, list, send to or mark read in a conversation: 404 like an unknown id', async () => {
    const before = HistoryResponse.parse((await history(ann.accessToken, direct.id, {})).body);
    const attempts = [
      api.http.get(`/api/conversations/${direct.id}`, { token: eve.accessToken }),
      history(eve.accessToken, direct.id, {}),
      send(eve.accessToken, direct.id, { clientId: 'intruder', body: 'let me in' }),
      api.http.post(`/api/conversations/${direct.id}/read`, {
        token: eve.accessToken,
        body: { seq: 1 },
      }),
    ];
    const unknownAttempts = [
      api.http.get('/api/conversations/unknown-id', { token: eve.accessToken }),
      history(eve.accessToken, 'unknown-id', {}),
      send(eve.accessToken, 'unknown-id', { clientId: 'intruder', body: 'let me in' }),
      api.http.post('/api/conversations/unknown-id/read', {
        token: eve.accessToken,
        body: { seq: 1 },
      }),
    ];
    const responses = await Promise.all(attempts);
    const unknown = await Promise.all(unknownAttempts);
    responses.forEach((response, i) => {
      expect(response.status).toBe(404);
      expect(response.body).toEqual(unknown[i]?.body);
    });
    const after = HistoryResponse.parse((await history(ann.accessToken, direct.id, {})).body);
    expect(after.messages).toEqual(before.messages);
    const view = Conversation.parse(
      (await api.http.get(`/api/conversations/${direct.id}`, { token: ann.accessToken })).body,
    );
    expect(view.receipts.map((r) => r.userId)).not.toContain(eve.user.id);
  });
});

describe('rate limits', () => {
  test('a burst past the limit gets 429 with Retry-After, and nothing refused is stored', async () => {
    const [x, y] = await Promise.all([registerUser(api), registerUser(api)]);
    const convo = await openDirect(api, x.accessToken, y.user.id);
    // Batches until refused: how many pass depends on how fast this machine sends (the
    // per-second bucket refills meanwhile), but at least the burst of 60 must.
    const responses: Awaited<ReturnType<typeof send>>[] = [];
    while (!responses.some((r) => r.status === 429) && responses.length < 600) {
      const base = responses.length;
      responses.push(
        ...(await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            send(x.accessToken, convo.id, { clientId: `burst-${base + i}`, body: `b${base + i}` }),
          ),
        )),
      );
    }
    const limited = responses.filter((r) => r.status === 429);
    const stored = responses.filter((r) => r.status === 201);
    expect(limited.length).toBeGreaterThan(0);
    expect(stored.length).toBeGreaterThanOrEqual(60);
    expect(stored.length + limited.length).toBe(responses.length);
    for (const response of limited) {
      expect(codeOf(response)).toBe('rate_limited');
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    const kept = HistoryResponse.parse(
      (await history(y.accessToken, convo.id, { limit: 200 })).body,
    );
    expect(kept.messages.map((m) => m.seq)).toEqual(stored.map((_, i) => i + 1).slice(-200));
    // Another user is not affected by x's limit.
    expect((await send(y.accessToken, convo.id, { clientId: 'y-1', body: 'fine' })).status).toBe(
      201,
    );
  });

  test('CHAT_RATE_LIMITS=off lets the same burst through', async () => {
    const unlimited = await startTestApi({ config: { rateLimits: false } });
    try {
      const [x, y] = await Promise.all([registerUser(unlimited), registerUser(unlimited)]);
      const convo = await openDirect(unlimited, x.accessToken, y.user.id);
      const responses = await Promise.all(
        Array.from({ length: 150 }, (_, i) =>
          unlimited.http.post(`/api/conversations/${convo.id}/messages`, {
            token: x.accessToken,
            body: { clientId: `free-${i}`, body: `f${i}` },
          }),
        ),
      );
      expect(responses.every((r) => r.status === 201)).toBe(true);
    } finally {
      await unlimited.close();
    }
  });
});
