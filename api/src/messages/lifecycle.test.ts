import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HistoryResponse, LIMITS, Message, type Conversation } from '@chat/protocol';
import { ApiError } from '../http/errors';
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
import type { MessagesService } from './service';

let api: TestApi;
let service: MessagesService;
let ann: RegisteredUser;
let ben: RegisteredUser;
let cat: RegisteredUser;
let eve: RegisteredUser;
let direct: Conversation;
let group: Conversation;
/** Ann on two devices, Ben on one: every member's sockets hear every change. */
let annPhone: EventLog<'message:updated'>;
let annLaptop: EventLog<'message:updated'>;
let benSocket: ChatClientSocket;
let benLog: EventLog<'message:updated'>;
let eveLog: EventLog<'message:updated'>;

beforeAll(async () => {
  // Rate limits off here; the test that is about them runs its own API.
  api = await startTestApi({ config: { rateLimits: false } });
  service = api.app.services.messages;
  [ann, ben, cat, eve] = await Promise.all([
    registerUser(api),
    registerUser(api),
    registerUser(api),
    registerUser(api),
  ]);
  direct = await openDirect(api, ann.accessToken, ben.user.id);
  // Cat creates the group: she is its admin, Ann and Ben are members.
  group = await createGroup(api, cat.accessToken, [ann.user.id, ben.user.id]);
  annPhone = new EventLog(await api.connect(ann.accessToken), 'message:updated');
  annLaptop = new EventLog(await api.connect(ann.accessToken), 'message:updated');
  benSocket = await api.connect(ben.accessToken);
  benLog = new EventLog(benSocket, 'message:updated');
  eveLog = new EventLog(await api.connect(eve.accessToken), 'message:updated');
});
afterAll(async () => {
  await api.close();
});

/** The ApiError code a call is refused with. */
async function refusal(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    if (err instanceof ApiError) return err.code;
    throw err;
  }
  throw new Error('the call succeeded, a refusal was expected');
}

const sameMessage = (a: Message) => (b: Message) => b.id === a.id && b.rev === a.rev;

describe('editing', () => {
  test('the sender edits; the change is stored before every member socket hears it', async () => {
    const sent = await postMessage(api, ann.accessToken, direct.id, 'helo @ben');
    const edited = await service.edit(
      ann.user.id,
      direct.id,
      sent.seq,
      `hello @${ben.user.username}`,
    );
    expect(edited).toMatchObject({
      id: sent.id,
      seq: sent.seq,
      body: `hello @${ben.user.username}`,
      mentions: [ben.user.id],
    });
    expect(edited.rev).toBeGreaterThan(sent.rev);
    expect(edited.editedAt).not.toBeNull();
    // Every socket of every member, the actor's own other devices included.
    for (const log of [annPhone, annLaptop, benLog]) {
      expect(await log.waitFor(sameMessage(edited))).toEqual(edited);
    }
    // What was announced is what a fresh read finds.
    const stored = await api.store.messages.get(direct.id, sent.seq);
    expect(stored?.body).toBe(edited.body);
    expect(eveLog.events.some((m) => m.conversationId === direct.id)).toBe(false);
  });

  test('only the sender edits, never a system or a deleted message; outsiders get 404', async () => {
    const sent = await postMessage(api, ann.accessToken, group.id, 'mine');
    expect(await refusal(service.edit(ben.user.id, group.id, sent.seq, 'yours'))).toBe('forbidden');
    // Not even an admin edits someone else's words.
    expect(await refusal(service.edit(cat.user.id, group.id, sent.seq, 'hers'))).toBe('forbidden');
    expect(await refusal(service.edit(eve.user.id, group.id, sent.seq, 'x'))).toBe('not_found');
    expect(await refusal(service.edit(ann.user.id, group.id, 9_999, 'x'))).toBe('not_found');

    const system = await service.announce(group.id, {
      event: 'title_changed',
      actorId: cat.user.id,
      userIds: [],
      title: 'Renamed',
    });
    expect(await refusal(service.edit(cat.user.id, group.id, system.seq, 'x'))).toBe('forbidden');

    await service.remove(ann.user.id, group.id, sent.seq);
    expect(await refusal(service.edit(ann.user.id, group.id, sent.seq, 'back'))).toBe('forbidden');
  });
});

