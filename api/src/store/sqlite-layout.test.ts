import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from './sqlite';
import type { SqliteStore } from './sqlite';
import { timeOrderedId } from './sqlite/messages';
import { MIGRATIONS, migrate } from './sqlite/migrations';
import { MESSAGE_FIELDS } from './sqlite/rows';
import { checkSearchFile } from './sqlite/search-file';
import { searchTerms } from './search-terms';

/**
 * Migration 11: messages keyed by an INTEGER PRIMARY KEY. The search index refers to
 * messages by rowid; an implicit rowid may be renumbered by VACUUM, a declared one never.
 */

/** The release before migration 11. */
const RELEASE_10 = MIGRATIONS.filter((m) => m.version <= 10);
/** The last release with the search index in the messages' file (migration 14 moved it). */
const RELEASE_13 = MIGRATIONS.filter((m) => m.version <= 13);

let dir: string;
let path: string;
const opened: SqliteStore[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chat-sqlite-layout-'));
  path = join(dir, 'chat.db');
});
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  await rm(dir, { recursive: true, force: true });
});

const open = () => {
  const store = openSqliteStore(path);
  opened.push(store);
  return store;
};

interface Ids {
  alice: string;
  bob: string;
  conversation: string;
}

/** Two users in one direct conversation, written as any release since 6 writes them. */
function seedPeople(db: Database.Database): Ids {
  const ids = { alice: randomUUID(), bob: randomUUID(), conversation: randomUUID() };
  const user = db.prepare(
    `INSERT INTO users (id, username, display_name, display_name_lower, password_hash, created_at)
     VALUES (?, ?, ?, ?, 'x', 0)`,
  );
  user.run(ids.alice, 'alice', 'Alice', 'alice');
  user.run(ids.bob, 'bob', 'Bob', 'bob');
  db.prepare(
    `INSERT INTO conversations (id, type, direct_key, created_at, last_seq, last_activity_at, rev)
     VALUES (?, 'direct', ?, 0, 0, 0, 0)`,
  ).run(ids.conversation, JSON.stringify([ids.alice, ids.bob].sort()));
  const member = db.prepare(
    'INSERT INTO conversation_members (conversation_id, user_id, position) VALUES (?, ?, ?)',
  );
  member.run(ids.conversation, ids.alice, 0);
  member.run(ids.conversation, ids.bob, 1);
  return ids;
}

/** A word no other message's word begins with (so prefix matching finds only its own). */
const word = (seq: number) => `w${seq}x`;

