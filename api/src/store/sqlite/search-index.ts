import type { Database } from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import type { SqliteContext } from './context';

/**
 * Keeps new messages searchable without indexing them on the event loop (migration 12).
 *
 * A message is committed unindexed, as part of the index's tail (keys from
 * search_backfill.indexed_to up). A worker thread with its own connection indexes the tail
 * after each commit, a short batch per transaction, taking the write turn (write-turn.ts)
 * so the loop never waits in SQLite's busy handler. A search first indexes whatever tail
 * is left, in a group commit of its own, so it finds every message acknowledged before it
 * started. Where no thread can run (an in-memory database) or it has died, each group
 * commit indexes its tail itself, inside its own transaction, as the insert trigger did.
 */

/**
 * Indexes the messages with `from <= key < to`: the one statement that says what of a
 * message goes into the index (its body, and its conversation as one hex token that the
 * search's query names; see ftsMatch in messages.ts). The backfill of older messages uses it
 * too; a change to the messages' columns is made here.
 */
export const INDEX_MESSAGES_SQL = `
  INSERT INTO messages_fts (rowid, body, conversation)
  SELECT key, body, lower(hex(conversation_id)) FROM messages WHERE key >= ? AND key < ?`;

/** The tail's bounds: [indexed_to, next), next being the key the next message gets. */
const TAIL_SQL = `
  SELECT indexed_to AS start, coalesce((SELECT max(key) FROM messages), 0) + 1 AS next
  FROM search_backfill WHERE id = 1`;
const MOVE_SQL = 'UPDATE search_backfill SET indexed_to = ? WHERE id = 1';

/** Messages per transaction in the thread: about a millisecond of holding the write turn. */
const THREAD_BATCH = 64;

export interface SearchIndexStats {
  /** Whether the thread indexes (false: each group commit indexes its own messages). */
  readonly threaded: boolean;
  /** Messages the thread has indexed. */
  readonly indexed: number;
  readonly lastError: string | null;
}

export interface SearchIndex {
  readonly stats: SearchIndexStats;
  /** Indexes whatever tail is left, so a search about to start misses nothing committed. */
  catchUp(): Promise<void>;
  /** Ends the thread (it finishes its batch and closes its connection). Idempotent. */
  stop(): Promise<void>;
}

type WorkerMessage = { type: 'indexed'; count: number } | { type: 'error'; message: string };

/** Indexes up to `limit` messages of the tail in the caller's transaction; returns how many. */
export function tailIndexer(db: Database): (limit: number) => number {
  const tail = db.prepare<[], { start: number; next: number }>(TAIL_SQL);
  const fill = db.prepare<[number, number]>(INDEX_MESSAGES_SQL);
  const move = db.prepare<[number]>(MOVE_SQL);
  return (limit) => {
    const bounds = tail.get();
    if (!bounds || bounds.next <= bounds.start) return 0;
    const end = Math.min(bounds.next, bounds.start + limit);
    fill.run(bounds.start, end);
    move.run(end);
    return end - bounds.start;
  };
}

export function startSearchIndex(
  context: SqliteContext,
  options: { busyTimeoutMs: number },
): SearchIndex {
  const { db, group } = context;
  const indexTail = tailIndexer(db);
  const tail = db.prepare<[], { start: number; next: number }>(TAIL_SQL);
  const stats = { threaded: false, indexed: 0, lastError: null as string | null };
  const inline = () => {
    stats.threaded = false;
    group.inTransaction = () => void indexTail(Number.MAX_SAFE_INTEGER);
  };

  let worker: Worker | null = null;
  let exited: Promise<void> = Promise.resolve();
  if (db.memory || db.readonly) {
    // A read-only store indexes nothing: it searches what the writers have indexed.
    if (!db.readonly) inline();
  } else {
    const thread = new Worker(new URL('./search-index-worker.mjs', import.meta.url), {
      // Plain JavaScript: none of the parent's flags (loaders, preloads) apply to it.
      execArgv: [],
      workerData: {
        path: db.name,
        busyTimeoutMs: options.busyTimeoutMs,
        turn: group.turn.buffer,
        batch: THREAD_BATCH,
        sql: { tail: TAIL_SQL, fill: INDEX_MESSAGES_SQL, move: MOVE_SQL },
      },
    });
    worker = thread;
    stats.threaded = true;
    thread.unref();
    thread.on('message', (message: WorkerMessage) => {
      if (message.type === 'indexed') stats.indexed += message.count;
      else stats.lastError = message.message;
    });
    exited = new Promise<void>((resolve) => {
      thread.once('exit', () => {
        // Gone (stopped or failed): the loop indexes its own messages from now on, and the
        // turn is the loop's alone.
        if (db.open) inline();
        group.turn.give();
        resolve();
      });
    });
    // Typed here: @types/node 24 declares the listener's argument as any.
    thread.on('error', (error: Error) => {
      stats.lastError = error.message;
    });
  }

  let stopping: Promise<void> | null = null;
  return {
    stats,
    async catchUp() {
      if (db.readonly) return;
      const pending = await context.run(() => {
        const bounds = tail.get();
        return bounds !== undefined && bounds.next > bounds.start;
      });
      if (pending) await group.write(() => indexTail(Number.MAX_SAFE_INTEGER));
    },
    stop() {
      stopping ??= (async () => {
        const thread = worker;
        if (!thread) return;
        thread.postMessage('close');
        const timer = setTimeout(() => void thread.terminate(), 5_000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}
