import { chmodSync, closeSync, existsSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { isDamage, searchSchemaSql } from './search-worker.mjs';

/*
 * The search file on disk (see search-file.ts for the index it holds and its thread): made
 * when missing, checked against the messages' file on opening, moved aside when damaged.
 */

/**
 * A damaged search file (SQLITE_CORRUPT or SQLITE_NOTADB: disk trouble, a bad restore) is
 * not mended in place: it holds only what can be derived from the messages' file again, so
 * the store moves it aside and builds the index anew (search-file.ts), without a restart.
 * Moved, not deleted: an operator can look at what went wrong (and remove it once done), and
 * nothing is lost without a trace.
 */
export interface SearchFileDamage {
  /** The error that showed it, as SQLite said it (for the log). */
  error: string;
  /** Where the damaged file went (its WAL, if any, beside it with `-wal` appended). */
  movedTo: string;
}

/**
 * Renames the search file and its WAL to `<search file>.damaged-<UTC time>`, which SQLite
 * opens as one database again, and removes its shared-memory file, which is only an index
 * of that WAL. Returns the new name.
 */
export function moveAside(searchPath: string, at: Date): string {
  const movedTo = `${searchPath}.damaged-${at.toISOString().replace(/[:.]/g, '-')}`;
  for (const suffix of ['', '-wal']) {
    if (existsSync(`${searchPath}${suffix}`)) {
      renameSync(`${searchPath}${suffix}`, `${movedTo}${suffix}`);
    }
  }
  rmSync(`${searchPath}-shm`, { force: true });
  return movedTo;
}

/**
 * Creates the search file if it is not there (a new store, one upgraded by migration 14, or
 * a file removed to rebuild the index): the marks start at the next message's key, so new
 * messages are the tail and the ones already stored the backfill, newest first. A file that
 * describes other messages is removed first; a damaged one is moved aside, and returned.
 */
export function createSearchFile(
  db: Database.Database,
  searchPath: string,
  busyTimeoutMs: number,
): SearchFileDamage | null {
  let damage: SearchFileDamage | null = null;
  const found = existsSync(searchPath) ? searchFileState(db, searchPath) : null;
  if (found?.state === 'stale') {
    for (const file of [searchPath, `${searchPath}-wal`, `${searchPath}-shm`])
      rmSync(file, { force: true });
  } else if (found?.state === 'damaged') {
    damage = { error: found.error, movedTo: moveAside(searchPath, new Date()) };
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
  return damage;
}

/**
 * What an existing search file is: `stale` when it has indexed more than the messages' file
 * holds (the messages' file was put back from a backup, operations.md, or replaced, so the
 * index describes other messages; its marks can only be ahead so: a thread moves them to what
 * it read from the messages' file, and the queue's numbers are never given twice) or has no
 * marks (a file cut short while it was made); `damaged` when SQLite cannot read its marks as
 * a database. Only the marks are read here: damage elsewhere in the file shows when a thread
 * or a search reaches it (a full check would hold up the opening by a read of the whole file).
 */
function searchFileState(
  db: Database.Database,
  searchPath: string,
): { state: 'fits' | 'stale' } | { state: 'damaged'; error: string } {
  let marks: { to: number; queueTo: number } | undefined;
  let search: Database.Database | undefined;
  try {
    search = new Database(searchPath, { readonly: true, fileMustExist: true });
    marks = search
      .prepare<[], { to: number; queueTo: number }>(
        'SELECT indexed_to AS "to", queue_to AS queueTo FROM search_state WHERE id = 1',
      )
      .get();
  } catch (error) {
    if (isDamage(error)) {
      return { state: 'damaged', error: error instanceof Error ? error.message : String(error) };
    }
    return { state: 'stale' };
  } finally {
    search?.close();
  }
  if (!marks) return { state: 'fits' };
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
  return marks.to > (next ?? 1) || marks.queueTo > (queued ?? 0)
    ? { state: 'stale' }
    : { state: 'fits' };
}
