import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HistoryResponse, LIMITS, Message, type Conversation } from '@chat/protocol';
import {
  EventLog,
  createGroup,
  errorOf,
  openDirect,
  postMessage,
  registerUser,
  startTestApi,
  type RegisteredUser,
  type RestResponse,
  type TestApi,
} from '../../test/helpers';

/**
 * The message lifecycle over REST (PATCH/DELETE a message, PUT/DELETE a reaction): the
 * route table's entries, their validation and the service's permission rules as a client
 * meets them.
 */

let api: TestApi;
let ann: RegisteredUser;
let ben: RegisteredUser;
let cat: RegisteredUser;
let eve: RegisteredUser;
let direct: Conversation;
let group: Conversation;
let benUpdates: EventLog<'message:updated'>;

beforeAll(async () => {
  api = await startTestApi({ config: { rateLimits: false } });
  [ann, ben, cat, eve] = await Promise.all([
    registerUser(api),
    registerUser(api),
    registerUser(api),
    registerUser(api),
  ]);
  direct = await openDirect(api, ann.accessToken, ben.user.id);
  // Cat creates the group, so she is its admin; Ann and Ben are members.
  group = await createGroup(api, cat.accessToken, [ann.user.id, ben.user.id]);
  benUpdates = new EventLog(await api.connect(ben.accessToken), 'message:updated');
});
afterAll(async () => {
  await api.close();
});

const messagePath = (conversationId: string, seq: number | string) =>
  `/api/conversations/${conversationId}/messages/${seq}`;
const reactionPath = (conversationId: string, seq: number, emoji: string) =>
  `${messagePath(conversationId, seq)}/reactions/${encodeURIComponent(emoji)}`;

const edit = (token: string, conversationId: string, seq: number | string, body: unknown) =>
  api.http.request<Message>('PATCH', messagePath(conversationId, seq), { token, body: { body } });
const remove = (token: string, conversationId: string, seq: number | string) =>
  api.http.request('DELETE', messagePath(conversationId, seq), { token });
const react = (token: string, conversationId: string, seq: number, emoji: string, on = true) =>
  api.http.request(on ? 'PUT' : 'DELETE', reactionPath(conversationId, seq, emoji), { token });

async function current(token: string, conversationId: string, seq: number): Promise<Message> {
  const response = await api.http.get(`/api/conversations/${conversationId}/messages`, {
    token,
    query: { around: seq, limit: 1 },
  });
  expect(response.status).toBe(200);
  const [message] = HistoryResponse.parse(response.body).messages;
  if (!message) throw new Error(`no message ${seq}`);
  return message;
}

function expectError(response: RestResponse<unknown>, status: number, code: string) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(errorOf(response).code).toBe(code);
}

describe('PATCH a message', () => {
  test('the sender edits: 200 with the message, mentions recomputed, members told', async () => {
    const sent = await postMessage(api, ann.accessToken, direct.id, 'helo');
    const response = await edit(
      ann.accessToken,
      direct.id,
      sent.seq,
      `hello @${ben.user.username}`,
    );
    expect(response.status).toBe(200);
    const edited = Message.parse(response.body);
    expect(edited).toMatchObject({
      id: sent.id,
      body: `hello @${ben.user.username}`,
      mentions: [ben.user.id],
    });
    expect(edited.editedAt).not.toBeNull();
    expect(edited.rev).toBeGreaterThan(sent.rev);
    const told = await benUpdates.waitFor((m) => m.id === sent.id && m.rev === edited.rev);
    expect(told.body).toBe(edited.body);
    expect(await current(ben.accessToken, direct.id, sent.seq)).toEqual(edited);
  });

  test('only the sender edits: 403 for another member, even a group admin', async () => {
    const sent = await postMessage(api, ann.accessToken, group.id, 'mine');
    expectError(await edit(ben.accessToken, group.id, sent.seq, 'theirs'), 403, 'forbidden');
    expectError(await edit(cat.accessToken, group.id, sent.seq, 'admin'), 403, 'forbidden');
    expect((await current(ann.accessToken, group.id, sent.seq)).body).toBe('mine');
  });

  test('a deleted message cannot be edited (403)', async () => {
    const sent = await postMessage(api, ann.accessToken, direct.id, 'soon gone');
    expect((await remove(ann.accessToken, direct.id, sent.seq)).status).toBe(204);
    expectError(await edit(ann.accessToken, direct.id, sent.seq, 'back'), 403, 'forbidden');
  });

  test('non-members get 404, and so does a seq with no message', async () => {
    const sent = await postMessage(api, ann.accessToken, direct.id, 'private');
    expectError(await edit(eve.accessToken, direct.id, sent.seq, 'x'), 404, 'not_found');
    expectError(await edit(ann.accessToken, direct.id, 999_999, 'x'), 404, 'not_found');
    expectError(await edit(ann.accessToken, 'no-such-conversation', 1, 'x'), 404, 'not_found');
  });

  test('a bad seq or body is 400, an over-long body 413', async () => {
    const sent = await postMessage(api, ann.accessToken, direct.id, 'fine');
    expectError(await edit(ann.accessToken, direct.id, 'abc', 'x'), 400, 'invalid_request');
    expectError(await edit(ann.accessToken, direct.id, 0, 'x'), 400, 'invalid_request');
    expectError(await edit(ann.accessToken, direct.id, sent.seq, '   '), 400, 'invalid_request');
    expectError(await edit(ann.accessToken, direct.id, sent.seq, 42), 400, 'invalid_request');
    expectError(
      await edit(ann.accessToken, direct.id, sent.seq, 'x'.repeat(LIMITS.messageBodyMax + 1)),
      413,
      'payload_too_large',
    );
  });

  test('without a token: 401', async () => {
    expectError(
      await api.http.request('PATCH', messagePath(direct.id, 1), { body: { body: 'x' } }),
      401,
      'unauthorized',
    );
  });
});

