import { chmodSync, closeSync, existsSync, openSync, rmSync, statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { StoreUnavailable } from '../types';
import type { GroupCommit } from './group-commit';
import { createIndexer, searchSchemaSql } from './search-worker.mjs';

/**
 * The search index in a database file of its own, written by a thread of its own.
 *
 * Why: FTS5 merges an index's segments inside whichever transaction writes it, and a merge
 * step cannot be bounded in time (tens of ms after a burst). With the index in the messages'
 * file every commit that did a step, or waited behind one for the file's write lock,
 * stalled delivery (docs/BENCHMARKS.md, "Where the API stands", the p99 bullet). Now the
 * index is `<messages file>.search`, with its own write lock, and the thread of
 * search-worker.mjs indexes new messages, queued edits and deletions, and older messages,
 * reading the messages' file without ever taking its write lock: no message commit does or
 * waits for FTS work.
 *
 * Searches query on a connection of their own (the messages' file read-only, the search
 * file attached as `search`): attached to the connection that writes messages, every
 * BEGIN IMMEDIATE would take the search file's write lock too. Before it queries, a search
 * asks the thread to catch up with every message stored so far, so it still finds every
 * message whose send was acknowledged.
 *
 * The API runs for weeks: a thread that fails (a step's SQLite error such as SQLITE_FULL or
 * SQLITE_IOERR ends it, with its connections; a crash) is started again after a pause of
 * 1 s, doubling up to 60 s while it keeps failing. Meanwhile the index may lack messages,
 * so a search waits for the next thread (its request is posted again to it) and fails with
 * StoreUnavailable (503) if none is back within `unavailableMs`: never a silent partial
 * answer.
 *
 * An in-memory store has no file a thread could open: its index is an attached in-memory
 * database that the store indexes itself, on its own connection, before each search.
 */
export interface SearchIndex {
  /** The connection searches run on; null when there is no index to search (see below). */
  readonly reader: Database.Database | null;
  /**
   * Resolves once everything stored before this call is in the index. Rejects with
   * StoreUnavailable if no thread can do it (one failed and none is back within
   * `unavailableMs`, or the index stopped).
   */
  catchUp(): Promise<void>;
  /**
   * Resolves once the messages older than the index are in it, and merged (by whichever
   * thread gets there: a failed one is started again); rejects if the index stops before.
   */
  readonly backfilled: Promise<void>;
  /** Indexes what is stored, ends the thread and closes the reader. Idempotent. */
  stop(): Promise<void>;
  /** The thread's last failure, if any. */
  readonly lastError: string | null;
  /** The thread's state; null when there is none (read-only or in-memory). */
  readonly stats: SearchThreadStats | null;
}

/** The search file of a messages' file. */
export function searchFilePath(path: string): string {
  return `${path}.search`;
}

export interface SearchIndexOptions {
  path: string;
  busyTimeoutMs: number;
  readonly: boolean;
  /** How the store writes the messages' file: the queue's applied entries are pruned with it. */
  group: GroupCommit;
  /** Poll intervals of the thread: while messages arrive, and once quiet. */
  activeMs?: number;
  idleMs?: number;
  /** The first pause before a failed thread is started again (doubling up to 60 s). */
  restartMs?: number;
  /**
   * How long a search waits for a thread while none runs before it fails with
   * StoreUnavailable. Default: the busy timeout, at least twice restartMs.
   */
  unavailableMs?: number;
  /** Told of each failure of the thread, which is then started again by itself. */
  onFailure?: (failure: SearchThreadFailure) => void;
}

export interface SearchThreadFailure {
  /** What failed (an SQLite error's message, or how the thread ended). */
  error: string;
  /** When the next thread starts. */
  restartInMs: number;
}

/** The index's thread, for tests and maintenance. */
export interface SearchThreadStats {
  /** Whether a thread runs now (false between a failure and its restart, and once stopped). */
  readonly running: boolean;
  /** Times a thread ended without being asked to (each was started again). */
  readonly failures: number;
  readonly lastError: string | null;
}

type WorkerMessage =
  | { type: 'caught'; ids: number[] }
  | { type: 'queue'; queueTo: number }
  | { type: 'backfilled' }
  | { type: 'closed' }
  | { type: 'error'; message: string };

/** Queue entries applied by the thread are deleted from the messages' file at most this often. */
const PRUNE_MS = 10_000;
/** The pause before a failed thread is started again: doubled at each failure, up to the max. */
const RESTART_MS = 1_000;
const MAX_RESTART_MS = 60_000;
/** A thread that ran this long before it failed was healthy: the pause starts over. */
const HEALTHY_MS = 60_000;

export function openSearchIndex(db: Database.Database, options: SearchIndexOptions): SearchIndex {
  if (db.memory) return inMemoryIndex(db);
  const searchPath = searchFilePath(options.path);
  if (options.readonly) return readOnlyIndex(options.path, searchPath, options.busyTimeoutMs);

  createSearchFile(db, searchPath, options.busyTimeoutMs);
  const reader = openReader(options.path, searchPath, options.busyTimeoutMs);
  const firstRestartMs = options.restartMs ?? RESTART_MS;
  const waitMs = options.unavailableMs ?? Math.max(options.busyTimeoutMs, 2 * firstRestartMs);

  const stats = { running: false, failures: 0, lastError: null as string | null };
  let nextId = 1;
  /**
   * Catch-up requests not answered yet, whichever thread they were posted to: a thread that
   * dies leaves them here, and the next one is asked again. `deadline` runs only while a
   * request waits with no thread to answer it.
   */
  const waiting = new Map<
    number,
    {
      resolve: () => void;
      reject: (error: Error) => void;
      deadline: NodeJS.Timeout | undefined;
    }
  >();
  let backfilled!: () => void;
  let backfillFailed!: (error: Error) => void;
  const backfilledPromise = new Promise<void>((resolve, reject) => {
    backfilled = resolve;
    backfillFailed = reject;
  });
  // Nobody may be waiting: a failure must not become an unhandled rejection.
  backfilledPromise.catch(() => undefined);
  let pruned = 0;
  let pruneAt = 0;
  const prune = db.prepare<[number]>('DELETE FROM search_queue WHERE seq <= ?');

  const settle = (id: number, error: Error | null) => {
    const entry = waiting.get(id);
    if (!entry) return;
    waiting.delete(id);
    clearTimeout(entry.deadline);
    if (error) entry.reject(error);
    else entry.resolve();
  };
  /** A request with no thread to answer it fails if none is back within waitMs. */
  const armDeadline = (id: number) => {
    const entry = waiting.get(id);
    if (!entry || entry.deadline !== undefined) return;
    entry.deadline = setTimeout(() => {
      settle(
        id,
        new StoreUnavailable(
          `the search index thread is not running (${stats.lastError ?? 'restarting'})`,
        ),
      );
    }, waitMs);
  };

  let worker: Worker | null = null;
  let stopping: Promise<void> | null = null;
  let restartTimer: NodeJS.Timeout | undefined;
  let delayMs = firstRestartMs;
  /** Resolves when the current thread has ended, whether asked to or not. */
  let exited: Promise<void> = Promise.resolve();
  let closed: Promise<void> = Promise.resolve();

  const start = () => {
    restartTimer = undefined;
    const startedAt = Date.now();
    const thread = new Worker(new URL('./search-worker.mjs', import.meta.url), {
      // Plain JavaScript: none of the parent's flags (loaders, preloads) apply to it.
      execArgv: [],
      workerData: {
        searchWorker: true,
        searchPath,
        messagesPath: options.path,
        busyTimeoutMs: options.busyTimeoutMs,
        activeMs: options.activeMs ?? 50,
        idleMs: options.idleMs ?? 200,
      },
    });
    thread.unref();
    worker = thread;
    stats.running = true;
    let closedNow!: () => void;
    closed = new Promise<void>((resolve) => (closedNow = resolve));
    thread.on('message', (message: WorkerMessage) => {
      switch (message.type) {
        case 'caught':
          for (const id of message.ids) settle(id, null);
          break;
        case 'error':
          // The thread ends after this: its requests go to the next one (see 'exit').
          stats.lastError = message.message;
          break;
        case 'backfilled':
          backfilled();
          break;
        case 'queue':
          // Rare (edits and deletions): the applied entries go with the next group commit.
          if (message.queueTo > pruned && Date.now() >= pruneAt) {
            pruneAt = Date.now() + PRUNE_MS;
            const upTo = message.queueTo;
            options.group
              .write(() => prune.run(upTo))
              .then(() => (pruned = upTo))
              .catch(() => undefined);
          }
          break;
        case 'closed':
          closedNow();
          break;
      }
    });
    // Typed here: @types/node 24 declares the listener's argument as any.
    thread.on('error', (error: Error) => {
      stats.lastError = error.message;
    });
    exited = new Promise<void>((resolve) => {
      thread.once('exit', () => {
        worker = null;
        stats.running = false;
        closedNow();
        resolve();
        if (stopping) return;
        // Not asked to end: a failure (a step's SQLite error, a crash). Started again after
        // a pause that doubles while it keeps failing and starts over once it ran a while.
        if (Date.now() - startedAt >= HEALTHY_MS) delayMs = firstRestartMs;
        const restartInMs = delayMs;
        delayMs = Math.min(delayMs * 2, MAX_RESTART_MS);
        stats.failures++;
        options.onFailure?.({ error: stats.lastError ?? 'the thread ended', restartInMs });
        for (const id of waiting.keys()) armDeadline(id);
        restartTimer = setTimeout(restart, restartInMs);
        // Never what keeps a process alive, as the thread itself.
        restartTimer.unref();
      });
    });
  };
  const restart = () => {
    try {
      start();
    } catch (error) {
      // Cannot even be made (out of resources): tried again as after a failure.
      stats.lastError = error instanceof Error ? error.message : String(error);
      restartTimer = setTimeout(restart, delayMs);
      restartTimer.unref();
      delayMs = Math.min(delayMs * 2, MAX_RESTART_MS);
      return;
    }
    // The requests the last thread left unanswered (their deadlines still run).
    for (const id of waiting.keys()) worker?.postMessage({ type: 'catchup', id });
  };
  try {
    start();
  } catch (error) {
    reader.close();
    throw error;
  }

  return {
    reader,
    backfilled: backfilledPromise,
    get lastError() {
      return stats.lastError;
    },
    stats,
    catchUp() {
      if (stopping) return Promise.reject(new StoreUnavailable('the store is closed'));
      const id = nextId++;
      return new Promise<void>((resolve, reject) => {
        waiting.set(id, { resolve, reject, deadline: undefined });
        // No thread: the index may lack acknowledged messages, so the search waits for the
        // next thread (posted to it by restart) or fails; it never answers from a stale index.
        if (worker) worker.postMessage({ type: 'catchup', id });
        else armDeadline(id);
      });
    },
    stop() {
      stopping ??= (async () => {
        clearTimeout(restartTimer);
        restartTimer = undefined;
        const thread = worker;
        if (thread) {
          thread.postMessage({ type: 'close' });
          const timer = setTimeout(() => void thread.terminate(), 10_000);
          await closed;
          await exited;
          clearTimeout(timer);
        }
        const ended = new StoreUnavailable(
          `the search index thread ended (${stats.lastError ?? 'closed'})`,
        );
        for (const id of [...waiting.keys()]) settle(id, ended);
        // Settled already if a thread finished the backfill; otherwise none will now.
        backfillFailed(ended);
        reader.close();
      })();
      return stopping;
    },
  };
}

/**
 * Creates the search file if it is not there (a new store, one upgraded by migration 14, or
 * a file removed to rebuild the index): the marks start at the next message's key, so new
 * messages are the tail and the ones already stored the backfill, newest first.
 */
function createSearchFile(db: Database.Database, searchPath: string, busyTimeoutMs: number) {
  if (existsSync(searchPath) && aheadOfMessages(db, searchPath)) {
    for (const file of [searchPath, `${searchPath}-wal`, `${searchPath}-shm`])
      rmSync(file, { force: true });
  }
  if (!existsSync(searchPath)) closeSync(openSync(searchPath, 'a', 0o600));
  for (const file of [searchPath, `${searchPath}-wal`, `${searchPath}-shm`]) {
    if (!existsSync(file)) continue;
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0) chmodSync(file, mode & 0o700);
  }
  const search = new Database(searchPath, { timeout: busyTimeoutMs });
  try {
    search.pragma('journal_mode = WAL');
    search.pragma('secure_delete = ON');
    const start = db
      .prepare<[], number>('SELECT coalesce(max(key), 0) + 1 FROM messages')
      .pluck(true)
      .get();
    const queueTo = db
      .prepare<[], number>('SELECT coalesce(max(seq), 0) FROM search_queue')
      .pluck(true)
      .get();
    search
      .transaction(() => {
        search.exec(searchSchemaSql('main'));
        search
          .prepare<[number, number, number]>(
            `INSERT OR IGNORE INTO search_state (id, indexed_from, indexed_to, queue_to)
             VALUES (1, ?, ?, ?)`,
          )
          .run(start ?? 1, start ?? 1, queueTo ?? 0);
      })
      .immediate();
  } finally {
    search.close();
  }
}