describe('deleting', () => {
  test('the sender deletes for everyone: a tombstone reaches every socket, replies lose the quote', async () => {
    const secret = await postMessage(api, ann.accessToken, direct.id, 'the code is 4242');
    const reply = Message.parse(
      (
        await api.http.post(`/api/conversations/${direct.id}/messages`, {
          token: ben.accessToken,
          body: { clientId: 'reply-to-secret', body: 'got it', replyToSeq: secret.seq },
        })
      ).body,
    );
    expect(reply.replyTo).toEqual({
      seq: secret.seq,
      senderId: ann.user.id,
      excerpt: 'the code is 4242',
      deleted: false,
    });

    const tombstone = await service.remove(ann.user.id, direct.id, secret.seq);
    expect(tombstone).toMatchObject({ id: secret.id, body: '', reactions: [], mentions: [] });
    expect(tombstone.deletedAt).not.toBeNull();
    for (const log of [annPhone, annLaptop, benLog]) {
      await log.waitFor(sameMessage(tombstone));
      const quoting = await log.waitFor((m) => m.id === reply.id && m.replyTo?.deleted === true);
      expect(quoting.replyTo).toEqual({
        seq: secret.seq,
        senderId: ann.user.id,
        excerpt: '',
        deleted: true,
      });
      expect(quoting.body).toBe('got it');
    }
    // Deleting again succeeds and tells nobody anything new.
    const again = await service.remove(ann.user.id, direct.id, secret.seq);
    expect(again).toEqual(tombstone);
    const marker = await postMessage(api, ann.accessToken, direct.id, 'marker');
    const markerEdit = await service.edit(ann.user.id, direct.id, marker.seq, 'marker!');
    await benLog.waitFor(sameMessage(markerEdit));
    expect(benLog.events.filter((m) => m.id === secret.id)).toHaveLength(1);
  });

  test('a group admin deletes anyone’s message; other members only their own', async () => {
    const bens = await postMessage(api, ben.accessToken, group.id, 'off topic');
    expect(await refusal(service.remove(ann.user.id, group.id, bens.seq))).toBe('forbidden');
    expect(await refusal(service.remove(eve.user.id, group.id, bens.seq))).toBe('not_found');
    const removed = await service.remove(cat.user.id, group.id, bens.seq);
    expect(removed.deletedAt).not.toBeNull();
    await benLog.waitFor(sameMessage(removed));
    // In a direct conversation nobody is admin: the other member cannot delete.
    const anns = await postMessage(api, ann.accessToken, direct.id, 'mine');
    expect(await refusal(service.remove(ben.user.id, direct.id, anns.seq))).toBe('forbidden');
  });
});

