import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { aliceAndBobSearching } from '../../test/fixtures';
import { openSqliteStore, type SqliteStore } from '../store/sqlite';
import { ftsMatch } from '../store/sqlite/messages';
import { checkSearchFile, searchFileMatches } from '../store/sqlite/search-file';
import { searchTerms } from '../store/search-terms';

/**
 * What the SQLite search does beyond the store contract: the index stays in step with
 * every write, and someone in very many conversations (more than the full-text query
 * names) still finds only theirs.
 */

let dir: string;
let store: SqliteStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chat-search-sqlite-'));
  store = openSqliteStore(join(dir, 'chat.db'));
});
afterEach(async () => {
  vi.useRealTimers();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const user = (name: string) =>
  store.users.create({ username: name, displayName: name, passwordHash: 'x' });

/** Alice (`a`), Bob (`b`) and their direct conversation. */
async function aliceAndBob() {
  const a = await user('alice');
  const b = await user('bob');
  const { conversation } = await store.conversations.findOrCreateDirect(a.id, b.id);
  return { a, b, conversation };
}

describe('sqlite search', () => {
  it('finds only their own conversations for someone in more than 200 of them', async () => {
    const me = await user('me');
    const outsider = await user('outsider');
    const others = await Promise.all(Array.from({ length: 210 }, (_, i) => user(`u${i}`)));
    const mine = await Promise.all(
      others.map(
        async (other) =>
          (await store.conversations.findOrCreateDirect(me.id, other.id)).conversation,
      ),
    );
    const theirs = (await store.conversations.findOrCreateDirect(outsider.id, others[0]?.id ?? ''))
      .conversation;
    await Promise.all(
      mine.map((c, i) =>
        store.messages.append({
          conversationId: c.id,
          senderId: me.id,
          clientId: randomUUID(),
          body: `lighthouse ${i}`,
        }),
      ),
    );
    await store.messages.append({
      conversationId: theirs.id,
      senderId: outsider.id,
      clientId: randomUUID(),
      body: 'lighthouse outside',
    });
    const seen = new Set<string>();
    let beforeId: string | undefined;
    for (let guard = 0; guard < 20; guard++) {
      const page = await store.messages.search({
        userId: me.id,
        terms: searchTerms('lighthouse'),
        limit: 50,
        beforeId,
      });
      if (page.length === 0) break;
      for (const m of page) seen.add(m.conversationId);
      beforeId = page.at(-1)?.id;
    }
    expect(seen.size).toBe(210);
    expect(seen.has(theirs.id)).toBe(false);
    const only = await store.messages.search({
      userId: me.id,
      terms: searchTerms('lighthouse'),
      limit: 50,
      conversationId: mine[7]?.id,
    });
    expect(only.map((m) => m.body)).toEqual(['lighthouse 7']);
    checkSearchFile(join(dir, 'chat.db'));
  });

  it('keeps the index in step with sends, edits and deletions', async () => {
    const { a, conversation } = await aliceAndBob();
    const sent = await Promise.all(
      ['one apple', 'two apples', 'three pears'].map((body) =>
        store.messages.append({
          conversationId: conversation.id,
          senderId: a.id,
          clientId: randomUUID(),
          body,
        }),
      ),
    );
    // A search has the thread catch up first: the edit and the deletion change indexed ones.
    await store.messages.search({ userId: a.id, terms: searchTerms('apple'), limit: 1 });
    expect(indexedCount('apple')).toBe(2);
    await store.messages.edit(conversation.id, sent[0]?.message.seq ?? 0, {
      body: 'one plum',
      mentions: [],
    });
    await store.messages.remove(conversation.id, sent[1]?.message.seq ?? 0);
    // The queued changes reach the index by themselves, without a search.
    await expect.poll(() => indexedCount('apple'), { timeout: 5_000 }).toBe(0);
    expect(indexedCount('plum')).toBe(1);
    expect(indexedCount('pears')).toBe(1);
    checkSearchFile(join(dir, 'chat.db'));
  });

  it("deletes the queued changes from the messages' file once the thread applied them", async () => {
    const { a, conversation } = await aliceAndBob();
    const { message } = await store.messages.append({
      conversationId: conversation.id,
      senderId: a.id,
      clientId: randomUUID(),
      body: 'first draft',
    });
    await store.messages.edit(conversation.id, message.seq, { body: 'second draft', mentions: [] });
    const queued = () =>
      store.database.prepare<[], number>('SELECT count(*) FROM search_queue').pluck(true).get();
    await expect.poll(queued, { timeout: 5_000 }).toBe(0);
    expect(indexedCount('second')).toBe(1);
    expect(indexedCount('first')).toBe(0);
  });

  it('indexes a quiet tail by itself, without a search', async () => {
    const { a, conversation } = await aliceAndBob();
    await store.messages.append({
      conversationId: conversation.id,
      senderId: a.id,
      clientId: randomUUID(),
      body: 'a lone lighthouse',
    });
    await expect.poll(() => indexedCount('lighthouse'), { timeout: 5_000 }).toBe(1);
    checkSearchFile(join(dir, 'chat.db'));
  });

  it('indexes a burst as it goes, without waiting for a search', async () => {
    const { a, conversation } = await aliceAndBob();
    await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        store.messages.append({
          conversationId: conversation.id,
          senderId: a.id,
          clientId: randomUUID(),
          body: `harbour ${i}`,
        }),
      ),
    );
    await expect.poll(() => indexedCount('harbour'), { timeout: 5_000 }).toBe(500);
  });

  it('two stores on one file, each with its thread, index every message once', async () => {
    const { a, b, conversation } = await aliceAndBob();
    const other = openSqliteStore(join(dir, 'chat.db'));
    try {
      await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          (i % 2 === 0 ? store : other).messages.append({
            conversationId: conversation.id,
            senderId: a.id,
            clientId: randomUUID(),
            body: `across processes ${i}`,
          }),
        ),
      );
      // Each finds what the other stored: it has the threads catch up, whichever does it.
      const page = await other.messages.search({
        userId: b.id,
        terms: searchTerms('across'),
        limit: 500,
      });
      expect(page).toHaveLength(300);
      expect(
        await store.messages.search({ userId: b.id, terms: searchTerms('across 299'), limit: 10 }),
      ).toHaveLength(1);
      expect(indexedCount('across')).toBe(300);
    } finally {
      await other.close();
    }
    checkSearchFile(join(dir, 'chat.db'));
  });

  it('indexes what is stored when it closes, so a read-only opening of the file finds it all', async () => {
    const { a, b, conversation } = await aliceAndBob();
    await store.messages.append({
      conversationId: conversation.id,
      senderId: a.id,
      clientId: randomUUID(),
      body: 'the last word',
    });
    await store.close();
    expect(indexedCount('last')).toBe(1);
    store = openSqliteStore(join(dir, 'chat.db'), { readonly: true });
    const page = await store.messages.search({
      userId: b.id,
      terms: searchTerms('last'),
      limit: 5,
    });
    expect(page.map((m) => m.body)).toEqual(['the last word']);
  });

  it('keeps the index across close and reopen, and goes on from its marks', async () => {
    const { a, b, conversation } = await aliceAndBob();
    const send = (s: SqliteStore, body: string) =>
      s.messages.append({
        conversationId: conversation.id,
        senderId: a.id,
        clientId: randomUUID(),
        body,
      });
    const first = await send(store, 'before closing');
    await store.close();
    // Changed while no store had the file open: the queue waits in the messages' file.
    const db = new Database(join(dir, 'chat.db'));
    db.prepare('UPDATE messages SET body = ? WHERE id = ?').run(
      'changed meanwhile',
      first.message.id,
    );
    db.close();
    store = openSqliteStore(join(dir, 'chat.db'));
    await send(store, 'after reopening');
    const found = async (text: string) =>
      (await store.messages.search({ userId: b.id, terms: searchTerms(text), limit: 10 })).map(
        (m) => m.body,
      );
    expect(await found('closing')).toEqual([]);
    expect(await found('meanwhile')).toEqual(['changed meanwhile']);
    expect(await found('reopening')).toEqual(['after reopening']);
    checkSearchFile(join(dir, 'chat.db'));
  });

  it('rebuilds a removed search file, newest messages first', async () => {
    const { a, b, conversation } = await aliceAndBob();
    for (let i = 0; i < 5; i++) {
      await store.messages.append({
        conversationId: conversation.id,
        senderId: a.id,
        clientId: randomUUID(),
        body: `beacon ${i}`,
      });
    }
    await store.close();
    await rm(join(dir, 'chat.db.search'));
    store = openSqliteStore(join(dir, 'chat.db'));
    await store.searchIndexed;
    const page = await store.messages.search({
      userId: b.id,
      terms: searchTerms('beacon'),
      limit: 10,
    });
    expect(page.map((m) => m.body)).toEqual([4, 3, 2, 1, 0].map((i) => `beacon ${i}`));
    checkSearchFile(join(dir, 'chat.db'));
  });
});