/**
 * Whether the search file has indexed more than the messages' file holds: the messages' file
 * was put back from a backup (operations.md) or replaced, so the index describes other
 * messages and is rebuilt. Its marks can only be ahead so: a thread moves them to what it
 * read from the messages' file, and the queue's numbers are never given twice.
 */
function aheadOfMessages(db: Database.Database, searchPath: string): boolean {
  const search = new Database(searchPath, { readonly: true, fileMustExist: true });
  try {
    const marks = search
      .prepare<[], { to: number; queueTo: number }>(
        'SELECT indexed_to AS "to", queue_to AS queueTo FROM search_state WHERE id = 1',
      )
      .get();
    if (!marks) return false;
    const next = db
      .prepare<[], number>('SELECT coalesce(max(key), 0) + 1 FROM messages')
      .pluck(true)
      .get();
    const queued = db
      .prepare<[], number>(
        "SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'search_queue'",
      )
      .pluck(true)
      .get();
    return marks.to > (next ?? 1) || marks.queueTo > (queued ?? 0);
  } catch {
    // No marks table (a file cut short while it was made): made again.
    return true;
  } finally {
    search.close();
  }
}

function openReader(path: string, searchPath: string, busyTimeoutMs: number): Database.Database {
  const reader = new Database(path, { readonly: true, timeout: busyTimeoutMs });
  try {
    reader.prepare('ATTACH ? AS search').run(searchPath);
  } catch (error) {
    reader.close();
    throw error;
  }
  return reader;
}

