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
    socket.to(payload.conversationId).emit('message:new', message);
    ack?.({ ok: true, message });
  });
});

httpServer.listen(port, host, () => {
  process.stdout.write(`relay listening on http://${host}:${port}\n`);
});
process.on('SIGTERM', () => {
  void io.close().then(() => process.exit(0));
});
