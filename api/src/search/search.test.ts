import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LIMITS, SearchResponse, type Conversation, type Message } from '@chat/protocol';
import {
  createGroup,
  errorOf,
  openDirect,
  postMessage,
  registerUser,
  startTestApi,
  type RegisteredUser,
  type TestApi,
} from '../../test/helpers';

/** `GET /api/search` as a client meets it: validation, membership, paging, snippets. */

let api: TestApi;
let ann: RegisteredUser;
let ben: RegisteredUser;
let cat: RegisteredUser;
let direct: Conversation;
let group: Conversation;

beforeAll(async () => {
  api = await startTestApi({ config: { rateLimits: false } });
  [ann, ben, cat] = await Promise.all([registerUser(api), registerUser(api), registerUser(api)]);
  direct = await openDirect(api, ann.accessToken, ben.user.id);
  group = await createGroup(api, cat.accessToken, [ann.user.id, ben.user.id]);
});
afterAll(async () => {
  await api.close();
});

const search = (token: string, query: Record<string, string | number>) =>
  api.http.get<SearchResponse>('/api/search', { token, query });

async function found(token: string, query: Record<string, string | number>) {
  const response = await search(token, query);
  expect(response.status).toBe(200);
  return SearchResponse.parse(response.body);
}

describe('GET /api/search', () => {
  test('finds a message by a word prefix, accent-insensitively, with a marked snippet', async () => {
    const sent = await postMessage(
      api,
      ben.accessToken,
      direct.id,
      'Rendez-vous au Café <b>Flore</b>',
    );
    const page = await found(ann.accessToken, { q: 'cafe flo' });
    expect(page.next).toBeNull();
    expect(page.results).toHaveLength(1);
    const [result] = page.results;
    expect(result?.message).toMatchObject({ id: sent.id, seq: sent.seq, body: sent.body });
    expect(result?.conversationId).toBe(direct.id);
    expect(result?.snippet).toBe('Rendez-vous au <<Café>> <b><<Flore>></b>');
  });

  test('requires a session', async () => {
    const response = await api.http.get('/api/search', { query: { q: 'x' } });
    expect(response.status).toBe(401);
  });

  test('refuses a missing, empty or too long query, too many words and a bad limit', async () => {
    const queries: Record<string, string | number>[] = [
      {},
      { q: '' },
      { q: 'x'.repeat(10_000) },
      { q: 'x'.repeat(LIMITS.searchQueryMax + 1) },
      { q: Array.from({ length: LIMITS.searchTermsMax + 1 }, (_, i) => `w${i}`).join(' ') },
      { q: 'cafe', limit: 0 },
      { q: 'cafe', limit: LIMITS.searchLimitMax + 1 },
      { q: 'cafe', limit: 'ten' },
      { q: 'cafe', before: 'not a cursor!' },
      { q: 'cafe', before: Buffer.from('a b').toString('base64url') },
      { q: 'cafe', before: 'A' },
    ];
    for (const query of queries) {
      const response = await search(ann.accessToken, query);
      expect(response.status, JSON.stringify(query).slice(0, 80)).toBe(400);
      expect(errorOf(response).code).toBe('invalid_request');
    }
  });

  test('hostile text is plain words: results or 400, never a server error', async () => {
    await postMessage(api, ann.accessToken, direct.id, 'tea OR coffee NEAR the door');
    for (const q of [
      '"',
      '"unbalanced',
      '*',
      'NEAR(tea coffee)',
      'tea OR',
      'body:tea',
      '!!!',
      '\u0000',
    ]) {
      const response = await search(ann.accessToken, { q });
      expect([200, 400], q).toContain(response.status);
    }
    const page = await found(ann.accessToken, { q: 'tea OR coffee' });
    expect(page.results.map((r) => r.message.body)).toEqual(['tea OR coffee NEAR the door']);
    expect(await found(ann.accessToken, { q: '?!…' })).toEqual({ results: [], next: null });
  });

  test('only the caller’s conversations; another conversation is 404', async () => {
    const other = await openDirect(api, ben.accessToken, cat.user.id);
    await postMessage(api, cat.accessToken, other.id, 'zebra crossing');
    expect((await found(ann.accessToken, { q: 'zebra' })).results).toEqual([]);
    expect((await found(ben.accessToken, { q: 'zebra' })).results).toHaveLength(1);
    const response = await search(ann.accessToken, { q: 'zebra', conversationId: other.id });
    expect(response.status).toBe(404);
    expect(errorOf(response).code).toBe('not_found');
  });

  test('a member removed from a group stops finding its messages', async () => {
    await postMessage(api, cat.accessToken, group.id, 'walrus budget');
    expect((await found(ben.accessToken, { q: 'walrus' })).results).toHaveLength(1);
    const removed = await api.http.request(
      'DELETE',
      `/api/conversations/${group.id}/members/${ben.user.id}`,
      { token: cat.accessToken },
    );
    expect(removed.status).toBeLessThan(300);
    expect((await found(ben.accessToken, { q: 'walrus' })).results).toEqual([]);
    expect((await search(ben.accessToken, { q: 'walrus', conversationId: group.id })).status).toBe(
      404,
    );
  });

  test('pages newest first with next, within one conversation when asked', async () => {
    const sent: Message[] = [];
    for (let i = 0; i < 5; i++) {
      sent.push(await postMessage(api, ann.accessToken, direct.id, `ledger entry ${i}`));
    }
    await postMessage(api, cat.accessToken, group.id, 'ledger elsewhere');
    const seen: string[] = [];
    let before: string | undefined;
    for (let guard = 0; guard < 10; guard++) {
      const page = await found(ann.accessToken, {
        q: 'ledger',
        conversationId: direct.id,
        limit: 2,
        ...(before === undefined ? {} : { before }),
      });
      seen.push(...page.results.map((r) => r.message.id));
      if (page.next === null) break;
      before = page.next;
    }
    expect(new Set(seen).size).toBe(5);
    expect([...seen].sort()).toEqual(sent.map((m) => m.id).sort());
    const times = seen.map((id) => sent.find((m) => m.id === id)?.createdAt ?? '');
    expect(times).toEqual([...times].sort().reverse());
    expect((await found(ann.accessToken, { q: 'ledger' })).results).toHaveLength(6);
  });
});
