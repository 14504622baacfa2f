import { chmodSync, closeSync, existsSync, openSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { SearchThreadStats, Store } from '../types';
import type { CheckpointStats, Checkpointer } from './checkpointer';
import { createAttachmentStore } from './attachments';
import { startCheckpointer } from './checkpointer';
import { createContext } from './context';
import { createConversationStore } from './conversations';
import { toStoreError } from './errors';
import { createMessageStore } from './messages';
import { migrate } from './migrations';
import { createPushStore } from './push';
import { createReceiptStore } from './receipts';
import {
  openSearchIndex,
  type SearchFileDamage,
  type SearchIndex,
  type SearchThreadFailure,
} from './search-file';
import { createSessionStore } from './sessions';
import { createUserStore } from './users';

export interface SqliteStoreOptions {
  /**
   * How long a write waits for another connection's write lock (several API processes
   * share one file) before failing with StoreUnavailable. Default 5000 ms.
   */
  busyTimeoutMs?: number;
  /** Open the file read-only: reads work, every write rejects with StoreUnavailable. */
  readonly?: boolean;
  /**
   * Told of each failure of the search index's thread (search-file.ts), which the store
   * starts again by itself after a pause: for the app's log.
   */
  onSearchFailure?: (failure: SearchThreadFailure) => void;
  /**
   * Told when the search file is found damaged (on opening, by the thread or by a search):
   * it has been moved aside, and the store builds the index again from the messages.
   */
  onSearchDamaged?: (damage: SearchFileDamage) => void;
}

export interface SqliteStore extends Store {
  readonly kind: 'sqlite';
  /** The underlying connection, for tests and maintenance (pragmas, backups). */
  readonly database: Database.Database;
  /**
   * Group-commit transactions so far (messages, receipts, session writes): fewer than the
   * writes means they shared transactions and fsyncs.
   */
  readonly groupCommits: number;
  /** The off-loop WAL checkpointer's counters; null for a read-only or in-memory store. */
  readonly checkpoints: CheckpointStats | null;
  /**
   * Resolves once every message stored before the search file was made is in its index
   * (the index's thread does that in the background, started again if it fails; see
   * search-file.ts), a damaged file's rebuild included. Rejects if the store closes first.
   */
  readonly searchIndexed: Promise<void>;
  /** The search index's thread (running, failures, rebuilds); null for read-only or in-memory. */
  readonly searchThread: SearchThreadStats | null;
}

/**
 * Opens (creating if needed) the SQLite file at `path` and brings its schema up to date.
 * The parent folder must exist.
 */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): SqliteStore {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
  let db: Database.Database;
  try {
    if (!(options.readonly ?? false)) ownerOnly(path);
    db = new Database(path, { readonly: options.readonly ?? false, timeout: busyTimeoutMs });
  } catch (error) {
    throw toStoreError(error);
  }
  try {
    configure(db, busyTimeoutMs, options.readonly ?? false);
    migrate(db);
  } catch (error) {
    db.close();
    throw toStoreError(error);
  }

  let closed = false;
  const context = createContext(db, () => closed);
  let checkpointer: Checkpointer | null = null;
  let search: SearchIndex;
  try {
    // A read-only store cannot write the index; it searches what the writers indexed.
    search = openSearchIndex(db, {
      path,
      busyTimeoutMs,
      readonly: options.readonly ?? false,
      group: context.group,
      ...(options.onSearchFailure ? { onFailure: options.onSearchFailure } : {}),
      ...(options.onSearchDamaged ? { onDamaged: options.onSearchDamaged } : {}),
    });
  } catch (error) {
    db.close();
    throw toStoreError(error);
  }
  const messages = createMessageStore(context, search);
  try {
    checkpointer = startCheckpointer(db, { busyTimeoutMs });
  } catch (error) {
    void search.stop();
    db.close();
    throw toStoreError(error);
  }

  return {
    kind: 'sqlite',
    get searchIndexed() {
      return search.backfilled;
    },
    searchThread: search.stats,
    database: db,
    users: createUserStore(context),
    sessions: createSessionStore(context),
    conversations: createConversationStore(context),
    messages,
    receipts: createReceiptStore(context),
    attachments: createAttachmentStore(context),
    push: createPushStore(context),
    get groupCommits() {
      return context.group.committed;
    },
    get checkpoints() {
      return checkpointer?.stats ?? null;
    },
    // Reads a page of the file (not only a constant), so an unreadable file or a broken
    // disk shows; WAL readers are not held up by a writer, so a long write does not.
    ping: () =>
      context.run(() => {
        db.prepare('SELECT count(*) FROM sqlite_schema').get();
      }),
    async close() {
      if (closed) return;
      // Whatever was accepted into the write queue is written (or rejected) before the
      // connection goes away; nothing is left waiting forever.
      context.group.flush();
      closed = true;
      // The index's thread indexes what is stored before it ends, so a file closed cleanly
      // is wholly indexed (a read-only opening, which cannot index, finds everything). It
      // and the checkpointer's connection go first, so that this one is the last and its
      // close copies the whole WAL into the database file and removes it.
      await search.stop();
      await checkpointer?.stop();
      try {
        if (!db.readonly) db.pragma('optimize');
      } catch {
        // Only a planner hint; failing to store it loses nothing.
      }
      db.close();
    },
  };
}

function configure(db: Database.Database, busyTimeoutMs: number, readonly: boolean): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  // WAL lets readers (other processes too) go on while one connection writes; it is a
  // property of the file, so a read-only connection can only use what is already there.
  if (!readonly) db.pragma('journal_mode = WAL');
  // FULL: a commit is on disk (WAL fsynced) before it returns, so an acknowledged message
  // survives a power cut, not only a process crash.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // A deleted message's body is erased, not hidden: freed bytes are overwritten with zeros
  // in the file, so the old text does not linger in free space once checkpointed.
  db.pragma('secure_delete = ON');
}

/**
 * The file holds every password hash and message: readable by its owner only. SQLite gives
 * the WAL and shared-memory files the database file's mode, so creating the database 0600
 * covers them; files left by an older build lose their group and other bits here.
 */
function ownerOnly(path: string): void {
  if (path === '' || path === ':memory:' || path.startsWith('file:')) return;
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (!existsSync(file)) continue;
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0) chmodSync(file, mode & 0o700);
  }
}
