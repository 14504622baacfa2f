import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite';
import type { Store } from './types';

export type { Store } from './types';

export type DatabaseTarget = { kind: 'sqlite'; path: string } | { kind: 'mongodb'; url: string };

const USAGE = 'DATABASE_URL must be sqlite:PATH, mongodb://… or mongodb+srv://…';

/**
 * Reads a DATABASE_URL. `sqlite:PATH` (relative to the working directory, or absolute; the
 * `sqlite:///abs/path` spelling works too; `sqlite::memory:` for a throwaway database) or a
 * MongoDB connection string. Throws an Error with a one-line message for anything else.
 */
export function parseDatabaseUrl(databaseUrl: string): DatabaseTarget {
  const url = databaseUrl.trim();
  if (url.startsWith('sqlite:')) {
    let path = url.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '') throw new Error(`${USAGE} (the sqlite: URL has no file path)`);
    if (path === ':memory:') return { kind: 'sqlite', path };
    return { kind: 'sqlite', path: resolve(path) };
  }
  if (/^mongodb(\+srv)?:\/\//.test(url)) {
    if (!/^mongodb(\+srv)?:\/\/[^/?#\s]+/.test(url)) {
      throw new Error(`${USAGE} (the MongoDB URL names no host)`);
    }
    return { kind: 'mongodb', url };
  }
  throw new Error(USAGE);
}

/** What the store reports while it runs (SQLite only). */
export type StoreOptions = Pick<SqliteStoreOptions, 'onSearchFailure' | 'onSearchDamaged'>;

/** Opens the store a DATABASE_URL names; for SQLite, creates the file's folder if missing. */
export async function openStore(databaseUrl: string, options: StoreOptions = {}): Promise<Store> {
  const target = parseDatabaseUrl(databaseUrl);
  if (target.kind === 'mongodb') {
    // Loaded only when asked for, so a SQLite deployment never pays for the driver.
    const { openMongoStore } = await import('./mongodb');
    return openMongoStore(target.url);
  }
  if (target.path !== ':memory:') await mkdir(dirname(target.path), { recursive: true });
  return openSqliteStore(target.path, options);
}
