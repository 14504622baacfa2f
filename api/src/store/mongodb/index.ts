import mongoose, { type ConnectOptions } from 'mongoose';
import { StoreUnavailable, type Store } from '../types';
import { mongoAttachmentStore } from './attachments';
import { mongoConversationStore } from './conversations';
import { mongoMessageStore } from './messages';
import { DEFAULT_QUEUE_CAP, KeyedQueue, OperationGate } from './gate';
import { compileModels, ensureIndexes } from './models';
import { mongoReceiptStore } from './receipts';
import { mongoPushStore } from './push';
import { mongoSessionStore } from './sessions';
import { fillSearchWords, upgradeDocuments } from './upgrade';
import { mongoUserStore } from './users';

export interface MongoStoreOptions {
  /**
   * How long to wait for a usable server (a primary), at open and for every later
   * operation, before failing with StoreUnavailable. Default 15000: longer than a
   * replica-set election (10–12 s with the default settings), so a failover delays
   * requests instead of failing them.
   */
  connectTimeoutMs?: number;
  /**
   * How many operations of one conversation may wait in this process (sends and changes
   * are queued per conversation); more are refused at once with StoreUnavailable.
   * Default 100.
   */
  conversationQueueCap?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
/** Longer than a normal replica-set election, so a failover does not refuse writes. */
const WRITE_CONCERN_TIMEOUT_MS = 15_000;
/**
 * The network bound of any one operation: a server that accepted a request and then went
 * silent (a partition) is given up on after this, and the pool reconnects. Above every
 * other bound (server selection, write concern, read maxTimeMS), so it only fires when
 * the server is gone.
 */
const SOCKET_TIMEOUT_MS = 30_000;

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
    connectTimeoutMS: Math.min(connectTimeoutMs, 10_000),
    socketTimeoutMS: SOCKET_TIMEOUT_MS,
    // "Resolves only after its write is durable": every write waits for a majority of the
    // replica set (the node itself on a standalone) and for the journal.
    writeConcern: { w: 'majority', journal: true, wtimeoutMS: WRITE_CONCERN_TIMEOUT_MS },
    // Clients build state from history, catch-up and summaries: read only what a majority
    // has, which no failover rolls back. A read right after one of our own writes still
    // sees it (those are acknowledged by a majority before they resolve).
    readConcern: { level: 'majority' },
    retryWrites: true,
    retryReads: true,
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
    await requireTransactions(connection);
    await ensureIndexes(models);
    await upgradeDocuments(models);
    await fillSearchWords(models);
  } catch (err) {
    await connection.close(true).catch(() => undefined);
    const reason = err instanceof Error ? err.message : String(err);
    throw new StoreUnavailable(
      `cannot prepare the MongoDB database (replica set, collections, indexes): ${reason}`,
      {
        cause: err,
      },
    );
  }

  const open = connection;
  const gate = new OperationGate();
  return {
    kind: 'mongodb',
    users: mongoUserStore(models, gate),
    sessions: mongoSessionStore(models, gate),
    conversations: mongoConversationStore(models, gate),
    messages: mongoMessageStore(
      models,
      gate,
      new KeyedQueue(options.conversationQueueCap ?? DEFAULT_QUEUE_CAP),
    ),
    receipts: mongoReceiptStore(models, gate),
    attachments: mongoAttachmentStore(models, gate),
    ping: () =>
      gate.run(async () => {
        // Through server selection, so it fails (StoreUnavailable) while there is no primary.
        const db = open.db;
        if (!db) throw new StoreUnavailable('the MongoDB connection is not open');
        await db.admin().command({ ping: 1 }, { readPreference: 'primary' });
      }),
    push: mongoPushStore(models, gate),
    close: () => gate.close(() => open.close()),
  };
}

/**
 * Sends are multi-document transactions (see messages.ts), which only a replica set (or a
 * sharded cluster) runs. A standalone server is refused at open, with what to do, rather
 * than failing every send later.
 */
async function requireTransactions(connection: mongoose.Connection): Promise<void> {
  const db = connection.db;
  if (!db) throw new Error('the MongoDB connection is not open');
  const hello = await db.admin().command({ hello: 1 });
  if (!isTransactional(hello)) {
    throw new Error(
      'MongoDB must run as a replica set (a single-node one will do: start mongod with ' +
        '--replSet rs0 and run rs.initiate()); sends are multi-document transactions',
    );
  }
}

/** Whether a `hello` reply comes from a replica-set member or a mongos router. */
export function isTransactional(hello: unknown): boolean {
  if (!hello || typeof hello !== 'object') return false;
  const reply = hello as { setName?: unknown; msg?: unknown };
  return typeof reply.setName === 'string' || reply.msg === 'isdbgrid';
}
