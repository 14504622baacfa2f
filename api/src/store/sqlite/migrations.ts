import type { Database } from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /**
   * Tables the step rebuilds (create the new one, copy, drop, rename: SQLite's documented
   * ALTER TABLE procedure): it runs with foreign keys off, and PRAGMA foreign_key_check
   * must find nothing in these tables before its transaction commits.
   */
  rebuilds?: readonly string[];
}

/**
 * The schema, as numbered steps. A step is never edited once released: change the schema
 * by appending a step, so every existing database moves forward the same way.
 *
 * Times are epoch milliseconds; ids are UUID strings (random, except message ids since
 * migration 11: time-ordered, see messages.ts).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        display_name TEXT NOT NULL,
        -- JavaScript's toLowerCase of display_name: SQLite's own case folding stops at ASCII.
        display_name_lower TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER
      ) STRICT;
      CREATE UNIQUE INDEX users_username ON users (username);
      -- Callers lower-case usernames; this keeps 'Alice' and 'alice' apart even if one does not.
      CREATE UNIQUE INDEX users_username_lower ON users (lower(username));

      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id),
        refresh_generation INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        refresh_expires_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) STRICT;
      CREATE INDEX sessions_user ON sessions (user_id);

      CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL CHECK (type IN ('direct', 'group')),
        title TEXT,
        -- Both member ids, sorted: the unique index is what makes one direct conversation
        -- per pair hold across processes.
        direct_key TEXT UNIQUE,
        created_at INTEGER NOT NULL,
        last_seq INTEGER NOT NULL DEFAULT 0,
        last_activity_at INTEGER NOT NULL,
        CHECK ((type = 'direct') = (direct_key IS NOT NULL))
      ) STRICT;

      CREATE TABLE conversation_members (
        conversation_id TEXT NOT NULL REFERENCES conversations (id),
        user_id TEXT NOT NULL REFERENCES users (id),
        position INTEGER NOT NULL,
        delivered_seq INTEGER NOT NULL DEFAULT 0,
        read_seq INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (conversation_id, user_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX conversation_members_user ON conversation_members (user_id);

      CREATE TABLE messages (
        id TEXT PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES conversations (id),
        seq INTEGER NOT NULL,
        sender_id TEXT NOT NULL REFERENCES users (id),
        client_id TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (conversation_id, seq),
        UNIQUE (conversation_id, sender_id, client_id)
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'message lifecycle: rev, edits, tombstones, replies, reactions, mentions, system messages, admins',
    sql: `
      -- The highest rev given to any message of the conversation (see MessageStore).
      ALTER TABLE conversations ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE conversation_members ADD COLUMN admin INTEGER NOT NULL DEFAULT 0
        CHECK (admin IN (0, 1));

      ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'text'
        CHECK (kind IN ('text', 'system'));
      -- JSON { event, actorId, userIds, title } for kind 'system', else NULL.
      ALTER TABLE messages ADD COLUMN system TEXT;
      ALTER TABLE messages ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE messages ADD COLUMN edited_at INTEGER;
      ALTER TABLE messages ADD COLUMN deleted_at INTEGER;
      -- The quoted message, copied at reply time; the excerpt is erased when it is deleted.
      ALTER TABLE messages ADD COLUMN reply_to_seq INTEGER;
      ALTER TABLE messages ADD COLUMN reply_sender_id TEXT;
      ALTER TABLE messages ADD COLUMN reply_excerpt TEXT;
      ALTER TABLE messages ADD COLUMN reply_deleted INTEGER NOT NULL DEFAULT 0;
      -- JSON [{ emoji, userIds }] in order of each emoji's first reaction.
      ALTER TABLE messages ADD COLUMN reactions TEXT NOT NULL DEFAULT '[]';
      -- JSON [userId] in order of first mention.
      ALTER TABLE messages ADD COLUMN mentions TEXT NOT NULL DEFAULT '[]';

      -- Existing messages were each created once and never changed: seq is already a rev
      -- that is unique and increasing within the conversation.
      UPDATE messages SET rev = seq;
      UPDATE conversations SET rev = coalesce(
        (SELECT max(m.seq) FROM messages m WHERE m.conversation_id = conversations.id), 0);
      -- The creator of a group (its first member) is its first admin.
      UPDATE conversation_members SET admin = 1
        WHERE position = 0
          AND conversation_id IN (SELECT id FROM conversations WHERE type = 'group');

      -- Catching up by rev, and making a repeated rev impossible.
      CREATE UNIQUE INDEX messages_rev ON messages (conversation_id, rev);
      -- The replies a deletion has to erase the quote of.
      CREATE INDEX messages_reply ON messages (conversation_id, reply_to_seq)
        WHERE reply_to_seq IS NOT NULL;
    `,
  },
  {
    version: 3,
    name: 'empty direct conversations listed only for who opened them',
    // Existing memberships stay listed, as they were before this step.
    sql: `
      ALTER TABLE conversation_members
        ADD COLUMN opened INTEGER NOT NULL DEFAULT 1 CHECK (opened IN (0, 1));
    `,
  },
  {
    version: 4,
    name: 'attachments',
    sql: `
      CREATE TABLE attachments (
        id TEXT PRIMARY KEY,
        uploader_id TEXT NOT NULL REFERENCES users (id),
        name TEXT NOT NULL,
        content_type TEXT NOT NULL,
        size INTEGER NOT NULL CHECK (size >= 0),
        width INTEGER,
        height INTEGER,
        storage_key TEXT NOT NULL UNIQUE,
        thumbnail_key TEXT,
        thumbnail_content_type TEXT,
        created_at INTEGER NOT NULL,
        -- NULL while loose (swept after 24 h), then what the upload became.
        use_kind TEXT CHECK (use_kind IN ('message', 'avatar')),
        -- No foreign keys on these two: the store is told them by the message service,
        -- and MongoDB, which must behave the same, has none either.
        conversation_id TEXT,
        message_id TEXT,
        position INTEGER,
        CHECK ((use_kind IS 'message') = (message_id IS NOT NULL)),
        CHECK ((message_id IS NULL) = (conversation_id IS NULL))
      ) STRICT;
      CREATE INDEX attachments_message ON attachments (message_id, position)
        WHERE message_id IS NOT NULL;
      CREATE INDEX attachments_loose ON attachments (created_at) WHERE use_kind IS NULL;
    `,
  },
  {
    version: 5,
    name: 'notification level per member',
    sql: `
      ALTER TABLE conversation_members ADD COLUMN notifications TEXT NOT NULL DEFAULT 'all'
        CHECK (notifications IN ('all', 'mentions', 'none'));
    `,
  },
  {
    version: 6,
    name: 'accounts: deletion, session client and activity, blocking',
    // Existing sessions were last active, as far as anyone knows, when they were made.
    sql: `
      ALTER TABLE users ADD COLUMN deleted_at INTEGER;
      ALTER TABLE sessions ADD COLUMN client TEXT NOT NULL DEFAULT '';
      ALTER TABLE sessions ADD COLUMN last_active_at INTEGER;
      UPDATE sessions SET last_active_at = created_at;

      CREATE TABLE blocks (
        blocker_id TEXT NOT NULL REFERENCES users (id),
        blocked_id TEXT NOT NULL REFERENCES users (id),
        created_at INTEGER NOT NULL,
        PRIMARY KEY (blocker_id, blocked_id)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 7,
    name: 'full-text search of message bodies',
    // Only touches the messages and their new index: it applies the same on top of 5 or 6.
    //
    // External content: the index keeps no copy of the bodies, only their words, keyed by
    // the messages' rowid, read through the view below. Beside the body it indexes the
    // conversation as one token (the hex of its id), so a search within the caller's
    // conversations is one index query whose cost follows their messages, not the table's.
    //
    // The triggers keep it in step in the same statement (so the same transaction, group
    // commit included) as every write of a body: a send, an edit, a deletion (body ''
    // removes its words), and whatever writes messages later.
    //
    // This step itself indexes nothing, so start-up does not wait for it: the messages
    // already there (rowid below search_backfill.indexed_from) are indexed by the store in
    // the background, newest first, a batch per transaction (search-backfill.ts). The
    // triggers leave a row below that mark alone: its turn comes with its current body.
    //
    // (Until migration 11 the index was keyed by the implicit rowid, which a VACUUM may
    // renumber; migration 11 made it an INTEGER PRIMARY KEY, which VACUUM keeps.)
    //
    // secure-delete: an erased or edited body's words are removed from the index b-tree
    // itself, not only shadowed by a delete marker, so the old text does not linger there
    // (the promise of the file's secure_delete pragma). columnsize=0: nothing is ranked by
    // length. prefix: short prefixes (what one types first) have their own index.
    sql: `
      CREATE VIEW messages_fts_content AS
        SELECT rowid AS message_rowid, body, lower(hex(conversation_id)) AS conversation
        FROM messages;
      CREATE VIRTUAL TABLE messages_fts USING fts5(
        body,
        conversation,
        content = 'messages_fts_content',
        content_rowid = 'message_rowid',
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '2 3',
        columnsize = 0
      );
      INSERT INTO messages_fts (messages_fts, rank) VALUES ('secure-delete', 1);
      CREATE TABLE search_backfill (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        -- Every message with rowid >= this is in the index.
        indexed_from INTEGER NOT NULL
      ) STRICT;
      INSERT INTO search_backfill (id, indexed_from)
        SELECT 1, coalesce(max(rowid), 0) + 1 FROM messages;
      CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
        WHEN new.rowid >= (SELECT indexed_from FROM search_backfill) BEGIN
        INSERT INTO messages_fts (rowid, body, conversation)
          VALUES (new.rowid, new.body, lower(hex(new.conversation_id)));
      END;
      CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
        WHEN old.rowid >= (SELECT indexed_from FROM search_backfill) BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, body, conversation)
          VALUES ('delete', old.rowid, old.body, lower(hex(old.conversation_id)));
      END;
      CREATE TRIGGER messages_fts_update AFTER UPDATE OF body, conversation_id ON messages
        WHEN (old.body IS NOT new.body OR old.conversation_id IS NOT new.conversation_id)
          AND old.rowid >= (SELECT indexed_from FROM search_backfill) BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, body, conversation)
          VALUES ('delete', old.rowid, old.body, lower(hex(old.conversation_id)));
        INSERT INTO messages_fts (rowid, body, conversation)
          VALUES (new.rowid, new.body, lower(hex(new.conversation_id)));
      END;
    `,
  },
  {
    version: 8,
    name: 'web push subscriptions and preferences',
    sql: `
      CREATE TABLE push_subscriptions (
        endpoint TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id),
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        p256dh TEXT NOT NULL,
        auth TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);
      CREATE INDEX push_subscriptions_session ON push_subscriptions (session_id);
      CREATE TABLE push_preferences (
        user_id TEXT PRIMARY KEY REFERENCES users (id),
        show_text INTEGER NOT NULL CHECK (show_text IN (0, 1))
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 9,
    name: 'user and group avatars',
    // The avatar's public description (JSON AvatarRecord) beside the user or group; the
    // upload's row (use_kind 'avatar') keeps where its bytes are.
    sql: `
      ALTER TABLE users ADD COLUMN avatar TEXT CHECK (avatar IS NULL OR json_valid(avatar));
      ALTER TABLE conversations ADD COLUMN avatar TEXT
        CHECK (avatar IS NULL OR json_valid(avatar));
    `,
  },
  {
    version: 10,
    name: 'when a session was last rotated (refresh retry grace)',
    sql: `
      ALTER TABLE sessions ADD COLUMN rotated_at INTEGER;
    `,
  },
  {
    version: 11,
    name: 'messages keyed by an integer primary key, the search index by it',
    rebuilds: ['messages'],
    // The messages table is rebuilt with `key INTEGER PRIMARY KEY`, an alias of the rowid,
    // and its rows keep the rowids they had (key = old rowid), so the search index, its
    // backfill mark and every cursor stay valid without reindexing anything.
    //
    // Why: the search index (external content) refers to messages by rowid. An implicit
    // rowid may be renumbered by VACUUM, which left the index pointing at other messages;
    // an INTEGER PRIMARY KEY is never renumbered. And cheaper appends: the message id was
    // the table's PRIMARY KEY, a separate index of random UUIDs in which every message
    // dirtied a page at a random place. Now the id index only serves the search cursor
    // (the one lookup by message id), and new ids are time-ordered (UUIDv7, messages.ts),
    // so new entries go to its right-hand edge. Everything else finds a message by
    // (conversation_id, seq), as before.
    //
    // The copy holds start-up for the time it takes (docs/BENCHMARKS.md has it for 1 M
    // messages); it is one transaction, so an interrupted upgrade leaves the old table.
    sql: `
      DROP TRIGGER messages_fts_insert;
      DROP TRIGGER messages_fts_delete;
      DROP TRIGGER messages_fts_update;

      CREATE TABLE messages_rebuilt (
        key INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        conversation_id TEXT NOT NULL REFERENCES conversations (id),
        seq INTEGER NOT NULL,
        sender_id TEXT NOT NULL REFERENCES users (id),
        client_id TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        kind TEXT NOT NULL DEFAULT 'text' CHECK (kind IN ('text', 'system')),
        system TEXT,
        rev INTEGER NOT NULL DEFAULT 0,
        edited_at INTEGER,
        deleted_at INTEGER,
        reply_to_seq INTEGER,
        reply_sender_id TEXT,
        reply_excerpt TEXT,
        reply_deleted INTEGER NOT NULL DEFAULT 0,
        reactions TEXT NOT NULL DEFAULT '[]',
        mentions TEXT NOT NULL DEFAULT '[]'
      ) STRICT;
      INSERT INTO messages_rebuilt (key, id, conversation_id, seq, sender_id, client_id, body,
          created_at, kind, system, rev, edited_at, deleted_at, reply_to_seq, reply_sender_id,
          reply_excerpt, reply_deleted, reactions, mentions)
        SELECT rowid, id, conversation_id, seq, sender_id, client_id, body,
          created_at, kind, system, rev, edited_at, deleted_at, reply_to_seq, reply_sender_id,
          reply_excerpt, reply_deleted, reactions, mentions
        FROM messages ORDER BY rowid;
      DROP TABLE messages;
      -- The index's content view names messages: legacy renaming leaves it be (modern
      -- renaming refuses, as the view names a table that is gone until the rename is done).
      PRAGMA legacy_alter_table = ON;
      ALTER TABLE messages_rebuilt RENAME TO messages;
      PRAGMA legacy_alter_table = OFF;

      -- Built after the copy: one sort each instead of a random insert per row.
      CREATE UNIQUE INDEX messages_seq ON messages (conversation_id, seq);
      -- Idempotent sends: a repeated client id is found before the insert (under the write
      -- lock); this refuses one that got past that anyway.
      CREATE UNIQUE INDEX messages_client ON messages (conversation_id, sender_id, client_id);
      CREATE UNIQUE INDEX messages_rev ON messages (conversation_id, rev);
      CREATE INDEX messages_reply ON messages (conversation_id, reply_to_seq)
        WHERE reply_to_seq IS NOT NULL;
      CREATE UNIQUE INDEX messages_id ON messages (id);

      -- The triggers as migration 7 made them, with the key named. Its view of the index's
      -- content (rowid, now the key) is kept: FTS5's defensive mode forbids re-creating it.
      CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
        WHEN new.key >= (SELECT indexed_from FROM search_backfill) BEGIN
        INSERT INTO messages_fts (rowid, body, conversation)
          VALUES (new.key, new.body, lower(hex(new.conversation_id)));
      END;
      CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
        WHEN old.key >= (SELECT indexed_from FROM search_backfill) BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, body, conversation)
          VALUES ('delete', old.key, old.body, lower(hex(old.conversation_id)));
      END;
      CREATE TRIGGER messages_fts_update AFTER UPDATE OF body, conversation_id ON messages
        WHEN (old.body IS NOT new.body OR old.conversation_id IS NOT new.conversation_id)
          AND old.key >= (SELECT indexed_from FROM search_backfill) BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, body, conversation)
          VALUES ('delete', old.key, old.body, lower(hex(old.conversation_id)));
        INSERT INTO messages_fts (rowid, body, conversation)
          VALUES (new.key, new.body, lower(hex(new.conversation_id)));
      END;
    `,
  },
  {
    version: 12,
    name: 'new messages indexed for search once per group commit, not by a trigger per row',
    // The insert trigger indexed each message inside its own savepoint, and FTS5 writes
    // its pending terms out as a new index segment at every savepoint: a segment (and its
    // merging) per message, about a third of an append's CPU on the event loop
    // (docs/BENCHMARKS.md). Now the message store indexes a group commit's new messages
    // with one statement at its end, in the same transaction (search-index.ts), so a search
    // still finds every message whose send was acknowledged.
    //
    // search_backfill now holds both ends of what is indexed: every message with
    // indexed_from <= key < indexed_to is in the index; below is the backfill's (migration
    // 7), from indexed_to up are the messages not yet indexed (since the batching of
    // search-index.ts's createSearchTail, up to a batch of them between transactions). Edits
    // and deletions keep the index exact for the rows between the marks; a row outside them
    // is indexed later, with its body as it is then.
    //
    // Deleting the newest rows (an operator's clean-up; the API only writes tombstones) lets
    // SQLite give their keys to the next messages: the delete trigger lowers indexed_to to
    // the next key to come, so those messages are not taken for indexed ones.
    sql: `
      DROP TRIGGER messages_fts_insert;
      DROP TRIGGER messages_fts_delete;
      DROP TRIGGER messages_fts_update;

      ALTER TABLE search_backfill ADD COLUMN indexed_to INTEGER NOT NULL DEFAULT 0;
      UPDATE search_backfill
        SET indexed_to = max(indexed_from, coalesce((SELECT max(key) FROM messages), 0) + 1);

      -- One trigger, in this order: the row leaves the index if it is in it, then the mark
      -- comes down (two triggers would run in an order SQLite does not promise).
      CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, body, conversation)
          SELECT 'delete', old.key, old.body, lower(hex(old.conversation_id))
          FROM search_backfill WHERE old.key >= indexed_from AND old.key < indexed_to;
        UPDATE search_backfill
          SET indexed_to = max(indexed_from, coalesce((SELECT max(key) FROM messages), 0) + 1)
          WHERE indexed_to > coalesce((SELECT max(key) FROM messages), 0) + 1;
      END;
      CREATE TRIGGER messages_fts_update AFTER UPDATE OF body, conversation_id ON messages
        WHEN (old.body IS NOT new.body OR old.conversation_id IS NOT new.conversation_id)
          AND (SELECT old.key >= indexed_from AND old.key < indexed_to FROM search_backfill) BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, body, conversation)
          VALUES ('delete', old.key, old.body, lower(hex(old.conversation_id)));
        INSERT INTO messages_fts (rowid, body, conversation)
          VALUES (new.key, new.body, lower(hex(new.conversation_id)));
      END;
    `,
  },
  {
    version: 13,
    name: 'messages say whether files were ever attached to them',
    // A history page looked up the attachments of every message it showed, one statement
    // for the page that found nothing for most pages (docs/BENCHMARKS.md). The flag says a
    // message may have some: it is set when an upload is attached to it and never cleared
    // (a deleted message shows none whatever it says), so 0 means none and no lookup.
    sql: `
      ALTER TABLE messages ADD COLUMN has_attachments INTEGER NOT NULL DEFAULT 0
        CHECK (has_attachments IN (0, 1));
      UPDATE messages SET has_attachments = 1
        WHERE id IN (SELECT message_id FROM attachments WHERE message_id IS NOT NULL);
      CREATE TRIGGER attachments_mark_message_on_insert AFTER INSERT ON attachments
        WHEN new.message_id IS NOT NULL BEGIN
        UPDATE messages SET has_attachments = 1 WHERE id = new.message_id AND has_attachments = 0;
      END;
      CREATE TRIGGER attachments_mark_message_on_update AFTER UPDATE OF message_id ON attachments
        WHEN new.message_id IS NOT NULL BEGIN
        UPDATE messages SET has_attachments = 1 WHERE id = new.message_id AND has_attachments = 0;
      END;
    `,
  },
  {
    version: 14,
    name: 'the search index in a file of its own, written by a thread; edits and deletions queued',
    // FTS5 merges an index's segments inside the transactions that write it, and a merge
    // step cannot be bounded in time: in the messages' file, every commit that did one, or
    // waited behind one for the write lock, held delivery up (docs/BENCHMARKS.md, the p99
    // bullet). The index moves to `<file>.search`, with its own write lock, filled by a
    // thread that only reads this file (search-file.ts, search-worker.mjs); the store
    // creates that file and rebuilds the index there, new messages first, then the older
    // ones newest first (as migration 7's backfill did), so nothing is copied here.
    //
    // Appends write nothing more: the thread finds new messages by key. Edits and
    // deletions, which a trigger here cannot apply to another file, are queued for it
    // (AUTOINCREMENT: a seq is never given twice, even once the applied entries are
    // deleted, so the thread's mark in its file stays meaningful).
    sql: `
      DROP TRIGGER messages_fts_delete;
      DROP TRIGGER messages_fts_update;
      DROP TABLE messages_fts;
      DROP VIEW messages_fts_content;
      DROP TABLE search_backfill;

      CREATE TABLE search_queue (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        key INTEGER NOT NULL
      ) STRICT;
      CREATE TRIGGER search_queue_update AFTER UPDATE OF body, conversation_id ON messages
        WHEN old.body IS NOT new.body OR old.conversation_id IS NOT new.conversation_id BEGIN
        INSERT INTO search_queue (key) VALUES (new.key);
      END;
      CREATE TRIGGER search_queue_delete AFTER DELETE ON messages BEGIN
        INSERT INTO search_queue (key) VALUES (old.key);
      END;
    `,
  },
  {
    version: 15,
    name: 'conversations count the changes of their views that no message records',
    // The conversation list keeps each conversation's view between requests and checks it
    // against the conversation row alone (docs/BENCHMARKS.md). Messages move rev; what
    // else the view shows moves view_rev: the title and avatar, the members (added,
    // removed, made admin, reordered) and files attached to a message after its append.
    // Receipts (delivered_seq, read_seq), notifications and the opened flag do not, so
    // neither a send nor a receipt writes anything more.
    sql: `
      ALTER TABLE conversations ADD COLUMN view_rev INTEGER NOT NULL DEFAULT 0;
      CREATE TRIGGER conversations_view_rev AFTER UPDATE OF title, avatar ON conversations
      BEGIN
        UPDATE conversations SET view_rev = view_rev + 1 WHERE id = new.id;
      END;
      CREATE TRIGGER conversation_members_view_rev_insert AFTER INSERT ON conversation_members
      BEGIN
        UPDATE conversations SET view_rev = view_rev + 1 WHERE id = new.conversation_id;
      END;
      CREATE TRIGGER conversation_members_view_rev_delete AFTER DELETE ON conversation_members
      BEGIN
        UPDATE conversations SET view_rev = view_rev + 1 WHERE id = old.conversation_id;
      END;
      CREATE TRIGGER conversation_members_view_rev_update
        AFTER UPDATE OF conversation_id, user_id, position, admin ON conversation_members
      BEGIN
        UPDATE conversations SET view_rev = view_rev + 1
          WHERE id IN (old.conversation_id, new.conversation_id);
      END;
      CREATE TRIGGER messages_view_rev_files AFTER UPDATE OF has_attachments ON messages
      BEGIN
        UPDATE conversations SET view_rev = view_rev + 1 WHERE id = new.conversation_id;
      END;
    `,
  },
  {
    version: 16,
    name: 'users count the changes of their public views',
    // The conversation list keeps each member's user view between requests and checks it
    // against view_rev alone, moved by a trigger on every column the view shows: the id,
    // username, display name, creation time, deletion and avatar. The last-seen time, the
    // password hash and the lower-cased name for search do not move it.
    sql: `
      ALTER TABLE users ADD COLUMN view_rev INTEGER NOT NULL DEFAULT 0;
      CREATE TRIGGER users_view_rev
        AFTER UPDATE OF id, username, display_name, created_at, deleted_at, avatar ON users
      BEGIN
        UPDATE users SET view_rev = view_rev + 1 WHERE id = new.id;
      END;
    `,
  },
];

/**
 * Brings the schema up to date. Each step runs in its own BEGIN IMMEDIATE transaction and
 * re-checks whether it is still pending inside it, so several processes opening the same
 * file at once apply every step exactly once.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): void {
  const latest = migrations.at(-1)?.version ?? 0;
  const applied = appliedVersions(db);
  const newest = Math.max(0, ...applied);
  if (newest > latest) {
    throw new Error(
      `the database schema is at version ${newest}, newer than this build knows (${latest}); ` +
        'run a newer build of the API',
    );
  }
  if (migrations.every((m) => applied.has(m.version))) return;

  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT`);
  const isApplied = db.prepare<[number], { version: number }>(
    'SELECT version FROM schema_migrations WHERE version = ?',
  );
  const record = db.prepare<[number, string, number]>(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  );
  for (const migration of migrations) {
    // Only outside a transaction does this pragma take effect.
    const rebuilds = migration.rebuilds ?? [];
    const suspendForeignKeys =
      rebuilds.length > 0 && db.pragma('foreign_keys', { simple: true }) === 1;
    if (suspendForeignKeys) db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        if (isApplied.get(migration.version)) return;
        db.exec(migration.sql);
        for (const table of rebuilds) {
          const broken = db.pragma(`foreign_key_check(${table})`) as unknown[];
          if (broken.length > 0) {
            throw new Error(
              `migration ${migration.version} would leave ${broken.length} rows of ${table} ` +
                'referring to rows that do not exist',
            );
          }
        }
        record.run(migration.version, migration.name, Date.now());
      }).immediate();
    } finally {
      if (suspendForeignKeys) db.pragma('foreign_keys = ON');
      // A rebuild step may turn legacy renaming on for its rename; a failure must not
      // leave it on for this connection.
      if (rebuilds.length > 0) db.pragma('legacy_alter_table = OFF');
    }
  }
}

/** Versions recorded in schema_migrations; empty for a new file. Works on a read-only file. */
export function appliedVersions(db: Database): Set<number> {
  const table = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  if (!table) return new Set();
  const rows = db.prepare<[], { version: number }>('SELECT version FROM schema_migrations').all();
  return new Set(rows.map((r) => r.version));
}
