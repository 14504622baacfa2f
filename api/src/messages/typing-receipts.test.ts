import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Conversation as ConversationSchema, type Conversation } from '@chat/protocol';
import {
  EventLog,
  roundTrip,
  createGroup,
  emitWithAck,
  postMessage,
  registerUser,
  sleep,
  startTestApi,
  type RegisteredUser,
  type TestApi,
} from '../../test/helpers';

const TYPING_EXPIRY_MS = 1_000;

let api: TestApi;
let ann: RegisteredUser;
let ben: RegisteredUser;
let cat: RegisteredUser;
let eve: RegisteredUser;
let group: Conversation;

beforeAll(async () => {
  api = await startTestApi({ timings: { typingExpiryMs: TYPING_EXPIRY_MS } });
  [ann, ben, cat, eve] = await Promise.all([
    registerUser(api),
    registerUser(api),
    registerUser(api),
    registerUser(api),
  ]);
  group = await createGroup(api, ann.accessToken, [ben.user.id, cat.user.id], 'Typing');
});
afterAll(async () => {
  await api.close();
});

describe('typing', () => {
  test('is relayed to the other members, not echoed to the typist, and never to outsiders', async () => {
    const annSocket = await api.connect(ann.accessToken);
    const annOther = new EventLog(await api.connect(ann.accessToken), 'typing');
    const annLog = new EventLog(annSocket, 'typing');
    const benLog = new EventLog(await api.connect(ben.accessToken), 'typing');
    const catLog = new EventLog(await api.connect(cat.accessToken), 'typing');
    const eveLog = new EventLog(await api.connect(eve.accessToken), 'typing');

    expect(
      await emitWithAck(annSocket, 'typing', { conversationId: group.id, typing: true }),
    ).toEqual({
      ok: true,
    });
    const expected = { conversationId: group.id, userId: ann.user.id, typing: true };
    expect(await benLog.waitFor()).toEqual(expected);
    expect(await catLog.waitFor()).toEqual(expected);
    expect(
      await emitWithAck(annSocket, 'typing', { conversationId: group.id, typing: false }),
    ).toEqual({
      ok: true,
    });
    expect(await benLog.waitFor((e) => !e.typing)).toEqual({ ...expected, typing: false });
    // A second stop changes nothing and is not relayed.
    await emitWithAck(annSocket, 'typing', { conversationId: group.id, typing: false });
    await roundTrip(benLog.socket, annOther.socket, eveLog.socket);
    expect(benLog.events).toHaveLength(2);
    expect(annLog.events).toEqual([]);
    expect(annOther.events).toEqual([]);
    expect(eveLog.events).toEqual([]);
  });

  test('a typing:true not renewed expires, and the others then get typing:false', async () => {
    const benSocket = await api.connect(ben.accessToken);
    const annLog = new EventLog(await api.connect(ann.accessToken), 'typing');
    const started = Date.now();
    await emitWithAck(benSocket, 'typing', { conversationId: group.id, typing: true });
    // Renewed once half-way: the expiry starts over.
    await sleep(TYPING_EXPIRY_MS / 2);
    await emitWithAck(benSocket, 'typing', { conversationId: group.id, typing: true });
    const stopped = await annLog.waitFor((e) => !e.typing, 3_000);
    expect(stopped).toEqual({ conversationId: group.id, userId: ben.user.id, typing: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(TYPING_EXPIRY_MS * 1.5 - 20);
    expect(annLog.events.map((e) => e.typing)).toEqual([true, true, false]);
  });

  test('sending a message clears the typing state; the others get typing:false', async () => {
    const catSocket = await api.connect(cat.accessToken);
    const annLog = new EventLog(await api.connect(ann.accessToken), 'typing');
    const started = Date.now();
    await emitWithAck(catSocket, 'typing', { conversationId: group.id, typing: true });
    await annLog.waitFor((e) => e.typing);
    const ack = await emitWithAck(catSocket, 'message:send', {
      conversationId: group.id,
      clientId: 'typed-it',
      body: 'done typing',
    });
    expect(ack.ok).toBe(true);
    expect(await annLog.waitFor((e) => !e.typing, 200)).toEqual({
      conversationId: group.id,
      userId: cat.user.id,
      typing: false,
    });
    // Well before the expiry would have ended it.
    expect(Date.now() - started).toBeLessThan(TYPING_EXPIRY_MS / 2);
    // A REST send clears it too.
    await emitWithAck(catSocket, 'typing', { conversationId: group.id, typing: true });
    await annLog.waitFor((e) => e.typing && annLog.events.indexOf(e) > 1);
    await postMessage(api, cat.accessToken, group.id, 'over REST');
    await annLog.waitForCount(4, 200);
    expect(annLog.events.at(-1)).toMatchObject({ typing: false });
  });

  test('the typing socket closing ends the indicator', async () => {
    const benSocket = await api.connect(ben.accessToken);
    const annLog = new EventLog(await api.connect(ann.accessToken), 'typing');
    await emitWithAck(benSocket, 'typing', { conversationId: group.id, typing: true });
    await annLog.waitFor((e) => e.typing);
    benSocket.disconnect();
    expect(await annLog.waitFor((e) => !e.typing, 200)).toMatchObject({ userId: ben.user.id });
  });

  test('a non-member gets not_found and nobody hears anything', async () => {
    const eveSocket = await api.connect(eve.accessToken);
    const annLog = new EventLog(await api.connect(ann.accessToken), 'typing');
    for (const conversationId of [group.id, 'no-such-conversation']) {
      expect(await emitWithAck(eveSocket, 'typing', { conversationId, typing: true })).toEqual({
        ok: false,
        error: { code: 'not_found', message: 'No such conversation.' },
      });
    }
    expect(await emitWithAck(eveSocket, 'typing', { conversationId: group.id })).toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    });
    await roundTrip(annLog.socket);
    expect(annLog.events).toEqual([]);
    expect(eveSocket.connected).toBe(true);
  });
});

