/**
 * The baseline: a bare Socket.IO relay with the API's socket options and the same wire
 * format, but no authentication, no validation and no storage. Each socket joins the rooms
 * named in its handshake; `message:send` is stamped like a stored message, forwarded to the
 * conversation's room (except the sender) and acknowledged. Whatever the API does beyond
 * this is the cost of being a chat server rather than a pipe.
 *
 *   PORT=4100 node --import tsx bench/relay.ts
 *
 * With RELAY_DURABLE_FILE it is the durable relay, with RELAY_SQLITE_FILE the indexed one
 * (below).
 */
import { randomUUID } from 'node:crypto';
import { appendFile, fdatasync, openSync } from 'node:fs';
import { createServer } from 'node:http';
import Database from 'better-sqlite3';
import { Server } from 'socket.io';

interface SendPayload {
  conversationId: string;
  clientId: string;
  body: string;
}

const port = Number(process.env.PORT ?? 4100);
const host = process.env.HOST ?? '127.0.0.1';

const httpServer = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
});
const io = new Server(httpServer, {
  maxHttpBufferSize: 64 * 1024,
  perMessageDeflate: false,
  serveClient: false,
});
const seqs = new Map<string, number>();

/**
 * RELAY_DURABLE_FILE makes it the durable relay: every message is appended to that file and
 * fdatasync'd before it is forwarded or acknowledged, with group commit (what arrives while
 * one write+sync is in flight goes into the next) and the disk work on libuv's thread pool,
 * never on the event loop. No database, no indexes: the least any server that keeps
 * messages durably must pay on this disk.
 */
const durableFile = process.env.RELAY_DURABLE_FILE;
const durableFd = durableFile ? openSync(durableFile, 'a') : null;
let pending: { line: string; done: () => void }[] = [];
let writing = false;

/**
 * RELAY_SQLITE_FILE makes it the indexed relay instead: every message goes into a SQLite
 * table with the one index a chat history needs, (conversation, seq), conversations as
 * integers, and with RELAY_SQLITE_SEARCH=1 into an FTS5 index of its body (the API's
 * tokenizer and options) as well; one transaction per turn of the event loop
 * (`synchronous=FULL`, WAL) before anything is forwarded or acknowledged. No
 * authentication, validation, idempotency, reactions or receipts, and the WAL is never
 * checkpointed during the run: the least a server pays that keeps a history it can page
 * and search in SQLite, on this disk and this CPU.
 */
const sqliteFile = process.env.RELAY_SQLITE_FILE;
const sqlite = sqliteFile
  ? openIndexedStore(sqliteFile, process.env.RELAY_SQLITE_SEARCH === '1')
  : null;
let queued: { message: StampedMessage; done: () => void }[] = [];

interface StampedMessage {
  id: string;
  conversationId: string;
  seq: number;
  body: string;
  createdAt: string;
}

function openIndexedStore(path: string, search: boolean) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec(`
    CREATE TABLE messages (
      key INTEGER PRIMARY KEY,
      conversation INTEGER NOT NULL,
      seq INTEGER NOT NULL,
      id TEXT NOT NULL,
      body TEXT NOT NULL,
      created_at TEXT NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX messages_seq ON messages (conversation, seq);
  `);
  if (search) {
    db.exec(`
      CREATE VIRTUAL TABLE messages_fts USING fts5(
        body, conversation, content = 'messages', content_rowid = 'key',
        tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3', columnsize = 0
      );
      CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts (rowid, body, conversation)
          VALUES (new.key, new.body, new.conversation);
      END;
    `);
  }
  const keys = new Map<string, number>();
  const insert = db.prepare<[number, number, string, string, string]>(
    'INSERT INTO messages (conversation, seq, id, body, created_at) VALUES (?, ?, ?, ?, ?)',
  );
  return db.transaction((batch: readonly StampedMessage[]) => {
    for (const m of batch) {
      let key = keys.get(m.conversationId);
      if (key === undefined) keys.set(m.conversationId, (key = keys.size + 1));
      insert.run(key, m.seq, m.id, m.body, m.createdAt);
    }
  });
}

function persist(message: StampedMessage, done: () => void): void {
  if (sqlite) {
    if (queued.length === 0) setImmediate(commitQueued);
    queued.push({ message, done });
    return;
  }
  if (durableFd === null) return done();
  pending.push({ line: `${JSON.stringify(message)}\n`, done });
  if (!writing) writeBatch(durableFd);
}

function commitQueued(): void {
  const batch = queued;
  queued = [];
  sqlite?.immediate(batch.map((q) => q.message));
  for (const q of batch) q.done();
}

function writeBatch(fd: number): void {
  const batch = pending;
  pending = [];
  writing = true;
  appendFile(fd, batch.map((p) => p.line).join(''), (writeError) => {
    if (writeError) throw writeError;
    fdatasync(fd, (syncError) => {
      if (syncError) throw syncError;
      for (const p of batch) p.done();
      if (pending.length > 0) writeBatch(fd);
      else writing = false;
    });
  });
}

io.on('connection', (socket) => {
  const rooms: unknown = (socket.handshake.auth as Record<string, unknown>).rooms;
  if (Array.isArray(rooms)) void socket.join(rooms.filter((r) => typeof r === 'string'));
  socket.on('message:send', (payload: SendPayload, ack?: (response: unknown) => void) => {
    const seq = (seqs.get(payload.conversationId) ?? 0) + 1;
    seqs.set(payload.conversationId, seq);
    const message = {
      id: randomUUID(),
      conversationId: payload.conversationId,
      seq,
      senderId: socket.id,
      clientId: payload.clientId,
      body: payload.body,
      createdAt: new Date().toISOString(),
    };
    persist(message, () => {
      socket.to(payload.conversationId).emit('message:new', message);
      ack?.({ ok: true, message });
    });
  });
});

httpServer.listen(port, host, () => {
  process.stdout.write(`relay listening on http://${host}:${port}\n`);
});
process.on('SIGTERM', () => {
  void io.close().then(() => process.exit(0));
});
