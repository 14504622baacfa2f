import mongoose, { type ConnectOptions } from 'mongoose';
import { StoreUnavailable, type Store } from '../types';
import { mongoAttachmentStore } from './attachments';
import { mongoConversationStore } from './conversations';
import { mongoMessageStore } from './messages';
import { KeyedQueue, OperationGate } from './gate';
import { compileModels, syncIndexes } from './models';
import { mongoReceiptStore } from './receipts';
import { mongoSessionStore } from './sessions';
import { upgradeDocuments } from './upgrade';
import { mongoUserStore } from './users';

export interface MongoStoreOptions {
  /**
   * How long to wait for a usable server, at open and for every later operation,
   * before failing with StoreUnavailable. Default 5000.
   */
  connectTimeoutMs?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** Longer than a normal replica-set election, so a failover does not refuse writes. */
const WRITE_CONCERN_TIMEOUT_MS = 15_000;

/** The options of the adapter's dedicated connection; exported so a test can pin them. */
export function connectionOptions(connectTimeoutMs: number): ConnectOptions {
  return {
    // Query selector injection guard: a `{ "$gt": "" }` that slipped past validation is
    // matched literally. The adapter marks its own operators with `mongoose.trusted`.
    sanitizeFilter: true,
    // Indexes are built explicitly, and awaited, by openMongoStore.
    autoIndex: false,
    autoCreate: false,
    // Fail instead of queueing when the server is gone; the caller gets StoreUnavailable
    // within the selection timeout rather than a request that hangs.
    bufferCommands: false,
    serverSelectionTimeoutMS: connectTimeoutMs,
    connectTimeoutMS: connectTimeoutMs,
    // "Resolves only after its write is durable": every write waits for a majority of the
    // replica set (the node itself on a standalone) and for the journal.
    writeConcern: { w: 'majority', journal: true, wtimeoutMS: WRITE_CONCERN_TIMEOUT_MS },
    retryWrites: true,
    readPreference: 'primary',
  };
}

/** Used when the URL names no database, instead of the driver's `test`. */
export const DEFAULT_DATABASE = 'chat';

/** The database a MongoDB URL names in its path, or null when it names none. */
export function databaseNameOf(url: string): string | null {
  const beforeQuery = url.replace(/^mongodb(\+srv)?:\/\//, '').split('?')[0] ?? '';
  const slash = beforeQuery.indexOf('/');
  if (slash === -1 || slash === beforeQuery.length - 1) return null;
  const name = beforeQuery.slice(slash + 1);
  try {
    return decodeURIComponent(name);
  } catch {
    return name; // not percent-encoded after all; the driver will judge it
  }
}

/** The URL without its password, fit for an error message or a log line. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^/@:]*):[^/@]*@/, '$1:***@');
}

/**
 * Connects to MongoDB at `url` (`mongodb://` or `mongodb+srv://`, database name in the
 * path, `chat` when it has none) and resolves once the connection is up and every collection and unique index
 * exists. Rejects with StoreUnavailable, naming the URL without its password, when no
 * server answers within `connectTimeoutMs`.
 */
export async function openMongoStore(url: string, options: MongoStoreOptions = {}): Promise<Store> {
  const timeout = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  let connection: mongoose.Connection | undefined;
  try {
    connection = mongoose.createConnection(url, {
      ...connectionOptions(timeout),
      ...(databaseNameOf(url) === null ? { dbName: DEFAULT_DATABASE } : {}),
    });
    await connection.asPromise();
  } catch (err) {
    await connection?.close(true).catch(() => undefined);
    const reason = err instanceof Error ? err.message : String(err);
    throw new StoreUnavailable(`cannot connect to MongoDB at ${redactUrl(url)}: ${reason}`, {
      cause: err,
    });
  }

  const models = compileModels(connection);
  try {
    await syncIndexes(models);
    await upgradeDocuments(models);
  } catch (err) {
    await connection.close(true).catch(() => undefined);
    const reason = err instanceof Error ? err.message : String(err);
    throw new StoreUnavailable(`cannot prepare the MongoDB collections and indexes: ${reason}`, {
      cause: err,
    });
  }

  const open = connection;
  const gate = new OperationGate();
  return {
    kind: 'mongodb',
    users: mongoUserStore(models, gate),
    sessions: mongoSessionStore(models, gate),
    conversations: mongoConversationStore(models, gate),
    messages: mongoMessageStore(models, gate, new KeyedQueue()),
    receipts: mongoReceiptStore(models, gate),
    attachments: mongoAttachmentStore(models, gate),
    ping: () =>
      gate.run(async () => {
        const db = open.db;
        if (db === undefined) throw new StoreUnavailable('MongoDB is not connected');
        await db.command({ ping: 1 });
      }),
    close: () => gate.close(() => open.close()),
  };
}
