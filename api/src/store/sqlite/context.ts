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

export function createContext(db: Database, isClosed: () => boolean): SqliteContext {
  return {
    db,
    isClosed,
    group: createGroupCommit(db, isClosed),
    run: <T>(work: () => T): Promise<T> => {
      if (isClosed()) return Promise.reject(new StoreUnavailable('the store is closed'));
      try {
        return Promise.resolve(work());
      } catch (error) {
        return Promise.reject(toStoreError(error));
      }
    },
  };
}
