import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  openDirect,
  postMessage,
  registerUser,
  startTestApi,
  uploadFile,
  type TestApi,
} from '../../test/helpers';
import { openSqliteStore, type SqliteStore } from '../store/sqlite';
import type { HistoryRange, MessageStore } from '../store/types';
import { PageViews } from './page-views';
import { withAttachments } from './views';

/** A page's JSON as a string; bytes are compared as their UTF-8 decoding. */
const text = (json: Buffer | string) => (typeof json === 'string' ? json : json.toString('utf8'));

/**
 * History pages from kept views against pages built from records every time (what the
 * REST answer was before the views were kept), byte for byte, through every kind of
 * change, made by this store or by another connection to the same file (another API
 * process).
 */
describe('PageViews', () => {
  let dir: string;
  let one: SqliteStore;
  let two: SqliteStore;
  let conversationId: string;
  let alice: string;
  let bob: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chat-page-views-'));
    one = openSqliteStore(join(dir, 'chat.sqlite'));
    two = openSqliteStore(join(dir, 'chat.sqlite'));
    const user = async (name: string) =>
      (
        await one.users.create({
          username: `${name}${randomUUID().slice(0, 8)}`,
          displayName: name,
          passwordHash: 'not a real hash',
        })
      ).id;
    alice = await user('alice');
    bob = await user('bob');
    conversationId = (await one.conversations.findOrCreateDirect(alice, bob)).conversation.id;
  });

  afterEach(async () => {
    await one.close();
    await two.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const send = (store: SqliteStore, body: string, more: { replyToSeq?: number } = {}) =>
    store.messages.append({
      conversationId,
      senderId: alice,
      clientId: randomUUID(),
      body,
      mentions: body.includes('@') ? [bob] : [],
      ...more,
    });

  /** The answer as it is built without kept views: records, attachments, stringify. */
  const fresh = async (range: HistoryRange) =>
    JSON.stringify({
      messages: await withAttachments(
        await one.messages.list(conversationId, range),
        one.attachments,
      ),
    });

  /** Counts what the store read in full (records) and what it only checked (versions). */
  const counting = (store: MessageStore) => {
    const counts = { records: 0, versions: 0 };
    const listKnown = store.listKnown?.bind(store);
    if (!listKnown) throw new Error('the SQLite store lists known pages');
    const wrapped: Pick<MessageStore, 'list' | 'listKnown'> = {
      list: (id, range) => store.list(id, range),
      listKnown: async (id, range, holds) => {
        const page = await listKnown(id, range, holds);
        for (const entry of page) {
          if ('id' in entry) counts.records++;
          else counts.versions++;
        }
        return page;
      },
    };
    return { wrapped, counts };
  };

  const RANGES: HistoryRange[] = [
    { limit: 50 },
    { limit: 5 },
    { limit: 4, before: 10 },
    { limit: 6, after: 3 },
    { limit: 5, after: 2, before: 9 },
    { limit: 7, around: 8 },
    { limit: 10, changedAfter: 12 },
    { limit: 0 },
  ];

  const expectSamePages = async (views: PageViews) => {
    for (const range of RANGES) {
      const expected = await fresh(range);
      const page = await views.page(conversationId, range);
      expect(text(page.json), JSON.stringify(range)).toBe(expected);
      const messages = (JSON.parse(expected) as { messages: { seq: number }[] }).messages;
      expect(page.seqs).toEqual(messages.map((m) => m.seq));
    }
  };

  it('answers as records built afresh do, and reads only changed messages in full', async () => {
    for (let i = 1; i <= 20; i++) {
      await send(one, i % 4 === 0 ? `hi @bob number ${i}` : `message ${i} "quoted" \\ ✓ 😀`);
    }
    await send(one, 'a reply', { replyToSeq: 3 });
    const { wrapped, counts } = counting(one.messages);
    const views = new PageViews(wrapped, one.attachments);
    await expectSamePages(views);
    expect(counts.records).toBeGreaterThan(0);

    counts.records = 0;
    counts.versions = 0;
    await expectSamePages(views);
    expect(counts.records).toBe(0);
    expect(counts.versions).toBeGreaterThan(0);

    await one.messages.edit(conversationId, 2, { body: 'edited', mentions: [] });
    counts.records = 0;
    const page = await views.page(conversationId, { limit: 50 });
    expect(text(page.json)).toBe(await fresh({ limit: 50 }));
    expect(counts.records).toBe(1);
  });

  it('never answers a view another connection to the file has changed since', async () => {
    for (let i = 1; i <= 12; i++) await send(one, `message ${i}`);
    await send(one, 'replying to 5', { replyToSeq: 5 });
    await send(one, 'replying to 6', { replyToSeq: 6 });
    const views = new PageViews(one.messages, one.attachments);
    await expectSamePages(views);

    const other = two.messages;
    const changes: [string, () => Promise<unknown>][] = [
      ['an edit', () => other.edit(conversationId, 3, { body: 'new @bob', mentions: [bob] })],
      [
        'an edit of a quoted message',
        () => other.edit(conversationId, 6, { body: 'changed', mentions: [] }),
      ],
      ['a reaction', () => other.react(conversationId, 4, { userId: bob, emoji: '👍', on: true })],
      [
        'a second reaction',
        () => other.react(conversationId, 4, { userId: alice, emoji: '🎉', on: true }),
      ],
      [
        'a reaction taken back',
        () => other.react(conversationId, 4, { userId: bob, emoji: '👍', on: false }),
      ],
      ['the deletion of a quoted message', () => other.remove(conversationId, 5)],
      ['a new message', () => send(two, 'from the other process')],
      [
        'a system message',
        () =>
          other.append({
            conversationId,
            senderId: alice,
            clientId: randomUUID(),
            body: '',
            system: { event: 'title_changed', actorId: alice, userIds: [], title: 'T' },
          }),
      ],
      ['an attachment', () => attach(two, 7)],
      ['a second attachment', () => attach(two, 7)],
      ['an attachment to a deleted message', () => attach(two, 5)],
      ['the deletion of a message with attachments', () => other.remove(conversationId, 7)],
    ];
    for (const [name, change] of changes) {
      await change();
      for (const range of RANGES) {
        const page = await views.page(conversationId, range);
        expect(text(page.json), `${name}, ${JSON.stringify(range)}`).toBe(await fresh(range));
      }
    }
  });

  it('answers an unchanged page with the bytes it joined, and joins them again after a change', async () => {
    for (let i = 1; i <= 8; i++) await send(one, `message ${i}`);
    const views = new PageViews(one.messages, one.attachments);
    const first = await views.page(conversationId, { limit: 5 });
    expect((await views.page(conversationId, { limit: 5 })).json).toBe(first.json);
    // Another range of the same conversation is a page of its own.
    expect(text((await views.page(conversationId, { limit: 4 })).json)).toBe(
      await fresh({ limit: 4 }),
    );
    expect((await views.page(conversationId, { limit: 5 })).json).toBe(first.json);

    await two.messages.edit(conversationId, 6, { body: 'changed', mentions: [] });
    const edited = await views.page(conversationId, { limit: 5 });
    expect(edited.json).not.toBe(first.json);
    expect(text(edited.json)).toBe(await fresh({ limit: 5 }));
    await attach(two, 7);
    const attached = await views.page(conversationId, { limit: 5 });
    expect(text(attached.json)).toBe(await fresh({ limit: 5 }));
    expect(text(attached.json)).toContain('"attachments":[{');
  });

  it('keeps no more than its bound, and still answers every page right', async () => {
    for (let i = 1; i <= 60; i++) await send(one, `message ${i} ${'x'.repeat(i * 10)}`);
    const maxBytes = 8 * 1024;
    const views = new PageViews(one.messages, one.attachments, maxBytes);
    for (let round = 0; round < 2; round++) {
      await expectSamePages(views);
      expect(views.kept.bytes).toBeLessThanOrEqual(maxBytes);
      expect(views.kept.views).toBeGreaterThan(0);
      expect(views.kept.views).toBeLessThan(60);
    }
  });

  it('builds every page from records for a store without listKnown (MongoDB)', async () => {
    for (let i = 1; i <= 9; i++) await send(one, `message ${i}`);
    await attach(one, 2);
    const views = new PageViews(
      { list: (id, range) => one.messages.list(id, range) },
      one.attachments,
    );
    await expectSamePages(views);
    expect(views.kept.views).toBe(0);
  });

  /** An upload of Alice's attached to message `seq`, as a send with attachmentIds does. */
  const attach = async (store: SqliteStore, seq: number) => {
    const message = await store.messages.get(conversationId, seq);
    if (!message) throw new Error(`no message ${seq}`);
    const upload = await store.attachments.create({
      uploaderId: alice,
      name: `file "${seq}".webp`,
      contentType: 'image/webp',
      size: 1000 + seq,
      width: 20,
      height: 10,
      storageKey: `key-${randomUUID()}`,
      thumbnailKey: seq % 2 ? `thumb-${randomUUID()}` : null,
      thumbnailContentType: seq % 2 ? 'image/webp' : null,
      createdAt: new Date(),
    });
    const use = { kind: 'message', conversationId, messageId: message.id } as const;
    expect(await store.attachments.attach([upload.id], alice, use)).toBe(true);
  };
});

