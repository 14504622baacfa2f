import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { StoreUnavailable, type SearchThreadStats } from '../types';
import type { GroupCommit } from './group-commit';
import { createSearchFile, moveAside, type SearchFileDamage } from './search-file-disk';
import { createIndexer, fileIdentity, isDamage, searchSchemaSql } from './search-worker.mjs';

export type { SearchFileDamage } from './search-file-disk';
export type { SearchThreadStats } from '../types';

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
 * A damaged search file (found on opening, by a thread's step or by a search) is moved aside
 * and built anew from the messages while the store runs (search-file-disk.ts). Until the new
 * index holds every message again, searches fail with StoreUnavailable at once: the first
 * build after an upgrade answers from the part done so far, newest first, but a rebuild
 * must not make messages that were found a moment ago silently disappear.
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
   * After a rebuild, the rebuild's (an earlier promise still pending follows it).
   */
  readonly backfilled: Promise<void>;
  /**
   * A search on `reader` failed with this error: if it says the file is damaged, the thread
   * checks the file and, if so, it is rebuilt.
   */
  queryFailed(error: unknown): void;
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
  /** Told when the search file was found damaged and moved aside, before it is rebuilt. */
  onDamaged?: (damage: SearchFileDamage) => void;
}

export interface SearchThreadFailure {
  /** What failed (an SQLite error's message, or how the thread ended). */
  error: string;
  /** When the next thread starts. */
  restartInMs: number;
}

type WorkerMessage =
  | { type: 'caught'; ids: number[] }
  | { type: 'queue'; queueTo: number }
  | { type: 'backfilled' }
  | { type: 'closed' }
  /** `damaged`: the thread checked the search file itself after the error, and it is. */
  | { type: 'error'; message: string; damaged: boolean };

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

  const damagedOnOpening = createSearchFile(db, searchPath, options.busyTimeoutMs);
  const reader = openReader(options.path, searchPath, options.busyTimeoutMs);
  /**
   * The search file the reader has attached (see fileIdentity): another process on this
   * messages' file may move it aside and make a new one, and this store then follows.
   */
  let attached = fileIdentity(searchPath);
  const firstRestartMs = options.restartMs ?? RESTART_MS;
  const waitMs = options.unavailableMs ?? Math.max(options.busyTimeoutMs, 2 * firstRestartMs);

  const stats = {
    running: false,
    failures: 0,
    lastError: null as string | null,
    rebuilding: false,
    rebuilds: 0,
  };
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
  let backfill = settleable();
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

  /**
   * The index is being built anew: searches fail from now until it holds every message, and
   * whoever waits for the backfill waits for the rebuild's. `damage` when this store moved
   * the file aside; null when another process did.
   */
  const rebuilding = (damage: SearchFileDamage | null) => {
    stats.rebuilding = true;
    stats.rebuilds++;
    const next = settleable();
    backfill.resolve(next.promise);
    backfill = next;
    const unavailable = new StoreUnavailable('the search index is being rebuilt');
    for (const id of [...waiting.keys()]) settle(id, unavailable);
    worker?.postMessage({ type: 'rebuilding' });
    if (damage) options.onDamaged?.(damage);
  };
  /**
   * Makes the reader use a sound search file: the damaged one is moved aside and an empty
   * one made; if another process did that already (the path names another file than the one
   * attached, or none), the file there now is used, made if missing.
   */
  const rebuild = (error: string | null) => {
    try {
      reader.exec('DETACH search');
      try {
        if (error !== null && fileIdentity(searchPath) === attached) {
          const movedTo = moveAside(searchPath, new Date());
          createSearchFile(db, searchPath, options.busyTimeoutMs);
          rebuilding({ error, movedTo });
        } else {
          createSearchFile(db, searchPath, options.busyTimeoutMs);
          rebuilding(null);
        }
      } finally {
        reader.prepare('ATTACH ? AS search').run(searchPath);
        attached = fileIdentity(searchPath);
      }
    } catch (failure) {
      // The next opening makes the file again (a file without marks is made anew); until
      // then no search answers from what is there.
      stats.rebuilding = true;
      stats.lastError = failure instanceof Error ? failure.message : String(failure);
    }
  };
  /** Whether the path still names the file the reader has attached. */
  const followed = () => fileIdentity(searchPath) === attached;

  let worker: Worker | null = null;
  /** Whether a search already asked the current thread to check the file (a full read). */
  let checkAsked = false;
  let stopping: Promise<void> | null = null;
  let restartTimer: NodeJS.Timeout | undefined;
  let delayMs = firstRestartMs;
  /** Resolves when the current thread has ended, whether asked to or not. */
  let exited: Promise<void> = Promise.resolve();
  let closed: Promise<void> = Promise.resolve();

  const start = () => {
    restartTimer = undefined;
    const startedAt = Date.now();
    /** The error after which this thread found the search file damaged. */
    let damagedBy: string | null = null;
    checkAsked = false;
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
          if (message.damaged) damagedBy = message.message;
          break;
        case 'backfilled':
          stats.rebuilding = false;
          backfill.resolve();
          break;
        case 'queue':
          // Rare (edits and deletions): the applied entries go with the next group commit.
          // Not while another process's new file may still need those entries.
          if (message.queueTo > pruned && Date.now() >= pruneAt && followed()) {
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
    thread.on('error', (error: unknown) => {
      // What a thread throws arrives serialized: not always an Error any more.
      stats.lastError = error instanceof Error ? error.message : String(error);
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
        if (damagedBy !== null || !followed()) rebuild(damagedBy);
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
  const queryFailed = (error: unknown) => {
    if (!isDamage(error) || !worker || checkAsked) return;
    checkAsked = true;
    worker.postMessage({ type: 'check', error: error instanceof Error ? error.message : '' });
  };
  if (damagedOnOpening) rebuilding(damagedOnOpening);
  try {
    start();
  } catch (error) {
    reader.close();
    throw error;
  }

  return {
    reader,
    get backfilled() {
      return backfill.promise;
    },
    get lastError() {
      return stats.lastError;
    },
    stats,
    queryFailed,
    catchUp() {
      if (stopping) return Promise.reject(new StoreUnavailable('the store is closed'));
      // A stat: a search never answers from a file another process has moved aside.
      if (!followed()) rebuild(null);
      if (stats.rebuilding) {
        return Promise.reject(new StoreUnavailable('the search index is being rebuilt'));
      }
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
        backfill.reject(ended);
        reader.close();
      })();
      return stopping;
    },
  };
}

/** A promise with its settling functions; nobody may be waiting, so a rejection is handled. */
function settleable(): {
  promise: Promise<void>;
  resolve: (value?: PromiseLike<void>) => void;
  reject: (error: Error) => void;
} {
  let resolve!: (value?: PromiseLike<void>) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((done, fail) => {
    resolve = (value) => done(value);
    reject = fail;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
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
    queryFailed: () => undefined,
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
    queryFailed: () => undefined,
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