/**
 * The order of things in the index's steps, made deterministic on an in-memory store: its
 * index is indexed only when a search asks (search-file.ts), so "not indexed yet" is a
 * state a test can hold.
 */
describe("sqlite search, changes and the index's steps", () => {
  let memory: SqliteStore;
  beforeEach(() => {
    memory = openSqliteStore(':memory:');
  });
  afterEach(async () => {
    await memory.close();
  });
  const memoryCount = (text: string) =>
    memory.database
      .prepare<[string], number>(
        'SELECT count(*) FROM search.messages_fts WHERE messages_fts MATCH ?',
      )
      .pluck(true)
      .get(ftsMatch(searchTerms(text)));

  it('edits and deletes messages not indexed yet, and a search then finds them as they are', async () => {
    const { conversation, send, found } = await aliceAndBobSearching(memory);
    const sent = await Promise.all(['one apple', 'two apples', 'three pears'].map(send));
    // Queued before the inserts are indexed: the queue's entries find them in the tail.
    await memory.messages.edit(conversation.id, sent[0]?.message.seq ?? 0, {
      body: 'one plum',
      mentions: [],
    });
    await memory.messages.remove(conversation.id, sent[1]?.message.seq ?? 0);
    expect(memoryCount('pears')).toBe(0);
    expect(await found('pears')).toEqual(['three pears']);
    expect(await found('apple')).toEqual([]);
    expect(await found('plum')).toEqual(['one plum']);
    expect(memoryCount('apple')).toBe(0);
    expect(memoryCount('plum')).toBe(1);
    // Indexed, then changed twice before the next step: the last body counts.
    await memory.messages.edit(conversation.id, sent[2]?.message.seq ?? 0, {
      body: 'three figs',
      mentions: [],
    });
    await memory.messages.edit(conversation.id, sent[2]?.message.seq ?? 0, {
      body: 'three dates',
      mentions: [],
    });
    expect(await found('pears')).toEqual([]);
    expect(await found('figs')).toEqual([]);
    expect(await found('dates')).toEqual(['three dates']);
    // The newest rows deleted outright (an operator's clean-up): their keys go to the next
    // messages, which the index then holds with their own words only.
    memory.database.prepare('DELETE FROM messages WHERE id = ?').run(sent[2]?.message.id);
    memory.database
      .prepare('UPDATE conversations SET last_seq = last_seq - 1 WHERE id = ?')
      .run(conversation.id);
    const reborn = await send('reborn words');
    expect(reborn.message.seq).toBe(sent[2]?.message.seq);
    expect(await found('dates')).toEqual([]);
    expect(await found('reborn')).toEqual(['reborn words']);
    expect(memoryCount('dates')).toBe(0);
    memory.database.exec(
      "INSERT INTO search.messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)",
    );
  });
});

/** Rows the search file's index holds for these words (what a search would match, any member). */
function indexedCount(text: string): number {
  return searchFileMatches(join(dir, 'chat.db'), ftsMatch(searchTerms(text))).length;
}
