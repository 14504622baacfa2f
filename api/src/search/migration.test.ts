import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../store/sqlite';
import { MIGRATIONS, migrate, type Migration } from '../store/sqlite/migrations';
import { checkSearchFile, searchFileMatches } from '../store/sqlite/search-file';
import { searchTerms } from '../store/search-terms';

/**
 * Migration 7 builds the search index for a database that already has messages, whether
 * it comes from version 5 or from 6 (another feature's step, which only must not be
 * needed by this one).
 */

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function oldDatabase(upTo: readonly Migration[]): Promise<{ path: string; ids: Ids }> {
  const dir = await mkdtemp(join(tmpdir(), 'chat-search-migration-'));
  dirs.push(dir);
  const path = join(dir, 'chat.db');
  const db = new Database(path);
  migrate(db, upTo);
  const ids = seed(db);
  db.close();
  return { path, ids };
}

interface Ids {
  alice: string;
  bob: string;
  conversation: string;
}

function seed(db: Database.Database): Ids {
  const ids = { alice: randomUUID(), bob: randomUUID(), conversation: randomUUID() };
  const now = Date.now();
  const user = db.prepare(
    `INSERT INTO users (id, username, display_name, display_name_lower, password_hash, created_at)
     VALUES (?, ?, ?, ?, 'x', ?)`,
  );
  user.run(ids.alice, 'alice', 'Alice', 'alice', now);
  user.run(ids.bob, 'bob', 'Bob', 'bob', now);
  db.prepare(
    `INSERT INTO conversations (id, type, direct_key, created_at, last_seq, last_activity_at, rev)
     VALUES (?, 'direct', ?, ?, 3, ?, 3)`,
  ).run(ids.conversation, [ids.alice, ids.bob].sort().join(':'), now, now);
  const member = db.prepare(
    'INSERT INTO conversation_members (conversation_id, user_id, position) VALUES (?, ?, ?)',
  );
  member.run(ids.conversation, ids.alice, 0);
  member.run(ids.conversation, ids.bob, 1);
  const message = db.prepare(
    `INSERT INTO messages (id, conversation_id, seq, sender_id, client_id, body, created_at, rev,
       deleted_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  message.run(randomUUID(), ids.conversation, 1, ids.alice, 'c1', 'Old café address', now, 1, null);
  message.run(
    randomUUID(),
    ids.conversation,
    2,
    ids.bob,
    'c2',
    'the decision was yes',
    now + 1,
    2,
    null,
  );
  // A tombstone written before search: its body is '' already.
  message.run(randomUUID(), ids.conversation, 3, ids.bob, 'c3', '', now + 2, 3, now + 3);
  return ids;
}

const terms = (text: string) => searchTerms(text);

describe('migration 7: the search index', () => {
  it('indexes older messages in the background, with their text as it is when reached', async () => {
    const { path, ids } = await oldDatabase(MIGRATIONS.filter((m) => m.version <= 5));
    const store = openSqliteStore(path);
    try {
      // Changed before (or while) the background pass reaches it: the index must end up
      // with the current text only, and stay consistent.
      await store.messages.edit(ids.conversation, 2, { body: 'the verdict was no', mentions: [] });
      await store.messages.remove(ids.conversation, 1);
      const { message } = await store.messages.append({
        conversationId: ids.conversation,
        senderId: ids.alice,
        clientId: 'new',
        body: 'a brand new café',
      });
      await store.searchIndexed;
      const search = (text: string) =>
        store.messages.search({ userId: ids.alice, terms: terms(text), limit: 10 });
      expect((await search('cafe')).map((m) => m.id)).toEqual([message.id]);
      expect(await search('decision')).toEqual([]);
      expect((await search('verdict')).map((m) => m.seq)).toEqual([2]);
      checkSearchFile(path);
    } finally {
      await store.close();
    }
  });

  for (const [from, steps] of [
    ['5', MIGRATIONS.filter((m) => m.version <= 5)],
    // The release with accounts (version 6) but before search.
    ['6', MIGRATIONS.filter((m) => m.version <= 6)],
  ] as const) {
    it(`makes the messages of a version ${from} database searchable`, async () => {
      const { path, ids } = await oldDatabase(steps);
      const store = openSqliteStore(path);
      try {
        await store.searchIndexed;
        const found = await store.messages.search({
          userId: ids.bob,
          terms: terms('cafe addr'),
          limit: 10,
        });
        expect(found.map((m) => m.body)).toEqual(['Old café address']);
        const decision = await store.messages.search({
          userId: ids.alice,
          terms: terms('decision'),
          limit: 10,
        });
        expect(decision.map((m) => m.seq)).toEqual([2]);
        // And it stays in step with what is written after the migration.
        await store.messages.edit(ids.conversation, 1, {
          body: 'new bistro address',
          mentions: [],
        });
        expect(
          await store.messages.search({ userId: ids.bob, terms: terms('cafe'), limit: 10 }),
        ).toEqual([]);
        const versions = store.database
          .prepare<[], { version: number }>(
            'SELECT version FROM schema_migrations ORDER BY version',
          )
          .all()
          .map((r) => r.version);
        expect(versions).toContain(7);
        expect(searchFileMatches(path, 'body : "address"*').length).toBeGreaterThan(0);
        // The index checks out.
        checkSearchFile(path);
      } finally {
        await store.close();
      }
    });
  }
});

describe('migration 12: new messages indexed once per group commit', () => {
  /** What the index finds for a word, by seq: the same join the store's search makes. */
  const indexFinds = (db: Database.Database, word: string) =>
    db
      .prepare<[string], { seq: number }>(
        `SELECT m.seq FROM messages_fts f JOIN messages m ON m.rowid = f.rowid
         WHERE messages_fts MATCH ? ORDER BY f.rowid DESC`,
      )
      .all(`body : "${word}"*`)
      .map((row) => row.seq);
  const WORDS = ['cafe', 'address', 'decision', 'verdict', 'yes', 'no', 'fresh', 'bistro'];

  /** A version 11 file with messages, one edited and one deleted through the old triggers. */
  async function release11(): Promise<{ path: string; ids: Ids; before: number[][] }> {
    const { path, ids } = await oldDatabase(MIGRATIONS.filter((m) => m.version <= 11));
    const db = new Database(path);
    try {
      db.prepare(
        "UPDATE messages SET body = 'the verdict was no', rev = 4 WHERE conversation_id = ? AND seq = 2",
      ).run(ids.conversation);
      db.prepare('UPDATE conversations SET rev = 4 WHERE id = ?').run(ids.conversation);
      return { path, ids, before: WORDS.map((word) => indexFinds(db, word)) };
    } finally {
      db.close();
    }
  }

  it('finds the same messages after the upgrade as before it', async () => {
    const { path, ids, before } = await release11();
    expect(before).toEqual([[1], [1], [], [2], [], [2], [], []]);
    const store = openSqliteStore(path);
    try {
      // Migration 14 moved the index to the search file, rebuilt there by its thread.
      await store.searchIndexed;
      await store.messages.search({ userId: ids.bob, terms: terms('cafe'), limit: 1 });
      const seqOf = new Map(
        store.database
          .prepare<[], { key: number; seq: number }>('SELECT key, seq FROM messages')
          .all()
          .map((row) => [row.key, row.seq]),
      );
      expect(
        WORDS.map((word) =>
          searchFileMatches(path, `body : "${word}"*`).map((key) => seqOf.get(key)),
        ),
      ).toEqual(before);
      const search = async (text: string) =>
        (await store.messages.search({ userId: ids.bob, terms: terms(text), limit: 10 })).map(
          (m) => m.seq,
        );
      expect(await search('cafe')).toEqual([1]);
      expect(await search('verdict')).toEqual([2]);
      expect(await search('decision')).toEqual([]);
      checkSearchFile(path);
    } finally {
      await store.close();
    }
  });

  for (const start of ['fresh', 'upgraded'] as const) {
    it(`keeps the index exact through sends, edits and deletions (${start})`, async () => {
      let ids: Ids;
      let path: string;
      if (start === 'upgraded') {
        ({ path, ids } = await release11());
      } else {
        const dir = await mkdtemp(join(tmpdir(), 'chat-search-migration-'));
        dirs.push(dir);
        path = join(dir, 'chat.db');
        const db = new Database(path);
        migrate(db);
        ids = seed(db);
        db.close();
      }
      const store = openSqliteStore(path);
      try {
        const search = async (text: string) =>
          (await store.messages.search({ userId: ids.alice, terms: terms(text), limit: 10 })).map(
            (m) => m.body,
          );
        // Each searched for as soon as its send is acknowledged, several in one group commit.
        const sent = await Promise.all(
          ['fresh bread', 'fresh fish', 'stale bread'].map((body, i) =>
            store.messages.append({
              conversationId: ids.conversation,
              senderId: ids.alice,
              clientId: `after-${i}`,
              body,
            }),
          ),
        );
        expect(await search('fresh')).toEqual(['fresh fish', 'fresh bread']);
        await store.messages.edit(ids.conversation, sent[0]?.message.seq ?? 0, {
          body: 'rye loaf',
          mentions: [],
        });
        await store.messages.remove(ids.conversation, sent[1]?.message.seq ?? 0);
        await store.messages.edit(ids.conversation, 1, {
          body: 'new bistro address',
          mentions: [],
        });
        expect(await search('fresh')).toEqual([]);
        expect(await search('bread')).toEqual(['stale bread']);
        expect(await search('rye')).toEqual(['rye loaf']);
        expect(await search('address')).toEqual(['new bistro address']);
        expect(await search('cafe')).toEqual([]);
        // Changed in the very group commit that stores it, before the group indexes it.
        const seq = (sent.at(-1)?.message.seq ?? 0) + 1;
        await Promise.all([
          store.messages.append({
            conversationId: ids.conversation,
            senderId: ids.alice,
            clientId: 'changed-at-once',
            body: 'early draft',
          }),
          store.messages.edit(ids.conversation, seq, { body: 'final copy', mentions: [] }),
        ]);
        expect(await search('early')).toEqual([]);
        expect(await search('final')).toEqual(['final copy']);
        checkSearchFile(path);
      } finally {
        await store.close();
      }
    });
  }

  it('indexes the messages that reuse the keys of deleted newest rows', async () => {
    const { path, ids } = await release11();
    let store = openSqliteStore(path);
    await store.messages.append({
      conversationId: ids.conversation,
      senderId: ids.alice,
      clientId: 'doomed',
      body: 'doomed words',
    });
    await store.close();
    // An operator's clean-up: the newest rows go, so SQLite gives their keys out again.
    const db = new Database(path);
    db.exec('DELETE FROM messages WHERE seq >= 3');
    db.prepare('UPDATE conversations SET last_seq = 2 WHERE id = ?').run(ids.conversation);
    db.close();
    store = openSqliteStore(path);
    try {
      const { message } = await store.messages.append({
        conversationId: ids.conversation,
        senderId: ids.alice,
        clientId: 'reborn',
        body: 'reborn words',
      });
      const found = await store.messages.search({
        userId: ids.alice,
        terms: terms('words'),
        limit: 10,
      });
      expect(found.map((m) => m.id)).toEqual([message.id]);
      checkSearchFile(path);
    } finally {
      await store.close();
    }
  });
});

describe('migration 14: the search index in a file of its own', () => {
  it("rebuilds a release-13 file's index beside it and keeps it exact afterwards", async () => {
    const { path, ids } = await oldDatabase(MIGRATIONS.filter((m) => m.version <= 13));
    // Seeded by hand, so not in the release's index: the new one is built from the messages.
    const old = new Database(path);
    expect(
      old.prepare("SELECT 1 FROM messages_fts WHERE messages_fts MATCH 'cafe'").all(),
    ).toHaveLength(0);
    old.close();
    const store = openSqliteStore(path);
    try {
      const tables = store.database
        .prepare<[], string>("SELECT name FROM sqlite_schema WHERE name LIKE '%fts%'")
        .pluck(true)
        .all();
      expect(tables).toEqual([]);
      await store.searchIndexed;
      // Nothing searched yet: the thread rebuilt the older messages by itself.
      expect(searchFileMatches(path, 'body : "cafe"*')).toHaveLength(1);
      const search = async (text: string) =>
        (await store.messages.search({ userId: ids.bob, terms: terms(text), limit: 10 })).map(
          (m) => m.seq,
        );
      expect(await search('decision')).toEqual([2]);
      await store.messages.edit(ids.conversation, 2, { body: 'the verdict was no', mentions: [] });
      await store.messages.remove(ids.conversation, 1);
      expect(await search('decision')).toEqual([]);
      expect(await search('verdict')).toEqual([2]);
      expect(await search('cafe')).toEqual([]);
      checkSearchFile(path);
    } finally {
      await store.close();
    }
  });
});
