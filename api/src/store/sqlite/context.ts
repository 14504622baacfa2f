import type { Database } from 'better-sqlite3';
import { StoreUnavailable } from '../types';
import { toStoreError } from './errors';
import { createGroupCommit, type GroupCommit } from './group-commit';

/** What every part of the SQLite store shares: the connection and one way to call it. */
export interface SqliteContext {
  readonly db: Database;
  /**
   * Runs synchronous database work as the store's async API: refuses once the store is
   * closed and turns database trouble into StoreUnavailable.
   */
  readonly run: <T>(work: () => T) => Promise<T>;
  readonly isClosed: () => boolean;
  /** Writes that may share a transaction (and its fsync) with others: see group-commit.ts. */
  readonly group: GroupCommit;
}

/** The write turn shared with the merge thread (write-turn.ts). */
export interface Turn {
  readonly hold: <T>(work: () => T) => T;
  readonly later: <T>(work: () => T) => T | Promise<T>;
}

/**
 * The turn wraps every piece of database work `run` is given, reads too (which of it
 * writes is not known here). Work that finds the merge thread mid-step runs when the step
 * ends, the loop free meanwhile (as the group commit does): a read or write is put off by
 * at most one step, and the loop never blocks on the thread.
 */
export function createContext(
  db: Database,
  isClosed: () => boolean,
  turn: Turn = { hold: (work) => work(), later: (work) => work() },
): SqliteContext {
  return {
    db,
    isClosed,
    group: createGroupCommit(db, isClosed, turn),
    run: <T>(work: () => T): Promise<T> => {
      if (isClosed()) return Promise.reject(new StoreUnavailable('the store is closed'));
      try {
        // Closed while it waited for the thread's step: refused then too.
        return Promise.resolve(
          turn.later(() => {
            if (isClosed()) throw new StoreUnavailable('the store is closed');
            return work();
          }),
        ).catch((error: unknown) => {
          throw toStoreError(error);
        });
      } catch (error) {
        return Promise.reject(toStoreError(error));
      }
    },
  };
}
