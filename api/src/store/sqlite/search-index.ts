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
 * search_backfill.indexed_to up), in the caller's transaction, and moves the mark past them:
 * all of them now, for tools and tests (the store batches them, see createSearchTail).
 *
 * One statement at the end of a transaction, not the insert trigger it replaced: the
 * trigger indexed each message inside its own savepoint, and FTS5 writes its pending terms
 * out as a new index segment at every savepoint (100 messages in one transaction, a
 * savepoint each: 100 segments), so every message cost a segment of its own and the
 * merging of it (docs/BENCHMARKS.md, "Search").
 */
export function newMessagesIndexer(db: Database): () => void {
  const tail = createSearchTail(db);
  return () => void tail.index(true);
}

/** A tail of at least this many messages is indexed by the next group commit. */
export const TAIL_ROWS = 64;
/** A tail whose first message is this old (ms) is indexed by the next group commit. */
export const TAIL_MS = 50;

export interface SearchTail {
  /**
   * In a write transaction (the group commit's, after its writes): indexes the tail if it
   * is due, or whatever there is if `all`. Returns whether a tail is left to index.
   */
  index(all: boolean): boolean;
  /** Whether messages are waiting to be indexed (a read; any connection's messages). */
  pending(): boolean;
}

/**
 * The tail (messages stored but not yet indexed, search_backfill.indexed_to up) indexed in
 * batches of about `TAIL_ROWS` messages or `TAIL_MS` of them, not in every group commit.
 *
 * Why: FTS5 writes each transaction's new terms out as a segment of its own and merges
 * segments as they pile up, inside a later commit (after a burst, the big segments it left
 * too). At a steady 1,000 msg/s most group commits hold one or two messages, so a segment
 * and merge work came with nearly every message and long merges stalled the event loop
 * (docs/BENCHMARKS.md, "Search"). Batched, segments hold dozens of messages and merges are
 * that much rarer. The index's contents are the same, only written later; the marks in
 * the database say what is indexed, so any connection may index any tail.
 *
 * A search indexes the tail before it queries (the store's search), so it still finds
 * every message whose send was acknowledged. Edits and deletions of a message in the tail
 * leave the index alone (the triggers only touch keys below indexed_to): the message is
 * indexed later with its body as it is then.
 */
export function createSearchTail(db: Database, now: () => number = Date.now): SearchTail {
  const tail = db.prepare<[], { start: number; next: number }>(
    `SELECT indexed_to AS start, coalesce((SELECT max(key) FROM messages), 0) + 1 AS next
     FROM search_backfill WHERE id = 1`,
  );
  const fill = db.prepare<[number, number]>(INDEX_MESSAGES_SQL);
  const move = db.prepare<[number]>('UPDATE search_backfill SET indexed_to = ? WHERE id = 1');
  // When this process first saw the current tail; a tail another process left is dated
  // from when this one noticed it (so indexed at most TAIL_MS later than it would be).
  let since: number | null = null;
  return {
    index(all) {
      const bounds = tail.get();
      if (!bounds || bounds.next <= bounds.start) {
        since = null;
        return false;
      }
      since ??= now();
      const due = all || bounds.next - bounds.start >= TAIL_ROWS || now() - since >= TAIL_MS;
      if (!due) return true;
      fill.run(bounds.start, bounds.next);
      move.run(bounds.next);
      since = null;
      return false;
    },
    pending() {
      const bounds = tail.get();
      return bounds !== undefined && bounds.next > bounds.start;
    },
  };
}
