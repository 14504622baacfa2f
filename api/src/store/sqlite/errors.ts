import Database from 'better-sqlite3';
import { StoreUnavailable } from '../types';

/**
 * Result codes that say the database cannot take the write right now (or at all), as
 * opposed to a bug or a refused value. Extended codes such as SQLITE_IOERR_FSYNC or
 * SQLITE_READONLY_DBMOVED share the prefix.
 */
const UNAVAILABLE_CODES = [
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_READONLY',
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
  'SQLITE_FULL',
  'SQLITE_PROTOCOL',
  'SQLITE_NOTADB',
  'SQLITE_CORRUPT',
  'SQLITE_PERM',
];

export function isUnavailable(error: unknown): error is InstanceType<typeof Database.SqliteError> {
  return (
    error instanceof Database.SqliteError &&
    UNAVAILABLE_CODES.some((code) => error.code === code || error.code.startsWith(`${code}_`))
  );
}

export function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof Database.SqliteError &&
    (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
  );
}

/** StoreUnavailable for database trouble; anything else (a bug) passes through unchanged. */
export function toStoreError(error: unknown): Error {
  if (error instanceof StoreUnavailable) return error;
  if (isUnavailable(error)) {
    return new StoreUnavailable(`SQLite cannot serve the request (${error.code})`, {
      cause: error,
    });
  }
  return error instanceof Error ? error : new Error(String(error));
}