describe('receipts', () => {
  test('watermarks only move up; only a move is relayed; read implies delivered; GET shows them', async () => {
    const convo = await createGroup(api, ann.accessToken, [ben.user.id, cat.user.id], 'Receipts');
    for (let i = 1; i <= 6; i++) await postMessage(api, ann.accessToken, convo.id, `r${i}`);
    const benSocket = await api.connect(ben.accessToken);
    const benLog = new EventLog(benSocket, 'receipt');
    const annLog = new EventLog(await api.connect(ann.accessToken), 'receipt');
    const catLog = new EventLog(await api.connect(cat.accessToken), 'receipt');
    const eveLog = new EventLog(await api.connect(eve.accessToken), 'receipt');
    const receipt = (type: 'delivered' | 'read', seq: number) =>
      emitWithAck(benSocket, 'receipt', { conversationId: convo.id, type, seq });
    const bensWatermarks = async () => {
      const view = ConversationSchema.parse(
        (await api.http.get(`/api/conversations/${convo.id}`, { token: ann.accessToken })).body,
      );
      return view.receipts.find((r) => r.userId === ben.user.id);
    };

    expect(await receipt('delivered', 4)).toEqual({ ok: true });
    const delivered = { conversationId: convo.id, userId: ben.user.id, type: 'delivered', seq: 4 };
    expect(await annLog.waitFor()).toEqual(delivered);
    expect(await catLog.waitFor()).toEqual(delivered);
    expect(await bensWatermarks()).toEqual({ userId: ben.user.id, deliveredSeq: 4, readSeq: 0 });

    // Lower or equal: acknowledged, changes nothing, relayed to nobody.
    expect(await receipt('delivered', 2)).toEqual({ ok: true });
    expect(await receipt('delivered', 4)).toEqual({ ok: true });
    await roundTrip(annLog.socket);
    expect(annLog.events).toHaveLength(1);
    expect(await bensWatermarks()).toEqual({ userId: ben.user.id, deliveredSeq: 4, readSeq: 0 });

    // read past delivered pulls delivered along.
    expect(await receipt('read', 5)).toEqual({ ok: true });
    expect(await annLog.waitFor((r) => r.type === 'read')).toMatchObject({ type: 'read', seq: 5 });
    expect(await bensWatermarks()).toEqual({ userId: ben.user.id, deliveredSeq: 5, readSeq: 5 });
    expect(await receipt('read', 3)).toEqual({ ok: true });
    await roundTrip(annLog.socket);
    expect(annLog.events.map((r) => [r.type, r.seq])).toEqual([
      ['delivered', 4],
      ['read', 5],
    ]);

    // The socket read moves the same watermark as REST: ben's unread count follows.
    const benView = ConversationSchema.parse(
      (await api.http.get(`/api/conversations/${convo.id}`, { token: ben.accessToken })).body,
    );
    expect(benView).toMatchObject({ lastReadSeq: 5, unreadCount: 1 });
    expect(benLog.events).toEqual([]);
    expect(eveLog.events).toEqual([]);
  });

  test('bad receipts get error acks; a non-member gets not_found and moves nothing', async () => {
    const convo = await createGroup(api, ann.accessToken, [ben.user.id], 'Closed');
    await postMessage(api, ann.accessToken, convo.id, 'secret');
    const eveSocket = await api.connect(eve.accessToken);
    const annLog = new EventLog(await api.connect(ann.accessToken), 'receipt');
    for (const payload of [
      { conversationId: convo.id, type: 'seen', seq: 1 },
      { conversationId: convo.id, type: 'read', seq: -1 },
      { conversationId: convo.id, type: 'read', seq: 1.5 },
      { conversationId: convo.id, type: 'read' },
    ]) {
      expect(await emitWithAck(eveSocket, 'receipt', payload)).toMatchObject({
        ok: false,
        error: { code: 'invalid_request' },
      });
    }
    expect(
      await emitWithAck(eveSocket, 'receipt', { conversationId: convo.id, type: 'read', seq: 1 }),
    ).toEqual({ ok: false, error: { code: 'not_found', message: 'No such conversation.' } });
    // Another user's id in the payload is ignored: a socket acts only as its own user.
    const benSocket = await api.connect(ben.accessToken);
    await emitWithAck(benSocket, 'receipt', {
      conversationId: convo.id,
      type: 'read',
      seq: 1,
      userId: ann.user.id,
    });
    expect(await annLog.waitFor()).toMatchObject({ userId: ben.user.id });
    const view = ConversationSchema.parse(
      (await api.http.get(`/api/conversations/${convo.id}`, { token: ann.accessToken })).body,
    );
    expect(view.receipts).toEqual([
      { userId: ann.user.id, deliveredSeq: 0, readSeq: 0 },
      { userId: ben.user.id, deliveredSeq: 1, readSeq: 1 },
    ]);
  });
});