describe('reactions', () => {
  test('react and take it back, idempotently, with every socket told of each change', async () => {
    const sent = await postMessage(api, ann.accessToken, direct.id, 'react to this');
    const first = await service.react(ben.user.id, direct.id, sent.seq, '👍', true);
    expect(first.reactions).toEqual([{ emoji: '👍', userIds: [ben.user.id] }]);
    const repeat = await service.react(ben.user.id, direct.id, sent.seq, '👍', true);
    expect(repeat).toEqual(first);
    const both = await service.react(ann.user.id, direct.id, sent.seq, '👍', true);
    expect(both.reactions).toEqual([{ emoji: '👍', userIds: [ben.user.id, ann.user.id] }]);
    const off = await service.react(ben.user.id, direct.id, sent.seq, '👍', false);
    expect(off.reactions).toEqual([{ emoji: '👍', userIds: [ann.user.id] }]);
    for (const log of [annPhone, annLaptop, benLog]) await log.waitFor(sameMessage(off));
    expect(benLog.events.filter((m) => m.id === sent.id).map((m) => m.rev)).toEqual([
      first.rev,
      both.rev,
      off.rev,
    ]);
    expect(await refusal(service.react(eve.user.id, direct.id, sent.seq, '👍', true))).toBe(
      'not_found',
    );
  });

  test(`refuses a ${LIMITS.reactionsPerMessageMax + 1}st emoji and a reaction to a deleted message`, async () => {
    const sent = await postMessage(api, ann.accessToken, direct.id, 'so many');
    const emoji = Array.from({ length: LIMITS.reactionsPerMessageMax + 1 }, (_, i) =>
      String.fromCodePoint(0x1f600 + i),
    );
    for (const e of emoji.slice(0, -1))
      await service.react(ben.user.id, direct.id, sent.seq, e, true);
    expect(
      await refusal(service.react(ben.user.id, direct.id, sent.seq, emoji.at(-1) ?? '', true)),
    ).toBe('invalid_request');
    await service.remove(ann.user.id, direct.id, sent.seq);
    expect(await refusal(service.react(ben.user.id, direct.id, sent.seq, '👍', true))).toBe(
      'forbidden',
    );
    // Taking back a reaction the deletion already erased is no error.
    const quiet = await service.react(ben.user.id, direct.id, sent.seq, emoji[0] ?? '', false);
    expect(quiet.reactions).toEqual([]);
  });

  test('many members reacting at the same moment all count, and all sockets agree', async () => {
    const people = await Promise.all(Array.from({ length: 8 }, () => registerUser(api)));
    const crowd = await createGroup(
      api,
      ann.accessToken,
      people.map((p) => p.user.id),
    );
    const watcher = new EventLog(
      await api.connect(people[0]?.accessToken ?? ''),
      'message:updated',
    );
    const sent = await postMessage(api, ann.accessToken, crowd.id, 'vote');
    const results = await Promise.all(
      people.flatMap((p) => [
        service.react(p.user.id, crowd.id, sent.seq, '👍', true),
        service.react(p.user.id, crowd.id, sent.seq, '👎', true),
        service.react(p.user.id, crowd.id, sent.seq, '👎', false),
      ]),
    );
    const final = results.reduce((a, b) => (b.rev > a.rev ? b : a));
    const seen = await watcher.waitFor(sameMessage(final));
    const stored = await api.store.messages.get(crowd.id, sent.seq);
    expect(seen.reactions).toEqual(stored?.reactions);
    const thumbs = stored?.reactions.find((r) => r.emoji === '👍');
    expect([...(thumbs?.userIds ?? [])].sort()).toEqual(people.map((p) => p.user.id).sort());
  });
});

