import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HistoryResponse, LIMITS, Message, type Conversation } from '@chat/protocol';
import {
  EventLog,
  roundTrip,
  createGroup,
  disconnection,
  emitWithAck,
  login,
  openDirect,
  registerUser,
  startTestApi,
  type ChatClientSocket,
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

let clientIds = 0;
const nextClientId = () => `c-${++clientIds}`;
const sendOver = (
  socket: ChatClientSocket,
  conversationId: string,
  body: string,
  clientId = nextClientId(),
) => emitWithAck(socket, 'message:send', { conversationId, clientId, body });

describe('message:send', () => {
  test('acks with the stored message; message:new reaches every other socket but not the sending one', async () => {
    const annA = await api.connect(ann.accessToken);
    const annB = await api.connect(ann.accessToken);
    // A second session (another device) of ben, and ben's first one.
    const benOther = await login(api, ben.user.username, ben.password);
    const benA = await api.connect(ben.accessToken);
    const benB = await api.connect(benOther.accessToken);
    const logs = {
      annA: new EventLog(annA, 'message:new'),
      annB: new EventLog(annB, 'message:new'),
      benA: new EventLog(benA, 'message:new'),
      benB: new EventLog(benB, 'message:new'),
      eve: new EventLog(await api.connect(eve.accessToken), 'message:new'),
    };
    const ack = await sendOver(annA, direct.id, 'hi from the socket');
    expect(ack.ok).toBe(true);
    const message = Message.strict().parse((ack as unknown as { message: unknown }).message);
    expect(message).toMatchObject({ senderId: ann.user.id, body: 'hi from the socket' });
    // Stored before the ack.
    const stored = HistoryResponse.parse(
      (await api.http.get(`/api/conversations/${direct.id}/messages`, { token: ben.accessToken }))
        .body,
    );
    expect(stored.messages.at(-1)).toEqual(message);

    for (const log of [logs.annB, logs.benA, logs.benB]) {
      expect(await log.waitFor((m) => m.id === message.id)).toEqual(message);
    }
    await roundTrip(logs.annA.socket, logs.eve.socket);
    expect(logs.annA.events).toEqual([]);
    expect(logs.eve.events).toEqual([]);
  });

  test('a resend after a lost ack returns the same message and no second message:new', async () => {
    const annSocket = await api.connect(ann.accessToken);
    const benLog = new EventLog(await api.connect(ben.accessToken), 'message:new');
    const clientId = nextClientId();
    // The first ack is "lost": the client times out waiting before the server answers.
    annSocket.emit('message:send', { conversationId: direct.id, clientId, body: 'once' }, () => {});
    const first = await benLog.waitFor((m) => m.clientId === clientId);
    const resent = await sendOver(annSocket, direct.id, 'once', clientId);
    expect(resent).toEqual({ ok: true, message: first });
    // Even with another body: the first message stands.
    const changed = await sendOver(annSocket, direct.id, 'changed my mind', clientId);
    expect(changed).toEqual({ ok: true, message: first });
    await roundTrip(benLog.socket);
    expect(benLog.events.filter((m) => m.clientId === clientId)).toHaveLength(1);
  });

  test('bad payloads get an error ack and the socket stays up', async () => {
    const socket = await api.connect(ann.accessToken);
    const cases: [unknown, string][] = [
      [undefined, 'invalid_request'],
      ['hello', 'invalid_request'],
      [{ conversationId: direct.id, body: 'no client id' }, 'invalid_request'],
      [{ conversationId: direct.id, clientId: 'bad id!', body: 'x' }, 'invalid_request'],
      [{ conversationId: direct.id, clientId: 'blank', body: '  ' }, 'invalid_request'],
      [{ conversationId: { $ne: null }, clientId: 'obj', body: 'x' }, 'invalid_request'],
      [
        {
          conversationId: direct.id,
          clientId: 'long',
          body: 'y'.repeat(LIMITS.messageBodyMax + 1),
        },
        'payload_too_large',
      ],
    ];
    for (const [payload, code] of cases) {
      expect(await emitWithAck(socket, 'message:send', payload)).toMatchObject({
        ok: false,
        error: { code },
      });
    }
    expect(socket.connected).toBe(true);
    expect((await sendOver(socket, direct.id, '😀'.repeat(LIMITS.messageBodyMax))).ok).toBe(true);
  });

  test('a non-member gets not_found, exactly as for an unknown conversation, and nothing is stored', async () => {
    const socket = await api.connect(eve.accessToken);
    const benLog = new EventLog(await api.connect(ben.accessToken), 'message:new');
    const intruding = await sendOver(socket, direct.id, 'let me in');
    const unknown = await sendOver(socket, 'no-such-conversation', 'let me in');
    expect(intruding).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'No such conversation.' },
    });
    expect(unknown).toEqual(intruding);
    await roundTrip(benLog.socket);
    expect(benLog.events).toEqual([]);
  });

  test('three senders × 50 messages at once: every member sees seq 1..150 exactly once, and the same history', async () => {
    const members = await Promise.all([registerUser(api), registerUser(api), registerUser(api)]);
    const [first, ...rest] = members as [RegisteredUser, ...RegisteredUser[]];
    const group = await createGroup(
      api,
      first.accessToken,
      rest.map((m) => m.user.id),
      'Busy',
    );
    const sockets = await Promise.all(members.map((m) => api.connect(m.accessToken)));
    const logs = sockets.map((s) => new EventLog(s, 'message:new'));
    const acks = await Promise.all(
      sockets.map((socket, s) =>
        Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            sendOver(socket, group.id, `sender ${s} message ${i}`, `s${s}-m${i}`),
          ),
        ),
      ),
    );
    const acked = acks.map((list) =>
      list.map((ack) => {
        expect(ack.ok).toBe(true);
        return Message.parse((ack as unknown as { message: unknown }).message);
      }),
    );
    await Promise.all(logs.map((log) => log.waitForCount(100)));
    await roundTrip(...sockets);
    const all = Array.from({ length: 150 }, (_, i) => i + 1);
    sockets.forEach((_, s) => {
      const received = logs[s]?.events ?? [];
      expect(received).toHaveLength(100);
      // Every socket receives the others' messages in seq order.
      const receivedSeqs = received.map((m) => m.seq);
      expect(receivedSeqs).toEqual([...receivedSeqs].sort((a, b) => a - b));
      const seen = [...receivedSeqs, ...(acked[s] ?? []).map((m) => m.seq)].sort((a, b) => a - b);
      expect(seen).toEqual(all);
      // The sender's own messages arrive in the order it sent them.
      const own = (acked[s] ?? []).map((m) => m.body);
      const ownBySeq = [...(acked[s] ?? [])].sort((a, b) => a.seq - b.seq).map((m) => m.body);
      expect(ownBySeq).toEqual(own);
    });
    const histories = await Promise.all(
      members.map(async (m) =>
        HistoryResponse.parse(
          (
            await api.http.get(`/api/conversations/${group.id}/messages`, {
              token: m.accessToken,
              query: { limit: 200 },
            })
          ).body,
        ),
      ),
    );
    expect(histories[0]?.messages.map((m) => m.seq)).toEqual(all);
    expect(histories[1]).toEqual(histories[0]);
    expect(histories[2]).toEqual(histories[0]);
  });

  test('a packet over 64 KiB disconnects that socket only', async () => {
    const big = await api.connect(ann.accessToken);
    const sibling = await api.connect(ann.accessToken);
    const benLog = new EventLog(await api.connect(ben.accessToken), 'message:new');
    const gone = disconnection(big, 3_000);
    big.emit(
      'message:send',
      { conversationId: direct.id, clientId: 'huge', body: 'z'.repeat(LIMITS.payloadBytesMax) },
      () => {},
    );
    expect(await gone).toBe('transport close');
    await roundTrip(sibling, benLog.socket);
    expect(sibling.connected).toBe(true);
    expect((await sendOver(sibling, direct.id, 'still here')).ok).toBe(true);
    expect(benLog.events.map((m) => m.clientId)).not.toContain('huge');
  });
});

