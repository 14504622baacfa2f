/**
 * A load generator: a child process (forked by bench/run.ts) that holds socket.io-client
 * connections and runs what the orchestrator asks over IPC. Senders and receivers of one
 * pair live in the same process, so send→receive latency is measured on one clock.
 */
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import type { Command, PairSpec, Reply, SocketSpec } from './lib/ipc';

interface Ack {
  ok: boolean;
}

interface Pair {
  conversationId: string;
  sender: Socket;
  receiver: Socket;
}

/** About the size of a real chat line; the same for the API and the relay. */
const BODY = 'Benchmark message: the quick brown fox jumps over the lazy dog.';
const CONNECT_TIMEOUT_MS = 30_000;

let pairs: Pair[] = [];
let idleSockets: Socket[] = [];
let counter = 0;
/** Receivers report here: clientId → handler (set per run). */
let onReceive: (clientId: string) => void = () => undefined;

function reply(message: Reply): void {
  process.send?.(message);
}

function connect(url: string, spec: SocketSpec): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(url, {
      // The desktop client connects over WebSocket only, so the bench does too.
      transports: ['websocket'],
      auth: { token: spec.token, rooms: spec.rooms },
      reconnection: false,
      forceNew: true,
      timeout: CONNECT_TIMEOUT_MS,
    });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

async function openPairs(url: string, specs: PairSpec[]): Promise<number> {
  pairs = await Promise.all(
    specs.map(async (spec) => {
      const [sender, receiver] = await Promise.all([
        connect(url, spec.sender),
        connect(spec.receiverUrl ?? url, spec.receiver),
      ]);
      receiver.on('message:new', (message: { clientId: string }) => onReceive(message.clientId));
      return { conversationId: spec.conversationId, sender, receiver };
    }),
  );
  return pairs.length;
}

function nextClientId(): string {
  counter++;
  return `b${process.pid}-${counter}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every sender keeps `window` messages unacknowledged; deliveries are counted after warmup. */
async function saturate(window: number, warmupMs: number, durationMs: number): Promise<Reply> {
  let running = true;
  let measuring = false;
  let delivered = 0;
  let total = 0;
  let errors = 0;
  onReceive = () => {
    total++;
    if (measuring) delivered++;
  };
  const pump = (pair: Pair) => {
    if (!running) return;
    pair.sender.emit(
      'message:send',
      { conversationId: pair.conversationId, clientId: nextClientId(), body: BODY },
      (ack: Ack) => {
        if (!ack.ok) errors++;
        pump(pair);
      },
    );
  };
  for (const pair of pairs) for (let i = 0; i < window; i++) pump(pair);
  await sleep(warmupMs);
  measuring = true;
  const started = performance.now();
  await sleep(durationMs);
  measuring = false;
  const seconds = (performance.now() - started) / 1000;
  running = false;
  // Let what is in flight drain so the next run starts from a quiet server.
  await sleep(1_000);
  onReceive = () => undefined;
  return { kind: 'saturate', delivered, seconds, errors, total };
}

/** Open loop: sends at a fixed rate whatever the server does, so queueing shows as latency. */
async function fixedRate(perSecond: number, warmupMs: number, durationMs: number): Promise<Reply> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  let total = 0;
  const started = performance.now();
  onReceive = (clientId) => {
    total++;
    const at = sentAt.get(clientId);
    if (at === undefined) return;
    sentAt.delete(clientId);
    if (at - started >= warmupMs) latencies.push(performance.now() - at);
  };
  const totalMs = warmupMs + durationMs;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = performance.now() - started;
      const due = Math.min(Math.floor((elapsed * perSecond) / 1000), (totalMs * perSecond) / 1000);
      while (sent < due) {
        const pair = pairs[sent % pairs.length];
        sent++;
        if (!pair) continue;
        const clientId = nextClientId();
        sentAt.set(clientId, performance.now());
        pair.sender.emit(
          'message:send',
          { conversationId: pair.conversationId, clientId, body: BODY },
          (ack: Ack) => {
            if (!ack.ok) errors++;
          },
        );
      }
      if (elapsed >= totalMs) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  // Stragglers get two seconds; whatever has not arrived by then is counted (as `lost`).
  for (let waited = 0; sentAt.size > 0 && waited < 2_000; waited += 50) await sleep(50);
  const lost = sentAt.size;
  onReceive = () => undefined;
  return { kind: 'rate', latencies, sent, lost, errors, total };
}

async function probe(timeoutMs: number): Promise<Reply> {
  const pair = pairs[0];
  if (!pair) return { kind: 'probe', delivered: false };
  const clientId = nextClientId();
  const delivered = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    onReceive = (id) => {
      if (id !== clientId) return;
      clearTimeout(timer);
      resolve(true);
    };
    pair.sender.emit('message:send', {
      conversationId: pair.conversationId,
      clientId,
      body: BODY,
    });
  });
  onReceive = () => undefined;
  return { kind: 'probe', delivered };
}

async function idle(
  url: string,
  specs: SocketSpec[],
  concurrency: number,
  deadlineMs: number,
): Promise<Reply> {
  let next = 0;
  let timedOut = false;
  let failed = 0;
  let firstError: string | null = null;
  const started = performance.now();
  const worker = async () => {
    while (next < specs.length) {
      if (performance.now() - started > deadlineMs) {
        timedOut = true;
        break;
      }
      const spec = specs[next++];
      if (!spec) break;
      try {
        idleSockets.push(await connect(url, spec));
      } catch (err) {
        failed++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { kind: 'idle', connected: idleSockets.length, failed, firstError, seconds, timedOut };
}

async function logins(command: Extract<Command, { kind: 'logins' }>): Promise<Reply> {
  let ok = 0;
  let failed = 0;
  let firstError: string | null = null;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (performance.now() - started < command.durationMs) {
      const username = command.usernames[next++ % command.usernames.length];
      try {
        const response = await fetch(`${command.url}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password: command.password }),
        });
        await response.arrayBuffer();
        if (response.status === 200) ok++;
        else {
          failed++;
          firstError ??= `HTTP ${response.status}`;
        }
      } catch (err) {
        failed++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: command.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { kind: 'logins', ok, failed, firstError, seconds };
}

