/**
 * The load generator of bench/paths.ts (forked by it): group members and senders, the
 * members that edit and react, and senders into many conversations. Latencies across
 * processes (a group's members are spread over several generators) use the epoch clock
 * at sub-millisecond resolution (`performance.timeOrigin + performance.now()`), which all
 * processes of one host share.
 */
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import type {
  FanSenderSpec,
  MemberSpec,
  PathsCommand,
  PathsReply,
  TargetSpec,
} from './lib/paths-ipc';

interface Ack {
  ok: boolean;
  message?: { seq: number };
  error?: { code: string; message: string };
}

interface Target {
  conversationId: string;
  seq: number;
  sender: Socket;
  receiver: Socket;
}

const CONNECT_TIMEOUT_MS = 30_000;
const EMOJI = '👍';

const epochNow = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let sockets: Socket[] = [];
let counter = 0;
const nextClientId = () => `p${process.pid}-${++counter}`;

function connect(spec: MemberSpec): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(spec.url, {
      transports: ['websocket'],
      auth: { token: spec.token },
      reconnection: false,
      forceNew: true,
      timeout: CONNECT_TIMEOUT_MS,
    });
    socket.once('connect', () => {
      sockets.push(socket);
      resolve(socket);
    });
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** At most `concurrency` handshakes at once, so 256 sockets do not time each other out. */
async function connectAll(specs: MemberSpec[], concurrency = 32): Promise<Socket[]> {
  const connected: Socket[] = new Array<Socket>(specs.length);
  let next = 0;
  const worker = async () => {
    while (next < specs.length) {
      const i = next++;
      const spec = specs[i];
      if (spec) connected[i] = await connect(spec);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return connected;
}

/**
 * Runs `send(i)` `perSecond` times a second (open loop: whatever the server does) for
 * `totalMs`.
 */
function openLoop(perSecond: number, totalMs: number, send: (i: number) => void): Promise<void> {
  const started = performance.now();
  let sent = 0;
  const limit = Math.floor((totalMs * perSecond) / 1000);
  return new Promise((resolve) => {
    const tick = () => {
      const elapsed = performance.now() - started;
      const due = Math.min(Math.floor((elapsed * perSecond) / 1000), limit);
      while (sent < due) send(sent++);
      if (elapsed >= totalMs) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
}

// ---- the group ------------------------------------------------------------------------

let group: { conversationId: string; senders: Socket[] } | null = null;
let arrivals = new Map<string, [number, number]>();
let frames: number[] = [];
let framesTotal = 0;

/** Group messages carry their send time and whether they are measured: `g <epoch> <0|1>`. */
function onGroupMessage(message: { clientId: string; body: string }): void {
  framesTotal++;
  const [tag, sentAt, measured] = message.body.split(' ');
  if (tag !== 'g' || measured !== '1') return;
  const latency = epochNow() - Number(sentAt);
  frames.push(latency);
  const seen = arrivals.get(message.clientId);
  if (seen) {
    seen[0]++;
    if (latency > seen[1]) seen[1] = latency;
  } else arrivals.set(message.clientId, [1, latency]);
}

async function members(specs: MemberSpec[]): Promise<PathsReply> {
  const connected = await connectAll(specs);
  for (const socket of connected) socket.on('message:new', onGroupMessage);
  return { kind: 'connected', sockets: connected.length };
}

async function groupSenders(conversationId: string, specs: MemberSpec[]): Promise<PathsReply> {
  const senders = await connectAll(specs);
  for (const socket of senders) socket.on('message:new', onGroupMessage);
  group = { conversationId, senders };
  return { kind: 'connected', sockets: senders.length };
}

async function groupSend(perSecond: number, warmupMs: number, durationMs: number) {
  const current = group;
  if (!current || current.senders.length === 0) throw new Error('no group senders here');
  const measured: string[] = [];
  let errors = 0;
  const started = performance.now();
  await openLoop(perSecond, warmupMs + durationMs, (i) => {
    const sender = current.senders[i % current.senders.length];
    if (!sender) return;
    const clientId = nextClientId();
    const isMeasured = performance.now() - started >= warmupMs;
    if (isMeasured) measured.push(clientId);
    sender.emit(
      'message:send',
      {
        conversationId: current.conversationId,
        clientId,
        body: `g ${epochNow().toFixed(3)} ${isMeasured ? 1 : 0}`,
      },
      (ack: Ack) => {
        if (!ack.ok) errors++;
      },
    );
  });
  return { kind: 'group-sent', measured, sent: measured.length, errors } as const;
}

function groupCollect(): PathsReply {
  const reply: PathsReply = {
    kind: 'group-collected',
    arrivals: Object.fromEntries(arrivals),
    frames,
    total: framesTotal,
    sockets: sockets.length,
  };
  arrivals = new Map();
  frames = [];
  framesTotal = 0;
  return reply;
}

// ---- edits and reactions ----------------------------------------------------------------

let targets: Target[] = [];
/**
 * Whether each target's reaction is on now, so the next toggle turns it the other way
 * (across runs: a toggle to the state it already has changes nothing and tells no one).
 */
const reacted = new Map<string, boolean>();
/** What the receivers wait for: edits by body, reactions in order per conversation. */
let onUpdated: (message: { conversationId: string; body: string }) => void = () => undefined;

function emitWithAck(socket: Socket, event: string, payload: object): Promise<Ack> {
  return new Promise((resolve) => socket.emit(event, payload, resolve));
}

async function openTargets(specs: TargetSpec[]): Promise<PathsReply> {
  targets = await Promise.all(
    specs.map(async (spec) => {
      const [sender, receiver] = await Promise.all([connect(spec.sender), connect(spec.receiver)]);
      receiver.on('message:updated', (message: { conversationId: string; body: string }) =>
        onUpdated(message),
      );
      const ack = await emitWithAck(sender, 'message:send', {
        conversationId: spec.conversationId,
        clientId: nextClientId(),
        body: 'the message that will be edited and reacted to',
      });
      if (!ack.ok || !ack.message) throw new Error(`send failed: ${JSON.stringify(ack.error)}`);
      reacted.set(spec.conversationId, false);
      return { conversationId: spec.conversationId, seq: ack.message.seq, sender, receiver };
    }),
  );
  return { kind: 'connected', sockets: targets.length * 2 };
}

async function changes(
  change: 'edit' | 'reaction',
  perSecond: number,
  warmupMs: number,
  durationMs: number,
): Promise<PathsReply> {
  const byBody = new Map<string, number>();
  const inOrder = new Map<string, number[]>();
  const latencies: number[] = [];
  let total = 0;
  let errors = 0;
  let firstError: string | null = null;
  let outstanding = 0;
  const started = performance.now();
  const record = (sentAt: number | undefined) => {
    if (sentAt === undefined) return;
    outstanding--;
    if (sentAt - started >= warmupMs) latencies.push(performance.now() - sentAt);
  };
  onUpdated = (message) => {
    total++;
    if (change === 'edit') {
      const sentAt = byBody.get(message.body);
      byBody.delete(message.body);
      record(sentAt);
    } else record(inOrder.get(message.conversationId)?.shift());
  };
  const failed = (ack: Ack, undo: () => void) => {
    if (ack.ok) return;
    errors++;
    firstError ??= ack.error ? `${ack.error.code}: ${ack.error.message}` : 'no ack';
    undo();
  };
  let sent = 0;
  await openLoop(perSecond, warmupMs + durationMs, (i) => {
    const target = targets[i % targets.length];
    if (!target) return;
    sent++;
    outstanding++;
    const at = performance.now();
    if (change === 'edit') {
      const body = `edit ${process.pid}-${i}`;
      byBody.set(body, at);
      target.sender.emit(
        'message:edit',
        { conversationId: target.conversationId, seq: target.seq, body },
        (ack: Ack) =>
          failed(ack, () => {
            if (byBody.delete(body)) outstanding--;
          }),
      );
    } else {
      const on = !(reacted.get(target.conversationId) ?? false);
      reacted.set(target.conversationId, on);
      const queue = inOrder.get(target.conversationId) ?? [];
      queue.push(at);
      inOrder.set(target.conversationId, queue);
      target.sender.emit(
        'reaction',
        { conversationId: target.conversationId, seq: target.seq, emoji: EMOJI, on },
        (ack: Ack) =>
          failed(ack, () => {
            const index = queue.indexOf(at);
            if (index >= 0) {
              queue.splice(index, 1);
              outstanding--;
            }
          }),
      );
    }
  });
  // Stragglers get two seconds; what has not arrived by then is counted as lost.
  for (let waited = 0; outstanding > 0 && waited < 2_000; waited += 50) await sleep(50);
  onUpdated = () => undefined;
  return { kind: 'changes', latencies, sent, total, lost: outstanding, errors, firstError };
}

// ---- sends into many conversations (push) ------------------------------------------------

let fanSenders: { socket: Socket; conversationIds: string[] }[] = [];

async function openFanSenders(specs: FanSenderSpec[]): Promise<PathsReply> {
  const connected = await connectAll(specs.map((s) => s.sender));
  fanSenders = specs.map((spec, i) => {
    const socket = connected[i];
    if (!socket) throw new Error('a sender did not connect');
    return { socket, conversationIds: spec.conversationIds };
  });
  return { kind: 'connected', sockets: fanSenders.length };
}

async function fanSend(perSecond: number, durationMs: number): Promise<PathsReply> {
  const sentAt: Record<string, number> = {};
  let errors = 0;
  let firstError: string | null = null;
  let acked = 0;
  let sent = 0;
  await openLoop(perSecond, durationMs, (i) => {
    const sender = fanSenders[i % fanSenders.length];
    if (!sender) return;
    const turn = Math.floor(i / fanSenders.length);
    const conversationId = sender.conversationIds[turn % sender.conversationIds.length];
    if (conversationId === undefined) return;
    sent++;
    const at = Date.now();
    sender.socket.emit(
      'message:send',
      { conversationId, clientId: nextClientId(), body: `push bench ${i}` },
      (ack: Ack) => {
        acked++;
        if (ack.ok && ack.message) sentAt[`${conversationId}:${ack.message.seq}`] = at;
        else {
          errors++;
          firstError ??= ack.error ? `${ack.error.code}: ${ack.error.message}` : 'no ack';
        }
      },
    );
  });
  for (let waited = 0; acked < sent && waited < 5_000; waited += 50) await sleep(50);
  return { kind: 'fan-sent', sent, errors, firstError, sentAt };
}

function closeAll(): void {
  for (const socket of sockets) socket.close();
  sockets = [];
  group = null;
  targets = [];
  fanSenders = [];
  arrivals = new Map();
  frames = [];
  framesTotal = 0;
}

async function handle(command: PathsCommand): Promise<PathsReply> {
  switch (command.kind) {
    case 'members':
      return members(command.members);
    case 'group-senders':
      return groupSenders(command.conversationId, command.senders);
    case 'group-send':
      return groupSend(command.perSecond, command.warmupMs, command.durationMs);
    case 'group-collect':
      return groupCollect();
    case 'targets':
      return openTargets(command.targets);
    case 'changes':
      return changes(command.change, command.perSecond, command.warmupMs, command.durationMs);
    case 'fan-senders':
      return openFanSenders(command.senders);
    case 'fan-send':
      return fanSend(command.perSecond, command.durationMs);
    case 'close':
      closeAll();
      return { kind: 'closed' };
  }
}

process.on('message', (command: PathsCommand) => {
  handle(command).then(
    (reply) => process.send?.(reply),
    (err: unknown) =>
      process.send?.({
        kind: 'error',
        message: err instanceof Error ? err.message : String(err),
      } satisfies PathsReply),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ kind: 'ready' } satisfies PathsReply);
