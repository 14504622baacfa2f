import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../store/sqlite';
import { ftsMatch } from '../store/sqlite/messages';
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
    store.database.exec(
      "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)",
    );
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
    // A search indexes the new messages first: the edit and the deletion change indexed ones.
    await store.messages.search({ userId: a.id, terms: searchTerms('apple'), limit: 1 });
    expect(unindexed()).toBe(0);
    await store.messages.edit(conversation.id, sent[0]?.message.seq ?? 0, {
      body: 'one plum',
      mentions: [],
    });
    await store.messages.remove(conversation.id, sent[1]?.message.seq ?? 0);
    expect(indexedCount('apple')).toBe(0);
    expect(indexedCount('plum')).toBe(1);
    expect(indexedCount('pears')).toBe(1);
    integrityCheck();
  });

  it('edits and deletes messages not indexed yet, and a search then finds them as they are', async () => {
    const { a, b, conversation } = await aliceAndBob();
    // The clock stands still: no batch comes due by age, however slow the host.
    vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });
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
    await store.messages.edit(conversation.id, sent[0]?.message.seq ?? 0, {
      body: 'one plum',
      mentions: [],
    });
    await store.messages.remove(conversation.id, sent[1]?.message.seq ?? 0);
    // A few messages wait for a batch (or a search) before they are indexed.
    expect(unindexed()).toBe(3);
    expect(indexedCount('pears')).toBe(0);
    const found = async (text: string) =>
      (await store.messages.search({ userId: b.id, terms: searchTerms(text), limit: 10 })).map(
        (m) => m.body,
      );
    expect(await found('pears')).toEqual(['three pears']);
    expect(unindexed()).toBe(0);
    expect(await found('apple')).toEqual([]);
    expect(await found('plum')).toEqual(['one plum']);
    expect(indexedCount('apple')).toBe(0);
    expect(indexedCount('plum')).toBe(1);
    integrityCheck();
  });

  it('indexes a quiet tail by itself, without a search', async () => {
    const { a, conversation } = await aliceAndBob();
    await store.messages.append({
      conversationId: conversation.id,
      senderId: a.id,
      clientId: randomUUID(),
      body: 'a lone lighthouse',
    });
    expect(unindexed()).toBe(1);
    await expect.poll(() => indexedCount('lighthouse'), { timeout: 5_000 }).toBe(1);
    expect(unindexed()).toBe(0);
    integrityCheck();
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
    // 500 in one group commit: more than a batch, so indexed in that commit.
    expect(unindexed()).toBe(0);
    expect(indexedCount('harbour')).toBe(500);
  });

  it('a search through another connection to the file indexes the tail this one left', async () => {
    const { a, b, conversation } = await aliceAndBob();
    const other = openSqliteStore(join(dir, 'chat.db'));
    vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });
    try {
      await store.messages.append({
        conversationId: conversation.id,
        senderId: a.id,
        clientId: randomUUID(),
        body: 'across processes',
      });
      expect(unindexed()).toBe(1);
      const page = await other.messages.search({
        userId: b.id,
        terms: searchTerms('across'),
        limit: 10,
      });
      expect(page.map((m) => m.body)).toEqual(['across processes']);
      expect(unindexed()).toBe(0);
    } finally {
      await other.close();
    }
    integrityCheck();
  });

  it('indexes the tail when it closes, so a read-only opening of the file finds it all', async () => {
    const { a, b, conversation } = await aliceAndBob();
    vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });
    await store.messages.append({
      conversationId: conversation.id,
      senderId: a.id,
      clientId: randomUUID(),
      body: 'the last word',
    });
    expect(unindexed()).toBe(1);
    vi.useRealTimers();
    await store.close();
    store = openSqliteStore(join(dir, 'chat.db'), { readonly: true });
    expect(unindexed()).toBe(0);
    const page = await store.messages.search({
      userId: b.id,
      terms: searchTerms('last'),
      limit: 5,
    });
    expect(page.map((m) => m.body)).toEqual(['the last word']);
  });
});

/** Rows the search index holds for these words (what a search would match, any member). */
function indexedCount(text: string): number | undefined {
  return store.database
    .prepare<[string], { n: number }>(
      'SELECT count(*) AS n FROM messages_fts WHERE messages_fts MATCH ?',
    )
    .get(ftsMatch(searchTerms(text)))?.n;
}

/** Messages stored but not indexed yet (the tail, search_backfill.indexed_to up). */
function unindexed(): number | undefined {
  return store.database
    .prepare<[], { n: number }>(
      `SELECT count(*) AS n FROM messages
       WHERE key >= (SELECT indexed_to FROM search_backfill WHERE id = 1)`,
    )
    .get()?.n;
}

function integrityCheck(): void {
  store.database.exec(
    "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)",
  );
}