/**
 * A read-only store searches what the writers have indexed (a writer's close indexes
 * everything first); with no search file, it finds nothing.
 */
function readOnlyIndex(path: string, searchPath: string, busyTimeoutMs: number): SearchIndex {
  const reader = existsSync(searchPath) ? openReader(path, searchPath, busyTimeoutMs) : null;
  return {
    reader,
    backfilled: Promise.resolve(),
    lastError: null,
    stats: null,
    catchUp: () => Promise.resolve(),
    stop() {
      if (reader?.open) reader.close();
      return Promise.resolve();
    },
  };
}

/** The index of an in-memory store: attached, and indexed on the store's connection. */
function inMemoryIndex(db: Database.Database): SearchIndex {
  db.exec("ATTACH ':memory:' AS search");
  db.exec(searchSchemaSql('search'));
  db.exec('INSERT INTO search.search_state VALUES (1, 1, 1, 0)');
  const indexer = createIndexer(db, { search: 'search', messages: 'main' });
  const catchUp = () => {
    if (!db.open) return;
    while (indexer.step({ backfill: false }).tail) {
      // Another batch.
    }
  };
  return {
    reader: db,
    backfilled: Promise.resolve(),
    lastError: null,
    stats: null,
    catchUp: () => {
      try {
        catchUp();
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
    stop: () => Promise.resolve(),
  };
}

/**
 * Checks the search file's index for internal consistency (FTS5's integrity-check), throwing
 * if it is damaged: for tests and maintenance, beside a running store or not.
 */
export function checkSearchFile(path: string, busyTimeoutMs = 5_000): void {
  const search = new Database(searchFilePath(path), {
    fileMustExist: true,
    timeout: busyTimeoutMs,
  });
  try {
    search.exec("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)");
  } finally {
    search.close();
  }
}

/**
 * The keys of the messages the search file's index matches for an FTS5 query, newest first
 * (what a search walks before its membership and kind checks): for tests and maintenance.
 */
export function searchFileMatches(path: string, match: string): number[] {
  const search = new Database(searchFilePath(path), { readonly: true, fileMustExist: true });
  try {
    return search
      .prepare<[string], number>(
        'SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rowid DESC',
      )
      .pluck(true)
      .all(match);
  } finally {
    search.close();
  }
}
