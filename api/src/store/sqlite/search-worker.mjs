// @ts-check
/**
 * The search index's writer (started by search-file.ts), and the indexing it runs, which an
 * in-memory store (no file a thread could open) runs on its own connection instead.
 *
 * Plain JavaScript for the same reason as checkpoint-worker.mjs: a worker thread starts
 * without the TypeScript loader the API runs under.
 *
 * The index is an FTS5 table in a database file of its own beside the messages' file (see
 * search-file.ts), so its writes and FTS5's merging of its segments take that file's write
 * lock, never the messages'. The thread's connection opens the search file and attaches the
 * messages' file, reading it only: a deferred transaction takes a write lock only on the
 * file it writes, so the API's commits never wait for anything done here.
 *
 * What is indexed is said by the marks in the search file, read and moved in the same
 * transaction as the index (so several processes, each with its thread, never index a row
 * twice or skip one): every message with indexed_from <= key < indexed_to is in the index
 * with its body as the messages' file had it at that transaction; messages from indexed_to
 * up are the tail (new messages), below indexed_from the backfill's (older messages,
 * indexed newest first). Edits and deletions are queued in the messages' file by triggers
 * (migration 14; appends add no write), and queue_to says how far the queue is applied:
 * each queued key leaves the index and goes back in with its current body if it is in the
 * marks' range, whatever happened to it meanwhile, so applying an entry twice or late
 * changes nothing.
 */
