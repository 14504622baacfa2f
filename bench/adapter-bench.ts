/**
 * Quick comparison of the Redis adapters for this API's traffic shape: two Socket.IO
 * servers, users spread over both, each event addressed to a few `user:<id>` rooms (a
 * direct or small group conversation). Prints delivered events per second and latency.
 *
 *   node --import tsx bench/adapter-bench.ts [redis://127.0.0.1:6379]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { io as ioClient, type Socket } from 'socket.io-client';

const url = process.argv[2] ?? 'redis://127.0.0.1:6379';
const USERS = 200;
const EVENTS = 4_000;
const ROOMS_PER_EVENT = 3;

type Kind = 'classic' | 'sharded-static' | 'sharded-dynamic';

async function run(kind: Kind): Promise<string> {
  const prefix = `bench-${kind}-${Date.now()}`;
  const redisClients: Redis[] = [];
  const servers = await Promise.all(
    [0, 1].map(async () => {
      const pub = new Redis(url);
      const sub = pub.duplicate();
      redisClients.push(pub, sub);
      const http = createServer();
      const io = new Server(http);
      io.adapter(
        kind === 'classic'
          ? createAdapter(pub, sub, { key: prefix })
          : createShardedAdapter(pub, sub, {
              channelPrefix: prefix,
              subscriptionMode: kind === 'sharded-static' ? 'static' : 'dynamic',
            }),
      );
      io.on('connection', (socket) => {
        void socket.join(`user:${String(socket.handshake.auth.user)}`);
      });
      await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
      return { io, port: (http.address() as AddressInfo).port };
    }),
  );
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  let delivered = 0;
  const clients: Socket[] = await Promise.all(
    Array.from({ length: USERS }, (_, user) => {
      const socket = ioClient(`http://127.0.0.1:${servers[user % 2]?.port}`, {
        auth: { user },
        transports: ['websocket'],
      });
      socket.on('event', (n: number) => {
        delivered += 1;
        latencies.push(performance.now() - (sentAt.get(n) ?? 0));
      });
      return new Promise<Socket>((done) => socket.once('connect', () => done(socket)));
    }),
  );
  await new Promise((r) => setTimeout(r, 300));
  const started = performance.now();
  for (let n = 0; n < EVENTS; n += 1) {
    const rooms = Array.from(
      { length: ROOMS_PER_EVENT },
      (_, i) => `user:${(n * 7 + i * 13) % USERS}`,
    );
    sentAt.set(n, performance.now());
    servers[n % 2]?.io.to(rooms).emit('event', n);
    if (n % 100 === 0) await new Promise((r) => setImmediate(r));
  }
  const expected = EVENTS * ROOMS_PER_EVENT;
  while (delivered < expected && performance.now() - started < 30_000) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const p = (q: number) => latencies[Math.floor(latencies.length * q)]?.toFixed(1);
  clients.forEach((c) => c.disconnect());
  await Promise.all(servers.map(({ io }) => io.close()));
  redisClients.forEach((c) => c.disconnect());
  return `${kind.padEnd(16)} ${delivered}/${expected} delivered, ${Math.round(delivered / seconds)} events/s, p50 ${p(0.5)} ms, p99 ${p(0.99)} ms`;
}

for (const kind of ['classic', 'sharded-static', 'sharded-dynamic'] as const) {
  console.log(await run(kind));
}
process.exit(0);