describe('DELETE a message', () => {
  test('the sender deletes: 204, a tombstone for everyone, twice is 204', async () => {
    const sent = await postMessage(api, ann.accessToken, direct.id, 'a leaked password');
    expect((await react(ben.accessToken, direct.id, sent.seq, '👍')).status).toBe(204);
    expect((await remove(ann.accessToken, direct.id, sent.seq)).status).toBe(204);
    const tombstone = await current(ben.accessToken, direct.id, sent.seq);
    expect(tombstone).toMatchObject({ body: '', reactions: [], mentions: [] });
    expect(tombstone.deletedAt).not.toBeNull();
    await benUpdates.waitFor((m) => m.id === sent.id && m.deletedAt !== null);
    expect((await remove(ann.accessToken, direct.id, sent.seq)).status).toBe(204);
  });

  test('a group admin deletes any message of the group; another member may not', async () => {
    const sent = await postMessage(api, ann.accessToken, group.id, 'off topic');
    expectError(await remove(ben.accessToken, group.id, sent.seq), 403, 'forbidden');
    expect((await current(ann.accessToken, group.id, sent.seq)).deletedAt).toBeNull();
    expect((await remove(cat.accessToken, group.id, sent.seq)).status).toBe(204);
    expect((await current(ann.accessToken, group.id, sent.seq)).deletedAt).not.toBeNull();
  });

  test("in a direct conversation nobody deletes the other's message", async () => {
    const sent = await postMessage(api, ann.accessToken, direct.id, 'stays');
    expectError(await remove(ben.accessToken, direct.id, sent.seq), 403, 'forbidden');
  });

  test('non-members get 404', async () => {
    const sent = await postMessage(api, ann.accessToken, group.id, 'members only');
    expectError(await remove(eve.accessToken, group.id, sent.seq), 404, 'not_found');
    expect((await current(ann.accessToken, group.id, sent.seq)).deletedAt).toBeNull();
  });
});

describe('PUT and DELETE a reaction', () => {
  test('both idempotent; the emoji arrives URL-decoded; members are told', async () => {
    const sent = await postMessage(api, ann.accessToken, direct.id, 'react to me');
    const family = '👨‍👩‍👧';
    expect((await react(ben.accessToken, direct.id, sent.seq, family)).status).toBe(204);
    expect((await react(ben.accessToken, direct.id, sent.seq, family)).status).toBe(204);
    expect((await react(ann.accessToken, direct.id, sent.seq, family)).status).toBe(204);
    expect((await current(ann.accessToken, direct.id, sent.seq)).reactions).toEqual([
      { emoji: family, userIds: [ben.user.id, ann.user.id] },
    ]);
    await benUpdates.waitFor((m) => m.id === sent.id && m.reactions.length === 1);
    expect((await react(ben.accessToken, direct.id, sent.seq, family, false)).status).toBe(204);
    expect((await react(ben.accessToken, direct.id, sent.seq, family, false)).status).toBe(204);
    expect((await current(ann.accessToken, direct.id, sent.seq)).reactions).toEqual([
      { emoji: family, userIds: [ann.user.id] },
    ]);
  });

  test('a bad emoji is 400', async () => {
    const sent = await postMessage(api, ann.accessToken, direct.id, 'emoji only');
    for (const bad of ['a', '👍👍', ':+1:', 'x'.repeat(100)]) {
      expectError(await react(ben.accessToken, direct.id, sent.seq, bad), 400, 'invalid_request');
    }
    expect((await current(ann.accessToken, direct.id, sent.seq)).reactions).toEqual([]);
  });

  test('a 21st different emoji is 400; the 20 stay', async () => {
    const sent = await postMessage(api, ann.accessToken, direct.id, 'popular');
    // 21 emoji, each a single code point.
    const emoji = Array.from({ length: LIMITS.reactionsPerMessageMax + 1 }, (_, i) =>
      String.fromCodePoint(0x1f600 + i),
    );
    expect(emoji).toHaveLength(LIMITS.reactionsPerMessageMax + 1);
    for (const e of emoji.slice(0, LIMITS.reactionsPerMessageMax)) {
      expect((await react(ben.accessToken, direct.id, sent.seq, e)).status).toBe(204);
    }
    const last = emoji[LIMITS.reactionsPerMessageMax] ?? '';
    expectError(await react(ben.accessToken, direct.id, sent.seq, last), 400, 'invalid_request');
    const reactions = (await current(ann.accessToken, direct.id, sent.seq)).reactions;
    expect(reactions.map((r) => r.emoji)).toEqual(emoji.slice(0, LIMITS.reactionsPerMessageMax));
  });

  test('a deleted message takes no reaction (403); non-members get 404', async () => {
    const sent = await postMessage(api, ann.accessToken, group.id, 'gone soon');
    expectError(await react(eve.accessToken, group.id, sent.seq, '👍'), 404, 'not_found');
    expectError(await react(eve.accessToken, group.id, sent.seq, '👍', false), 404, 'not_found');
    expect((await remove(ann.accessToken, group.id, sent.seq)).status).toBe(204);
    expectError(await react(ben.accessToken, group.id, sent.seq, '👍'), 403, 'forbidden');
  });
});
