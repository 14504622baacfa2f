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
 * An in-memory store has no file a thread could open: its index is an attached in-memory
 * database that the store indexes itself, on its own connection, before each search.
 */
export interface SearchIndex {
  /** The connection searches run on; null when there is no index to search (see below). */
  readonly reader: Database.Database | null;
  /** Resolves once everything stored before this call is in the index. */
  catchUp(): Promise<void>;
  /**
   * Resolves once the messages older than the index are in it, and merged; rejects if the
   * thread ends before.
   */
  readonly backfilled: Promise<void>;
  /** Indexes what is stored, ends the thread and closes the reader. Idempotent. */
  stop(): Promise<void>;
  /** The thread's last failure, if any. */
  readonly lastError: string | null;
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
}

type WorkerMessage =
  | { type: 'caught'; ids: number[] }
  | { type: 'queue'; queueTo: number }
  | { type: 'backfilled' }
  | { type: 'closed' }
  | { type: 'error'; message: string; ids: number[] };

/** Queue entries applied by the thread are deleted from the messages' file at most this often. */
const PRUNE_MS = 10_000;

export function openSearchIndex(db: Database.Database, options: SearchIndexOptions): SearchIndex {
  if (db.memory) return inMemoryIndex(db);
  const searchPath = searchFilePath(options.path);
  if (options.readonly) return readOnlyIndex(options.path, searchPath, options.busyTimeoutMs);

  createSearchFile(db, searchPath, options.busyTimeoutMs);
  const reader = openReader(options.path, searchPath, options.busyTimeoutMs);

  let lastError: string | null = null;
  let running = true;
  let nextId = 1;
  const waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
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

  const worker = new Worker(new URL('./search-worker.mjs', import.meta.url), {
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
  worker.unref();
  const settle = (ids: readonly number[], error: Error | null) => {
    for (const id of ids) {
      const entry = waiting.get(id);
      waiting.delete(id);
      if (error) entry?.reject(error);
      else entry?.resolve();
    }
  };
  let closed!: () => void;
  const closedPromise = new Promise<void>((resolve) => (closed = resolve));
  worker.on('message', (message: WorkerMessage) => {
    switch (message.type) {
      case 'caught':
        settle(message.ids, null);
        break;
      case 'error':
        lastError = message.message;
        settle(message.ids, new StoreUnavailable(`search index: ${message.message}`));
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
        closed();
        break;
    }
  });
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', () => {
      running = false;
      const ended = new StoreUnavailable(
        `the search index thread ended (${lastError ?? 'closed'})`,
      );
      settle([...waiting.keys()], ended);
      // Settled already if the backfill was done; otherwise it never will be by this thread.
      backfillFailed(ended);
      closed();
      resolve();
    });
  });
  worker.on('error', (error: Error) => {
    lastError = error.message;
  });

  let stopping: Promise<void> | null = null;
  return {
    reader,
    backfilled: backfilledPromise,
    get lastError() {
      return lastError;
    },
    catchUp() {
      // A thread that died leaves the index as it is: searches find what it holds.
      if (!running) return Promise.resolve();
      const id = nextId++;
      return new Promise<void>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.postMessage({ type: 'catchup', id });
      });
    },
    stop() {
      stopping ??= (async () => {
        reader.close();
        if (!running) return;
        worker.postMessage({ type: 'close' });
        const timer = setTimeout(() => void worker.terminate(), 10_000);
        await closedPromise;
        await exited;
        clearTimeout(timer);
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
