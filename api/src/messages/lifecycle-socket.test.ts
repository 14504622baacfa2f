import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { clientEventAckSchema, type Message, type Conversation } from '@chat/protocol';
import {
  EventLog,
  createGroup,
  emitWithAck,
  openDirect,
  postMessage,
  registerUser,
  startTestApi,
  type ChatClientSocket,
  type RegisteredUser,
  type TestApi,
} from '../../test/helpers';

/**
 * `message:edit`, `message:delete` and `reaction` over a socket: the same rules as the
 * REST routes, answered with the table's acks, and `message:updated` reaching every
 * socket of every member, the actor's other devices included.
 */

let api: TestApi;
let ann: RegisteredUser;
let ben: RegisteredUser;
let cat: RegisteredUser;
let eve: RegisteredUser;
let direct: Conversation;
let group: Conversation;
let annPhone: ChatClientSocket;
let annLaptop: EventLog<'message:updated'>;
let benSocket: ChatClientSocket;
let benLog: EventLog<'message:updated'>;
let catSocket: ChatClientSocket;
let eveSocket: ChatClientSocket;
let eveLog: EventLog<'message:updated'>;

beforeAll(async () => {
  api = await startTestApi({ config: { rateLimits: false } });
  [ann, ben, cat, eve] = await Promise.all([
    registerUser(api),
    registerUser(api),
    registerUser(api),
    registerUser(api),
  ]);
  direct = await openDirect(api, ann.accessToken, ben.user.id);
  group = await createGroup(api, cat.accessToken, [ann.user.id, ben.user.id]);
  annPhone = await api.connect(ann.accessToken);
  annLaptop = new EventLog(await api.connect(ann.accessToken), 'message:updated');
  benSocket = await api.connect(ben.accessToken);
  benLog = new EventLog(benSocket, 'message:updated');
  catSocket = await api.connect(cat.accessToken);
  eveSocket = await api.connect(eve.accessToken);
  eveLog = new EventLog(eveSocket, 'message:updated');
});
afterAll(async () => {
  await api.close();
});

describe('message:edit', () => {
  test("acks the edited message; the other member and the sender's other device hear it", async () => {
    const sent = await postMessage(api, ann.accessToken, direct.id, 'teh typo');
    const ack = await emitWithAck(annPhone, 'message:edit', {
      conversationId: direct.id,
      seq: sent.seq,
      body: 'the typo, fixed',
    });
    const parsed = clientEventAckSchema('message:edit').parse(ack);
    if (!parsed.ok || !('message' in parsed)) throw new Error(JSON.stringify(ack));
    const edited: Message = parsed.message;
    expect(edited).toMatchObject({ id: sent.id, body: 'the typo, fixed' });
    expect(edited.editedAt).not.toBeNull();
    for (const log of [benLog, annLaptop]) {
      expect(await log.waitFor((m) => m.id === sent.id && m.rev === edited.rev)).toEqual(edited);
    }
  });

  test("someone else's message: forbidden; a non-member: not_found", async () => {
    const sent = await postMessage(api, ann.accessToken, direct.id, 'not yours');
    const payload = { conversationId: direct.id, seq: sent.seq, body: 'hijacked' };
    expect(await emitWithAck(benSocket, 'message:edit', payload)).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await emitWithAck(eveSocket, 'message:edit', payload)).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(eveLog.events.filter((m) => m.conversationId === direct.id)).toEqual([]);
  });
});

describe('reaction', () => {
  test('on and off, idempotent; every member hears each change once', async () => {
    const sent = await postMessage(api, ann.accessToken, direct.id, 'nice');
    const react = (on: boolean) =>
      emitWithAck(benSocket, 'reaction', {
        conversationId: direct.id,
        seq: sent.seq,
        emoji: '🎉',
        on,
      });
    expect(await react(true)).toEqual({ ok: true });
    expect(await react(true)).toEqual({ ok: true });
    const on = await annLaptop.waitFor((m) => m.id === sent.id && m.reactions.length === 1);
    expect(on.reactions).toEqual([{ emoji: '🎉', userIds: [ben.user.id] }]);
    expect(await react(false)).toEqual({ ok: true });
    const off = await annLaptop.waitFor((m) => m.id === sent.id && m.rev > on.rev);
    expect(off.reactions).toEqual([]);
    // The repeated "on" changed nothing, so nobody was told of it.
    expect(annLaptop.events.filter((m) => m.id === sent.id).map((m) => m.rev)).toEqual([
      on.rev,
      off.rev,
    ]);
  });

  test('not one emoji: invalid_request before anything is looked up', async () => {
    const sent = await postMessage(api, ann.accessToken, direct.id, 'text');
    for (const emoji of ['ok', '👍👍', '']) {
      expect(
        await emitWithAck(benSocket, 'reaction', {
          conversationId: direct.id,
          seq: sent.seq,
          emoji,
          on: true,
        }),
      ).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    }
  });
});

describe('message:delete', () => {
  test('a group admin deletes a member’s message; everyone hears the tombstone', async () => {
    const sent = await postMessage(api, ann.accessToken, group.id, 'spam');
    expect(
      await emitWithAck(benSocket, 'message:delete', { conversationId: group.id, seq: sent.seq }),
    ).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(
      await emitWithAck(catSocket, 'message:delete', { conversationId: group.id, seq: sent.seq }),
    ).toEqual({ ok: true });
    for (const log of [benLog, annLaptop]) {
      const tombstone = await log.waitFor((m) => m.id === sent.id && m.deletedAt !== null);
      expect(tombstone).toMatchObject({ body: '', reactions: [], mentions: [] });
    }
    // Deleting twice succeeds and changes nothing.
    expect(
      await emitWithAck(annPhone, 'message:delete', { conversationId: group.id, seq: sent.seq }),
    ).toEqual({ ok: true });
  });

  test('a non-member: not_found, and the message stays', async () => {
    const sent = await postMessage(api, ann.accessToken, group.id, 'stays');
    expect(
      await emitWithAck(eveSocket, 'message:delete', { conversationId: group.id, seq: sent.seq }),
    ).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const history = await api.http.get<{ messages: Message[] }>(
      `/api/conversations/${group.id}/messages`,
      { token: ann.accessToken, query: { around: sent.seq, limit: 1 } },
    );
    expect(history.body.messages[0]?.deletedAt).toBeNull();
  });
});