import { execFileSync } from 'node:child_process';
import { readlinkSync, statSync } from 'node:fs';
import { setPriority } from 'node:os';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** New messages indexed per transaction (a burst's tail takes several). */
const TAIL_BATCH = 5_000;
/** Older messages indexed per transaction by the backfill. */
const BACKFILL_BATCH = 2_000;
/** Index pages merged per step once the backfill is done. */
const MERGE_PAGES = 2_000;

/**
 * The search file's schema. Contentless (the bodies stay in the messages' file only) with
 * deletion by rowid (contentless_delete), since an edited body's old words cannot be read
 * back for FTS5's 'delete' command. Tokenizer and prefixes as since migration 7;
 * columnsize=0 is not allowed with contentless_delete. secure-delete: a removed body's
 * words leave the index b-tree itself, not only shadowed by a marker.
 *
 * @param {string} schema the name the search file has on the connection
 */
export function searchSchemaSql(schema) {
  return `
    CREATE VIRTUAL TABLE IF NOT EXISTS ${schema}.messages_fts USING fts5(
      body,
      conversation,
      content = '',
      contentless_delete = 1,
      tokenize = 'unicode61 remove_diacritics 2',
      prefix = '2 3'
    );
    INSERT INTO ${schema}.messages_fts (messages_fts, rank) VALUES ('secure-delete', 1);
    CREATE TABLE IF NOT EXISTS ${schema}.search_state (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      indexed_from INTEGER NOT NULL,
      indexed_to INTEGER NOT NULL,
      queue_to INTEGER NOT NULL
    ) STRICT;`;
}

/**
 * @typedef {{ tail: boolean, backfill: boolean, merge: boolean, queueTo: number, idle: boolean }} StepResult
 *   whether tail, backfill or merging work remains, the queue's mark, and whether the step
 *   found nothing to do
 * @typedef {{ step(options: { backfill: boolean }): StepResult }} Indexer
 */

/**
 * The indexing, on a connection that sees the search file as `search` and the messages'
 * file as `messages` (schema names). Each step is one transaction that takes the search
 * file's write lock first (a write to its marks), then reads the messages: so its snapshot
 * of them is no older than the one of any step committed before it, from any process.
 *
 * @param {import('better-sqlite3').Database} db
 * @param {{ search: string, messages: string }} names
 * @returns {Indexer}
 */
export function createIndexer(db, names) {
  const s = names.search;
  const m = names.messages;
  const claim = db.prepare(`UPDATE ${s}.search_state SET id = 1 WHERE id = 1`);
  const marks =
    /** @type {import('better-sqlite3').Statement<[], { from: number, to: number, queueTo: number }>} */ (
      db.prepare(
        `SELECT indexed_from AS "from", indexed_to AS "to", queue_to AS queueTo
       FROM ${s}.search_state WHERE id = 1`,
      )
    );
  const next = /** @type {import('better-sqlite3').Statement<[], number>} */ (
    db.prepare(`SELECT coalesce(max(key), 0) + 1 FROM ${m}.messages`).pluck(true)
  );
  const lastQueued = /** @type {import('better-sqlite3').Statement<[], number>} */ (
    db.prepare(`SELECT coalesce(max(seq), 0) FROM ${m}.search_queue`).pluck(true)
  );
  const queued =
    /** @type {import('better-sqlite3').Statement<[number], { seq: number, key: number }>} */ (
      db.prepare(`SELECT seq, key FROM ${m}.search_queue WHERE seq > ? ORDER BY seq`)
    );
  const unindex = db.prepare(`DELETE FROM ${s}.messages_fts WHERE rowid = ?`);
  const fill = db.prepare(
    `INSERT INTO ${s}.messages_fts (rowid, body, conversation)
     SELECT key, body, lower(hex(conversation_id)) FROM ${m}.messages
     WHERE key >= ? AND key < ?`,
  );
  const move = db.prepare(
    `UPDATE ${s}.search_state SET indexed_from = ?, indexed_to = ?, queue_to = ? WHERE id = 1`,
  );
  // Negative: merge whatever segments there are, toward one (a query probes every segment).
  const merge = db.prepare(
    `INSERT INTO ${s}.messages_fts (messages_fts, rank) VALUES ('merge', -${MERGE_PAGES})`,
  );
  let merged = false;

  return {
    step({ backfill }) {
      // A look first, outside any transaction: a step with nothing to do writes nothing.
      const seen = marks.get();
      if (!seen) throw new Error('the search file has no marks');
      const work =
        (next.get() ?? 1) !== seen.to ||
        (lastQueued.get() ?? 0) > seen.queueTo ||
        (backfill && (seen.from > 1 || !merged));
      if (!work)
        return { tail: false, backfill: false, merge: false, queueTo: seen.queueTo, idle: true };
      db.exec('BEGIN');
      try {
        claim.run();
        const mark = marks.get();
        if (!mark) throw new Error('the search file has no marks');
        const top = next.get() ?? 1;
        // Rows deleted from the top (an operator's clean-up) give their keys to the next
        // messages: those are tail again. Their queue entries below take them out.
        let to = Math.min(mark.to, top);
        let from = Math.min(mark.from, to);
        let queueTo = mark.queueTo;
        for (const entry of queued.all(queueTo)) {
          unindex.run(entry.key);
          if (entry.key >= from && entry.key < to) fill.run(entry.key, entry.key + 1);
          queueTo = entry.seq;
        }
        const end = Math.min(top, to + TAIL_BATCH);
        if (end > to) fill.run(to, end);
        to = end;
        let mergeLeft = false;
        if (backfill && from > 1) {
          const start = Math.max(1, from - BACKFILL_BATCH);
          fill.run(start, from);
          from = start;
          merged = false;
        } else if (backfill && !merged) {
          // Fewer than 2 changes: nothing left to merge.
          merged = merge.run().changes < 2;
          mergeLeft = !merged;
        }
        move.run(from, to, queueTo);
        db.exec('COMMIT');
        return { tail: to < top, backfill: from > 1, merge: mergeLeft, queueTo, idle: false };
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    },
  };
}

/**
 * Whether an error is SQLite's word for a file that is not (or no longer) a sound database:
 * SQLITE_CORRUPT and SQLITE_NOTADB with their extended codes (SQLITE_CORRUPT_VTAB is FTS5's).
 *
 * @param {unknown} error
 */
export function isDamage(error) {
  const code = /** @type {{ code?: unknown }} */ (error)?.code;
  return typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB)(_|$)/.test(code);
}

/**
 * The file at `path` as the file system knows it (device and inode), or null if there is
 * none. Two processes on one messages' file share its search file: when one moves a damaged
 * search file aside and makes a new one, the other's connections still hold the old one,
 * and only this tells it (search-file.ts follows the file the path names).
 *
 * @param {string} path
 */
export function fileIdentity(path) {
  const stat = statSync(path, { bigint: true, throwIfNoEntry: false });
  return stat ? `${stat.dev}:${stat.ino}` : null;
}

/**
 * Whether the search file itself is damaged, checked on a connection of its own: an error
 * seen on a connection that also reads the messages' file may have come from that file, and
 * moving the search file aside would not mend it. SQLite's quick_check covers the file's
 * b-trees, FTS5's integrity-check the index kept in them. Both read the whole file: run
 * only after a damage error, and here, off the API's event loop.
 *
 * @param {string} path the search file
 * @param {number} busyTimeoutMs
 */
export function searchFileDamaged(path, busyTimeoutMs) {
  /** @type {import('better-sqlite3').Database | undefined} */
  let db;
  try {
    db = new Database(path, { fileMustExist: true, timeout: busyTimeoutMs });
    if (db.pragma('quick_check', { simple: true }) !== 'ok') return true;
    db.exec("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)");
    return false;
  } catch (error) {
    return isDamage(error);
  } finally {
    db?.close();
  }
}

/**
 * Indexing is never urgent next to delivery: a search waits for it, a message does not. On
 * Linux this thread runs at nice 10 and, where util-linux's chrt is installed, under
 * SCHED_IDLE, so a woken event loop (which carries every socket) preempts it instead of
 * waiting for its core (as the hashing threads do: hash-worker.mjs).
 */
function lowerPriority() {
  if (process.platform !== 'linux') return;
  try {
    // On Linux a nice value belongs to a thread: 0 means this thread.
    setPriority(0, 10);
    const tid = readlinkSync('/proc/thread-self').split('/').at(-1) ?? '';
    execFileSync('chrt', ['--idle', '-p', '0', tid], { stdio: 'ignore' });
  } catch {
    // Not allowed, or no chrt: indexing still works, at the priority it has.
  }
}

/** The thread: polls for new messages and queued changes, answers catch-up requests. */
function runThread() {
  /** @type {{ searchPath: string, messagesPath: string, busyTimeoutMs: number, activeMs: number, idleMs: number }} */
  const options = workerData;
  if (!parentPort) return;
  const port = parentPort;
  lowerPriority();
  /**
   * Tells search-file.ts why this thread ends (it starts another after a pause and asks it
   * again for the requests this one leaves unanswered, and builds a damaged file anew first).
   *
   * @param {unknown} error
   */
  const report = (error) => {
    const message = error instanceof Error ? error.message : String(error);
    const damaged = isDamage(error) && searchFileDamaged(options.searchPath, options.busyTimeoutMs);
    port.postMessage({ type: 'error', message, damaged });
  };
  /** @type {import('better-sqlite3').Database} */
  let db;
  /** @type {Indexer} */
  let indexer;
  /** @type {string | null} The file this thread's connection opened (see fileIdentity). */
  let identity = null;
  try {
    db = new Database(options.searchPath, { timeout: options.busyTimeoutMs });
    identity = fileIdentity(options.searchPath);
    // The index can be rebuilt from the messages, and a lost transaction takes its marks
    // with it: no fsync per step is needed for it to stay exact.
    db.pragma('synchronous = NORMAL');
    // Removed words' pages are zeroed in the file, as the messages' file's are (index.ts).
    db.pragma('secure_delete = ON');
    db.prepare('ATTACH ? AS messages').run(options.messagesPath);
    indexer = createIndexer(db, { search: 'main', messages: 'messages' });
  } catch (error) {
    // A file damaged while no thread ran shows here, on the first read of its header.
    report(error);
    port.close();
    return;
  }

  /** @type {number[]} */
  let waiting = [];
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  let closing = false;
  let backfillDone = false;
  let lastQueueTo = -1;

  /** Indexes the tail and the queue until caught up; returns the last step. */
  const catchUp = (/** @type {boolean} */ backfill) => {
    const first = indexer.step({ backfill });
    let result = first;
    while (result.tail) result = indexer.step({ backfill: false });
    return { ...result, merge: first.merge, idle: first.idle };
  };

  function tick() {
    timer = undefined;
    const answering = waiting;
    waiting = [];
    let delay;
    try {
      if (fileIdentity(options.searchPath) !== identity) {
        // Another process moved the file aside (damaged) or it was removed: the next thread
        // opens the file there now, and search-file.ts attaches its reader to it too.
        throw new Error('the search file was moved aside or removed by another process');
      }
      const result = catchUp(!closing);
      if (answering.length > 0) port.postMessage({ type: 'caught', ids: answering });
      if (result.queueTo !== lastQueueTo) {
        lastQueueTo = result.queueTo;
        port.postMessage({ type: 'queue', queueTo: result.queueTo });
      }
      if (result.backfill || result.merge) delay = 0;
      else {
        if (!backfillDone) port.postMessage({ type: 'backfilled' });
        backfillDone = true;
        delay = result.idle ? options.idleMs : options.activeMs;
      }
    } catch (error) {
      // The thread ends, with its connections: an I/O error or a damaged file can leave a
      // connection unusable.
      report(error);
      if (!closing) end();
      return;
    }
    if (!closing) schedule(delay);
  }

  const end = () => {
    closing = true;
    if (timer !== undefined) clearTimeout(timer);
    try {
      db.close();
    } catch {
      // Ending anyway.
    }
    port.close();
  };

  const schedule = (/** @type {number} */ delay) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(tick, delay);
  };

  port.on('message', (/** @type {{ type: string, id?: number, error?: string }} */ message) => {
    if (message.type === 'catchup' && message.id !== undefined) {
      waiting.push(message.id);
      // At once: a search waits for the answer (a timer would add a millisecond or more).
      if (timer !== undefined) clearTimeout(timer);
      tick();
    } else if (message.type === 'check' && message.error !== undefined) {
      // A search on the API's own connection met a damage error: this thread checks the
      // file, and ends so that a damaged one is moved aside and built anew.
      if (!closing && searchFileDamaged(options.searchPath, options.busyTimeoutMs)) {
        port.postMessage({ type: 'error', message: message.error, damaged: true });
        end();
      }
    } else if (message.type === 'rebuilding') {
      // The index is being built anew (a damaged file moved aside by another process):
      // 'backfilled' is said once more, when the new file holds every message.
      backfillDone = false;
    } else if (message.type === 'close') {
      closing = true;
      if (timer !== undefined) clearTimeout(timer);
      // What is stored now is indexed before the thread ends (a failure leaves it to the
      // next opening: the marks say where it stands).
      tick();
      db.close();
      port.postMessage({ type: 'closed' });
      port.close();
    }
  });
  tick();
}

if (!isMainThread && workerData?.searchWorker === true) runThread();