describe('mentions, replies and history', () => {
  test('mentions name members only, and an edit recomputes them', async () => {
    const sent = await postMessage(
      api,
      ann.accessToken,
      group.id,
      `@${ben.user.username.toUpperCase()} and @${eve.user.username}, mail me at x@${cat.user.username}`,
    );
    expect(sent.mentions).toEqual([ben.user.id]);
    const edited = await service.edit(
      ann.user.id,
      group.id,
      sent.seq,
      `only @${cat.user.username}`,
    );
    expect(edited.mentions).toEqual([cat.user.id]);
  });

  test('a reply must quote a message of the same conversation', async () => {
    const elsewhere = await postMessage(api, cat.accessToken, group.id, 'in the group');
    const missing = await api.http.post(`/api/conversations/${direct.id}/messages`, {
      token: ann.accessToken,
      body: { clientId: 'bad-reply', body: 'x', replyToSeq: elsewhere.seq + 10_000 },
    });
    expect(missing.status).toBe(404);
    const viaSocket = await service
      .send(ann.user.id, direct.id, { clientId: 'bad-reply-2', body: 'x', replyToSeq: 999_999 })
      .catch((err: unknown) => err);
    expect(viaSocket).toBeInstanceOf(ApiError);
  });

  test('message:send over a socket takes replyToSeq too', async () => {
    const quoted = await postMessage(api, ann.accessToken, direct.id, 'question?');
    const ack = await emitWithAck(benSocket, 'message:send', {
      conversationId: direct.id,
      clientId: 'socket-reply',
      body: 'answer',
      replyToSeq: quoted.seq,
    });
    if (!ack.ok) throw new Error(ack.error.message);
    const sent = Message.parse(ack.message);
    expect(sent.replyTo).toEqual({
      seq: quoted.seq,
      senderId: ann.user.id,
      excerpt: 'question?',
      deleted: false,
    });
    const missing = await emitWithAck(benSocket, 'message:send', {
      conversationId: direct.id,
      clientId: 'socket-reply-missing',
      body: 'answer',
      replyToSeq: quoted.seq + 1_000,
    });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  test('history catches up with changedAfter and jumps with around', async () => {
    const fresh = await openDirect(api, cat.accessToken, eve.user.id);
    const sent: Message[] = [];
    for (let i = 1; i <= 7; i++)
      sent.push(await postMessage(api, cat.accessToken, fresh.id, `m${i}`));
    const cursor = sent.at(-1)?.rev ?? 0;
    await service.edit(cat.user.id, fresh.id, 2, 'm2 edited');
    await service.react(eve.user.id, fresh.id, 5, '🎉', true);
    await service.remove(cat.user.id, fresh.id, 3);

    const get = async (query: Record<string, string | number>) => {
      const response = await api.http.get(`/api/conversations/${fresh.id}/messages`, {
        token: eve.accessToken,
        query,
      });
      return { status: response.status, body: response.body };
    };
    const changed = HistoryResponse.parse((await get({ changedAfter: cursor })).body).messages;
    expect(changed.map((m) => m.seq)).toEqual([2, 5, 3]);
    expect(changed[2]).toMatchObject({ body: '', deletedAt: expect.any(String) as string });
    const list = await api.http.get(`/api/conversations`, { token: eve.accessToken });
    const listed = (list.body as { conversations: Conversation[] }).conversations.find(
      (c) => c.id === fresh.id,
    );
    expect(listed?.rev).toBe(changed.at(-1)?.rev);

    const around = HistoryResponse.parse((await get({ around: 4, limit: 3 })).body).messages;
    expect(around.map((m) => m.seq)).toEqual([3, 4, 5]);
    expect((await get({ around: 8 })).status).toBe(404);
    expect((await get({ around: 2, changedAfter: 1 })).status).toBe(400);
  });

  test('a system message has an empty body and reaches every member as message:new', async () => {
    const benNew = new EventLog(benSocket, 'message:new');
    const system = await service.announce(group.id, {
      event: 'member_added',
      actorId: cat.user.id,
      userIds: [ben.user.id],
      title: null,
    });
    expect(system).toMatchObject({
      kind: 'system',
      body: '',
      senderId: cat.user.id,
      system: { event: 'member_added', actorId: cat.user.id, userIds: [ben.user.id], title: null },
    });
    expect(await benNew.waitFor((m) => m.id === system.id)).toEqual(system);
  });
});

describe('rate limits', () => {
  test('a flood of reactions from one user is cut off without slowing anyone else', async () => {
    const limited = await startTestApi();
    try {
      const [a, b] = await Promise.all([registerUser(limited), registerUser(limited)]);
      const conversation = await openDirect(limited, a.accessToken, b.user.id);
      const sent = await postMessage(limited, a.accessToken, conversation.id, 'flood me');
      const messages = limited.app.services.messages;
      const outcomes = await Promise.allSettled(
        Array.from({ length: 80 }, (_, i) =>
          messages.react(a.user.id, conversation.id, sent.seq, '👍', i % 2 === 0),
        ),
      );
      const refused = outcomes.filter(
        (o) =>
          o.status === 'rejected' &&
          o.reason instanceof ApiError &&
          o.reason.code === 'rate_limited',
      );
      expect(refused.length).toBeGreaterThan(0);
      const first = refused[0];
      if (first?.status === 'rejected' && first.reason instanceof ApiError) {
        expect(first.reason.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      }
      // Edits count against the same budget; the other user is untouched.
      expect(await refusal(messages.edit(a.user.id, conversation.id, sent.seq, 'x'))).toBe(
        'rate_limited',
      );
      const theirs = await messages.react(b.user.id, conversation.id, sent.seq, '🎉', true);
      expect(theirs.reactions.some((r) => r.emoji === '🎉')).toBe(true);
      // Sending has its own budget: a reaction flood does not stop messages.
      await postMessage(limited, a.accessToken, conversation.id, 'still here');
    } finally {
      await limited.close();
    }
  });
});