describe('GET /api/conversations/:id/messages from kept views', () => {
  let api: TestApi;
  afterEach(() => api.close());

  it('answers the JSON of the page, as JSON, the same when asked again and after changes', async () => {
    api = await startTestApi({ config: { rateLimits: false } });
    const ann = await registerUser(api);
    const ben = await registerUser(api);
    const direct = await openDirect(api, ann.accessToken, ben.user.id);
    for (let i = 1; i <= 6; i++) await postMessage(api, ann.accessToken, direct.id, `m${i} ✓`);
    const upload = await uploadFile(api, ann.accessToken, Buffer.from('notes'), 'notes.txt');
    const messages = api.app.services.messages;
    await messages.send(ann.user.id, direct.id, {
      clientId: 'with-a-file',
      body: 'a file',
      attachmentIds: [upload.body.id],
      replyToSeq: 2,
    });
    const path = `/api/conversations/${direct.id}/messages`;
    const get = async (query: string) => {
      const response = await fetch(`${api.url}${path}${query}`, {
        headers: { authorization: `Bearer ${ann.accessToken}` },
      });
      return {
        status: response.status,
        type: response.headers.get('content-type'),
        text: await response.text(),
      };
    };
    const expected = async (range: HistoryRange) =>
      JSON.stringify({ messages: await messages.history(ann.user.id, direct.id, range) });

    const first = await get('?limit=50');
    expect(first).toEqual({
      status: 200,
      type: 'application/json; charset=utf-8',
      text: await expected({ limit: 50 }),
    });
    expect(await get('?limit=50')).toEqual(first);
    await messages.react(ben.user.id, direct.id, 3, '👍', true);
    await messages.remove(ann.user.id, direct.id, 2);
    expect((await get('?limit=50')).text).toBe(await expected({ limit: 50 }));
    expect((await get('?limit=3&around=4')).text).toBe(await expected({ limit: 3, around: 4 }));
    const missing = await get('?limit=3&around=99');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text)).toMatchObject({ error: { code: 'not_found' } });
  });
});
