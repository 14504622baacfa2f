import type { Database } from 'better-sqlite3';

/**
 * Indexes the messages with `from <= key < to` for search: the one statement that says what
 * of a message goes into the index (its body, and its conversation as one hex token that
 * the search's query names; see ftsMatch in messages.ts). New messages (below) and the
 * backfill of older ones (search-backfill.ts) both use it; a change to the messages'
 * columns is made here.
 */
export const INDEX_MESSAGES_SQL = `
  INSERT INTO messages_fts (rowid, body, conversation)
  SELECT key, body, lower(hex(conversation_id)) FROM messages WHERE key >= ? AND key < ?`;

/**
 * Indexes the messages written since the index last caught up (migration 12: the keys from
 * search_backfill.indexed_to up), in the caller's transaction, and moves the mark past them.
 *
 * The message store runs it once per group commit, after the group's appends, instead of
 * the insert trigger it replaces: the trigger indexed each message inside its own
 * savepoint, and FTS5 writes its pending terms out as a new index segment at every
 * savepoint (100 messages in one transaction, a savepoint each: 100 segments), so every
 * message cost a segment of its own and the merging of it; now a group of messages makes
 * one (docs/BENCHMARKS.md, "Search").
 */
export function newMessagesIndexer(db: Database): () => void {
  const tail = db.prepare<[], { start: number; next: number }>(
    `SELECT indexed_to AS start, coalesce((SELECT max(key) FROM messages), 0) + 1 AS next
     FROM search_backfill WHERE id = 1`,
  );
  const fill = db.prepare<[number, number]>(INDEX_MESSAGES_SQL);
  const move = db.prepare<[number]>('UPDATE search_backfill SET indexed_to = ? WHERE id = 1');
  return () => {
    const bounds = tail.get();
    if (!bounds || bounds.next <= bounds.start) return;
    fill.run(bounds.start, bounds.next);
    move.run(bounds.next);
  };
}
