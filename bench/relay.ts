/**
 * The baseline: a bare Socket.IO relay with the API's socket options and the same wire
 * format, but no authentication, no validation and no storage. Each socket joins the rooms
 * named in its handshake; `message:send` is stamped like a stored message, forwarded to the
 * conversation's room (except the sender) and acknowledged. Whatever the API does beyond
 * this is the cost of being a chat server rather than a pipe.
 *
 *   PORT=4100 node --import tsx bench/relay.ts
 */
import { randomUUID } from 'node:crypto';
import { appendFile, fdatasync, openSync } from 'node:fs';
import { createServer } from 'node:http';
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

function persist(line: string, done: () => void): void {
  if (durableFd === null) return done();
  pending.push({ line, done });
  if (!writing) writeBatch(durableFd);
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
    persist(`${JSON.stringify(message)}\n`, () => {
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