/** Messages 1..count, each with its own word, as the store would write them. */
function seedMessages(db: Database.Database, ids: Ids, from: number, count: number): void {
  const message = db.prepare(
    `INSERT INTO messages (id, conversation_id, seq, sender_id, client_id, body, created_at, rev)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const bump = db.prepare(
    'UPDATE conversations SET last_seq = ?, rev = ?, last_activity_at = ? WHERE id = ?',
  );
  for (let seq = from; seq < from + count; seq++) {
    const sender = seq % 2 ? ids.alice : ids.bob;
    message.run(
      randomUUID(),
      ids.conversation,
      seq,
      sender,
      `c${seq}`,
      `note ${word(seq)}`,
      seq,
      seq,
    );
    bump.run(seq, seq, seq, ids.conversation);
  }
}

/** Whether the file is at migration 12 or later: new messages indexed by the store, not a trigger. */
const indexedByTheStore = (db: Database.Database) =>
  db
    .prepare("SELECT 1 FROM pragma_table_info('search_backfill') WHERE name = 'indexed_to'")
    .get() !== undefined;

/**
 * What the store did in a group commit after its messages (migrations 12-13): indexed them.
 * Before migration 12 a trigger did it as each was written.
 */
function indexNewMessages(db: Database.Database): void {
  if (!indexedByTheStore(db)) return;
  db.transaction(() => {
    db.exec(`
      INSERT INTO messages_fts (rowid, body, conversation)
        SELECT key, body, lower(hex(conversation_id)) FROM messages
        WHERE key >= (SELECT indexed_to FROM search_backfill WHERE id = 1);
      UPDATE search_backfill SET indexed_to = (SELECT coalesce(max(key), 0) + 1 FROM messages)`);
  })();
}

/** Bodies the index finds for a word, through the same join the store's search makes. */
function indexFinds(db: Database.Database, text: string): string[] {
  return db
    .prepare<[string], { body: string }>(
      `SELECT m.body FROM messages_fts f JOIN messages m ON m.rowid = f.rowid
       WHERE messages_fts MATCH ? ORDER BY f.rowid`,
    )
    .all(`body : "${text}"*`)
    .map((row) => row.body);
}

const integrityCheck = (db: Database.Database) =>
  db.exec("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)");

/**
 * 30 messages; 1–10 deleted as rows (by hand, as an operator's clean-up would, leaving a
 * gap a renumbering would close), then the file vacuumed.
 */
function deleteAndVacuum(steps: typeof MIGRATIONS): Ids {
  const db = new Database(path);
  try {
    migrate(db, steps);
    const ids = seedPeople(db);
    seedMessages(db, ids, 1, 30);
    indexNewMessages(db);
    db.prepare('DELETE FROM messages WHERE seq <= 10').run();
    db.exec('VACUUM');
    return ids;
  } finally {
    db.close();
  }
}

/**
 * A copy of the file row by row (`SELECT *` into the same schema), as `.dump` and a
 * restore make one: columns only, so an implicit rowid is given anew, a declared key kept.
 * The index's own tables are copied as they are (they hold rowids, not rows).
 */
function copyRowByRow(steps: typeof MIGRATIONS, to: string): void {
  const db = new Database(to);
  try {
    migrate(db, steps);
    // Writing the index's shadow tables is refused in the default defensive mode.
    db.unsafeMode(true);
    db.prepare('ATTACH ? AS source').run(path);
    db.transaction(() => {
      // The triggers leave rows below the mark alone: the index is copied, not rebuilt.
      db.exec('UPDATE main.search_backfill SET indexed_from = 9007199254740991');
      for (const table of ['users', 'conversations', 'conversation_members', 'messages']) {
        db.exec(`INSERT INTO main.${table} SELECT * FROM source.${table}`);
      }
      for (const table of ['messages_fts_data', 'messages_fts_idx', 'messages_fts_config']) {
        db.exec(
          `DELETE FROM main.${table}; INSERT INTO main.${table} SELECT * FROM source.${table}`,
        );
      }
      db.exec(
        'UPDATE main.search_backfill SET indexed_from = (SELECT indexed_from FROM source.search_backfill)',
      );
      if (indexedByTheStore(db)) {
        db.exec(
          'UPDATE main.search_backfill SET indexed_to = (SELECT indexed_to FROM source.search_backfill)',
        );
      }
    })();
    db.exec('DETACH source');
    db.unsafeMode(false);
  } finally {
    db.close();
  }
}

/** After deleteAndVacuum: the index checks out, and finds messages 11-30 and none of 1-10. */
function expectTheRestIndexed(db: Database.Database): void {
  integrityCheck(db);
  for (let seq = 1; seq <= 30; seq++) {
    expect(indexFinds(db, word(seq))).toEqual(seq <= 10 ? [] : [`note ${word(seq)}`]);
  }
}

describe('the search index after VACUUM', () => {
  // VACUUM in the SQLite bundled today happens to keep the rowids of a table that has
  // indexes, but SQLite does not promise it ("may change the ROWIDs of entries in any
  // tables that do not have an explicit INTEGER PRIMARY KEY"); a row-by-row copy shows
  // what a renumbering does to an index keyed by an implicit rowid.
  it('the layout before migration 11 loses its place in a row-by-row copy (the defect)', () => {
    deleteAndVacuum(RELEASE_10);
    const copy = join(dir, 'copy.db');
    copyRowByRow(RELEASE_10, copy);
    const db = new Database(copy);
    try {
      // The index still says rowid 11 for message 11, which the copy stored as rowid 1.
      expect(indexFinds(db, word(11))).toEqual([`note ${word(21)}`]);
      expect(() => integrityCheck(db)).toThrow();
    } finally {
      db.close();
    }
  });

  it('a row-by-row copy of the layout since migration 11 keeps the index in step', () => {
    deleteAndVacuum(RELEASE_13);
    const copy = join(dir, 'copy.db');
    copyRowByRow(RELEASE_13, copy);
    const db = new Database(copy);
    try {
      expectTheRestIndexed(db);
    } finally {
      db.close();
    }
  });

  it('finds exactly the messages left, and the index checks out', async () => {
    const ids = deleteAndVacuum(RELEASE_13);
    const db = new Database(path);
    try {
      expectTheRestIndexed(db);
    } finally {
      db.close();
    }

    // And through the store: tombstones, then VACUUM again, then searches and new messages.
    let store = open();
    await store.messages.remove(ids.conversation, 12);
    await store.messages.edit(ids.conversation, 13, { body: 'note changed', mentions: [] });
    await store.close();
    const again = new Database(path);
    again.exec('VACUUM');
    again.close();
    store = open();
    const search = async (text: string) =>
      (await store.messages.search({ userId: ids.alice, terms: searchTerms(text), limit: 50 })).map(
        (m) => m.seq,
      );
    expect(await search('note')).toEqual([
      30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 11,
    ]);
    expect(await search(word(12))).toEqual([]);
    expect(await search(word(13))).toEqual([]);
    expect(await search('changed')).toEqual([13]);
    expect(await search(word(20))).toEqual([20]);
    const { message } = await store.messages.append({
      conversationId: ids.conversation,
      senderId: ids.bob,
      clientId: 'after-vacuum',
      body: 'after the vacuum',
    });
    expect(await search('vacuum')).toEqual([message.seq]);
    checkSearchFile(path);
  });

  it('VACUUM INTO makes a copy whose index is in step', async () => {
    const ids = deleteAndVacuum(RELEASE_13);
    // Upgraded first: the index is in the search file, which the copy does not take along.
    await open().close();
    const copy = join(dir, 'copy.db');
    const db = new Database(path);
    db.prepare('VACUUM INTO ?').run(copy);
    db.close();
    const store = openSqliteStore(copy);
    opened.push(store);
    const found = await store.messages.search({
      userId: ids.bob,
      terms: searchTerms(word(25)),
      limit: 5,
    });
    expect(found.map((m) => m.body)).toEqual([`note ${word(25)}`]);
    checkSearchFile(copy);
  });
});

describe('migration 11: upgrading a database made by the release before it', () => {
  /** The release's message columns (has_attachments came with migration 13). */
  const releaseColumns = MESSAGE_FIELDS.filter((field) => field !== 'has_attachments').join(', ');
  /** Every column of every message, by rowid: what the upgrade must keep exactly. */
  const everything = (db: Database.Database) =>
    db.prepare(`SELECT rowid AS at, ${releaseColumns} FROM messages ORDER BY rowid`).all();

  it('keeps every message, its rowid and its place in the search index', async () => {
    // Messages from before search (indexed by the background pass of migration 7), then
    // search, then more messages (indexed as written), edits, a tombstone, a reply.
    const db = new Database(path);
    let before: unknown[];
    let ids: Ids;
    try {
      migrate(
        db,
        MIGRATIONS.filter((m) => m.version < 7),
      );
      ids = seedPeople(db);
      seedMessages(db, ids, 1, 5);
      migrate(db, RELEASE_10);
      seedMessages(db, ids, 6, 5);
      db.prepare(
        `UPDATE messages SET body = 'note edited', edited_at = 1, rev = 11
         WHERE conversation_id = ? AND seq = 7`,
      ).run(ids.conversation);
      db.prepare(
        `UPDATE messages SET body = '', deleted_at = 1, rev = 12
         WHERE conversation_id = ? AND seq = 8`,
      ).run(ids.conversation);
      db.prepare(
        `UPDATE messages SET reply_to_seq = 6, reply_sender_id = ?, reply_excerpt = 'note',
           reactions = '[{"emoji":"👍","userIds":["x"]}]', mentions = '["y"]', rev = 13
         WHERE conversation_id = ? AND seq = 9`,
      ).run(ids.bob, ids.conversation);
      db.prepare('UPDATE conversations SET rev = 13 WHERE id = ?').run(ids.conversation);
      before = everything(db);
    } finally {
      db.close();
    }

    const store = open();
    await store.searchIndexed;
    const db11 = store.database;
    expect(everything(db11)).toEqual(before);
    expect(
      db11
        .prepare<[], { version: number }>('SELECT max(version) AS version FROM schema_migrations')
        .get()?.version,
    ).toBe(Math.max(...MIGRATIONS.map((m) => m.version)));
    // The key is the rowid, and the random-UUID primary key's own index is gone.
    const columns = db11
      .prepare<[], { name: string; pk: number }>(
        "SELECT name, pk FROM pragma_table_info('messages')",
      )
      .all();
    expect(columns.filter((c) => c.pk > 0).map((c) => c.name)).toEqual(['key']);
    const indexes = db11
      .prepare<[], { name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' ORDER BY name",
      )
      .all()
      .map((row) => row.name);
    expect(indexes).toEqual([
      'messages_client',
      'messages_id',
      'messages_reply',
      'messages_rev',
      'messages_seq',
    ]);
    expect(db11.pragma('foreign_key_check')).toEqual([]);
    expect(db11.pragma('foreign_keys', { simple: true })).toBe(1);
    checkSearchFile(path);

    const search = async (text: string) =>
      (await store.messages.search({ userId: ids.alice, terms: searchTerms(text), limit: 50 })).map(
        (m) => m.seq,
      );
    expect(await search('note')).toEqual([10, 9, 7, 6, 5, 4, 3, 2, 1]);
    expect(await search(word(2))).toEqual([2]);
    expect(await search(word(7))).toEqual([]);
    expect(await search('edited')).toEqual([7]);
    expect(await search(word(8))).toEqual([]);

    // Writes after the upgrade: a send, the same send again, a change, a deletion.
    const sent = await store.messages.append({
      conversationId: ids.conversation,
      senderId: ids.alice,
      clientId: 'after-upgrade',
      body: 'fresh words',
    });
    expect(sent.created).toBe(true);
    expect(sent.message.seq).toBe(11);
    const repeated = await store.messages.append({
      conversationId: ids.conversation,
      senderId: ids.alice,
      clientId: 'after-upgrade',
      body: 'fresh words',
    });
    expect(repeated).toEqual({ message: sent.message, created: false });
    await store.messages.edit(ids.conversation, 2, { body: 'note rewritten', mentions: [] });
    await store.messages.remove(ids.conversation, 3);
    expect(await search('fresh')).toEqual([11]);
    expect(await search('rewritten')).toEqual([2]);
    expect(await search(word(3))).toEqual([]);
    // The search cursor (the one lookup by id) on old and new ids alike.
    const firstPage = await store.messages.search({
      userId: ids.bob,
      terms: searchTerms('note'),
      limit: 3,
    });
    expect(firstPage.map((m) => m.seq)).toEqual([10, 9, 7]);
    const next = await store.messages.search({
      userId: ids.bob,
      terms: searchTerms('note'),
      limit: 3,
      beforeId: firstPage.at(-1)?.id,
    });
    expect(next.map((m) => m.seq)).toEqual([6, 5, 4]);
    checkSearchFile(path);
  });

  it('refuses to move forward a table with a broken foreign key, and leaves it as it was', () => {
    const db = new Database(path);
    try {
      migrate(db, RELEASE_10);
      const ids = seedPeople(db);
      seedMessages(db, ids, 1, 3);
      // A sender that does not exist, as only a file written with foreign keys off can have.
      db.pragma('foreign_keys = OFF');
      db.prepare('UPDATE messages SET sender_id = ? WHERE seq = 2').run(randomUUID());
      db.pragma('foreign_keys = ON');
      expect(() => migrate(db)).toThrow(/migration 11 would leave 1 rows of messages/);
      const version = db
        .prepare<[], { version: number }>('SELECT max(version) AS version FROM schema_migrations')
        .get()?.version;
      expect(version).toBe(10);
      expect(db.prepare('SELECT count(*) AS n FROM messages').get()).toEqual({ n: 3 });
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      integrityCheck(db);
    } finally {
      db.close();
    }
  });
});

describe('message ids', () => {
  it('are UUIDv7: the creation time first, so later ids sort after earlier ones', () => {
    const earlier = timeOrderedId(1_700_000_000_000);
    const later = timeOrderedId(1_700_000_000_001);
    for (const id of [earlier, later]) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect(earlier < later).toBe(true);
    expect(earlier.replaceAll('-', '').slice(0, 12)).toBe(
      (1_700_000_000_000).toString(16).padStart(12, '0'),
    );
    expect(timeOrderedId(1)).not.toBe(timeOrderedId(1));
  });
});

describe('migration 13: messages say whether files were attached to them', () => {
  it('marks the messages of a release-12 file that hold attachments, and only those', async () => {
    const db = new Database(path);
    let ids: Ids;
    let withFile: string;
    try {
      migrate(
        db,
        MIGRATIONS.filter((m) => m.version <= 12),
      );
      ids = seedPeople(db);
      seedMessages(db, ids, 1, 3);
      withFile = db
        .prepare<[string], string>('SELECT id FROM messages WHERE conversation_id = ? AND seq = 2')
        .pluck()
        .get(ids.conversation) as string;
      db.prepare(
        `INSERT INTO attachments (id, uploader_id, name, content_type, size, storage_key,
           created_at, use_kind, conversation_id, message_id, position)
         VALUES (?, ?, 'a.txt', 'text/plain', 1, ?, 0, 'message', ?, ?, 0)`,
      ).run(randomUUID(), ids.bob, randomUUID(), ids.conversation, withFile);
    } finally {
      db.close();
    }

    const store = open();
    const marked = store.database
      .prepare<[], string>('SELECT id FROM messages WHERE has_attachments = 1')
      .pluck()
      .all();
    expect(marked).toEqual([withFile]);
    const page = await store.messages.list(ids.conversation, { limit: 10 });
    expect(page.map((m) => [m.seq, m.hasAttachments])).toEqual([
      [1, false],
      [2, true],
      [3, false],
    ]);
    const files = await store.attachments.listForMessages([withFile]);
    expect(files.map((f) => f.name)).toEqual(['a.txt']);
  });
});
