/**
 * A loopback TCP proxy between a client and the API, to cut the network for real
 * (refused connections, dropped sockets, lost acknowledgements) without touching either.
 */
import { createServer, connect, type Socket } from 'node:net';

export interface TcpProxy {
  url: string;
  /** Drops every open connection and refuses new ones until `restore()`. */
  cut(): void;
  restore(): void;
  /** When each connection was refused while cut (ms since the epoch), oldest first. */
  readonly refusedAt: readonly number[];
  /**
   * The next chunk any client sends still reaches the server, but nothing the server
   * answers on that connection comes back, and the connection drops after `afterMs`:
   * the request is processed, its reply is lost.
   */
  loseNextReply(afterMs?: number): void;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<TcpProxy> {
  let up = true;
  let loseReplyAfter: number | null = null;
  const open = new Set<Socket>();
  const refusedAt: number[] = [];

  const server = createServer((client) => {
    if (!up) {
      refusedAt.push(Date.now());
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    let blackhole = false;
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('data', (chunk) => {
      upstream.write(chunk);
      if (loseReplyAfter !== null && !blackhole) {
        blackhole = true;
        setTimeout(drop, loseReplyAfter);
        loseReplyAfter = null;
      }
    });
    upstream.on('data', (chunk) => {
      if (!blackhole) client.write(chunk);
    });
    client.on('close', drop);
    upstream.on('close', drop);
    client.on('error', drop);
    upstream.on('error', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy did not bind');

  return {
    url: `http://127.0.0.1:${address.port}`,
    cut() {
      up = false;
      for (const socket of open) socket.destroy();
      open.clear();
    },
    restore() {
      up = true;
    },
    refusedAt,
    loseNextReply(afterMs = 300) {
      loseReplyAfter = afterMs;
    },
    close() {
      for (const socket of open) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