describe('rate limit over the socket', () => {
  test('sends past the burst get a rate_limited ack; with limits off they do not', async () => {
    // A user of its own: sends by others earlier in this file would use up part of the
    // burst window and make the count below depend on test timing.
    const spammer = await registerUser(api);
    const socket = await api.connect(spammer.accessToken);
    const mine = await openDirect(api, spammer.accessToken, ann.user.id);
    const acks: Awaited<ReturnType<typeof sendOver>>[] = [];
    while (!acks.some((a) => !a.ok) && acks.length < 600) {
      acks.push(
        ...(await Promise.all(
          Array.from({ length: 40 }, () => sendOver(socket, mine.id, 'spam?')),
        )),
      );
    }
    const limited = acks.filter((a) => !a.ok);
    expect(limited.length).toBeGreaterThan(0);
    expect(acks.filter((a) => a.ok).length).toBeGreaterThanOrEqual(60);
    for (const ack of limited)
      expect(ack).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect(socket.connected).toBe(true);

    const unlimited = await startTestApi({ config: { rateLimits: false } });
    try {
      const [x, y] = await Promise.all([registerUser(unlimited), registerUser(unlimited)]);
      const convo = await openDirect(unlimited, x.accessToken, y.user.id);
      const xSocket = await unlimited.connect(x.accessToken);
      const free = await Promise.all(
        Array.from({ length: 150 }, () => sendOver(xSocket, convo.id, 'free')),
      );
      expect(free.every((a) => a.ok)).toBe(true);
    } finally {
      await unlimited.close();
    }
  });
});