/** Uploads `file` over and over from `concurrency` workers, each as one of the users. */
async function uploads(command: Extract<Command, { kind: 'uploads' }>): Promise<Reply> {
  const bytes = await readFile(command.file);
  let ok = 0;
  let busy = 0;
  let failed = 0;
  let sent = 0;
  let firstError: string | null = null;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (performance.now() - started < command.durationMs) {
      const token = command.tokens[next++ % command.tokens.length] ?? '';
      const form = new FormData();
      form.append('file', new Blob([bytes], { type: 'image/jpeg' }), 'photo.jpg');
      try {
        const response = await fetch(`${command.url}/api/uploads`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
          body: form,
        });
        await response.arrayBuffer();
        if (response.status === 201) {
          ok++;
          sent += bytes.length;
        } else if (response.status === 429) busy++;
        else {
          failed++;
          firstError ??= `HTTP ${response.status}`;
        }
      } catch (err) {
        failed++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: command.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { kind: 'uploads', ok, busy, failed, bytes: sent, firstError, seconds };
}

function closeAll(): void {
  for (const pair of pairs) {
    pair.sender.close();
    pair.receiver.close();
  }
  for (const socket of idleSockets) socket.close();
  pairs = [];
  idleSockets = [];
}

async function handle(command: Command): Promise<Reply> {
  switch (command.kind) {
    case 'pairs':
      return { kind: 'pairs', connected: await openPairs(command.url, command.pairs) };
    case 'saturate':
      return saturate(command.window, command.warmupMs, command.durationMs);
    case 'rate':
      return fixedRate(command.perSecond, command.warmupMs, command.durationMs);
    case 'probe':
      return probe(command.timeoutMs);
    case 'idle':
      return idle(command.url, command.sockets, command.concurrency, command.deadlineMs);
    case 'logins':
      return logins(command);
    case 'uploads':
      return uploads(command);
    case 'close':
      closeAll();
      return { kind: 'closed' };
  }
}

process.on('message', (command: Command) => {
  handle(command).then(reply, (err: unknown) =>
    reply({ kind: 'error', message: err instanceof Error ? err.message : String(err) }),
  );
});
// The orchestrator going away must not leave generators holding thousands of sockets.
process.on('disconnect', () => process.exit(0));
reply({ kind: 'ready' });
