/**
 * Soak test: one real API process (SQLite in a temp folder, loopback only) under mixed
 * traffic for a bounded time: sockets connecting and disconnecting, messages sent over
 * the socket and REST, history reads, logins. Samples the API's RSS, heap (after a full
 * GC) and open handles every second, then checks:
 * - memory and handles are flat after warm-up (last quarter vs the quarter after warm-up);
 * - no message is lost or duplicated: every message whose send was acknowledged is stored
 *   exactly once, every conversation is seq 1..N, and a send whose ack never came (its
 *   socket was closed under it) is resent with the same clientId and stored at most once.
 *
 *   node --import tsx scripts/soak.ts --minutes 10
 *
 * Options: --minutes N (default 10), --users N (default 30), --rate N actions/s (default 60).
 * Exits 1 when a check fails. Not part of CI: it runs for minutes by design.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnApi } from '@chat/api/testing';
import { io, type Socket } from 'socket.io-client';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    users: { type: 'string', default: '30' },
    rate: { type: 'string', default: '60' },
  },
});
const MINUTES = Number(args.minutes);
const USERS = Number(args.users);
const RATE = Number(args.rate);
if (!(MINUTES > 0 && USERS >= 3 && RATE > 0)) {
  console.error('usage: soak.ts --minutes N (>0) --users N (>=3) --rate N (>0)');
  process.exit(2);
}

interface Sample {
  t: number;
  rss: number;
  heapUsed: number;
  external: number;
  handles: number;
}

interface Account {
  id: string;
  username: string;
  password: string;
  token: string;
}

interface Sent {
  conversationId: string;
  senderId: string;
  clientId: string;
  body: string;
  /** true once the server acknowledged (ack or 2xx). */
  acked: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dir = mkdtempSync(join(tmpdir(), 'chat-soak-'));
const metricsFile = join(dir, 'metrics.jsonl');

// The harness keeps the SQLite file in a temp folder of its own and a random secret.
const api = await spawnApi(
  {
    LOG_LEVEL: 'warn',
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_TIME_COST: '1',
    // The traffic is bounded by --rate; the limiter would only turn it into 429s.
    CHAT_RATE_LIMITS: 'off',
    SOAK_METRICS_FILE: metricsFile,
  },
  { nodeArgs: ['--expose-gc', '--import', './scripts/soak-probe.ts'] },
);
const base = api.url;

let stopping = false;
void api.exited.then(() => {
  if (!stopping) {
    console.error(`soak: the API exited unexpectedly\n${api.output()}`);
    process.exit(1);
  }
});

// The caller names the response shape it expects; nothing here checks it.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
async function http<T>(method: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T };
}

const counters = {
  connects: 0,
  disconnects: 0,
  socketSends: 0,
  restSends: 0,
  reads: 0,
  logins: 0,
  errors: 0,
  unackedResent: 0,
};
const sent: Sent[] = [];
const sockets = new Map<string, Socket[]>();

function pick<T>(items: readonly T[]): T {
  const item = items[Math.floor(Math.random() * items.length)];
  if (item === undefined) throw new Error('empty');
  return item;
}

async function main(): Promise<void> {
  const accounts: Account[] = [];
  for (let i = 0; i < USERS; i++) {
    const username = `soak_${i}_${randomBytes(3).toString('hex')}`;
    const password = 'soak password 123';
    const r = await http<{ user: { id: string }; accessToken: string }>(
      'POST',
      '/api/auth/register',
      undefined,
      { username, password },
    );
    if (r.status !== 201) throw new Error(`register ${r.status}`);
    accounts.push({ id: r.body.user.id, username, password, token: r.body.accessToken });
  }
  // Groups of 3-6 members, every user in at least one.
  const conversations: { id: string; members: Account[] }[] = [];
  for (let i = 0; i < accounts.length; i += 3) {
    const members = accounts.slice(i, i + 3 + (i % 4));
    if (members.length < 2) continue;
    const [owner, ...rest] = members as [Account, ...Account[]];
    const r = await http<{ id: string }>('POST', '/api/conversations', owner.token, {
      type: 'group',
      title: `soak ${i}`,
      memberIds: rest.map((m) => m.id),
    });
    if (r.status !== 201) throw new Error(`group ${r.status}`);
    conversations.push({ id: r.body.id, members });
  }

  const connect = (account: Account) => {
    const socket = io(base, {
      auth: { token: account.token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    socket.on('connect_error', () => counters.errors++);
    // Receiving is part of the load; the payloads are not needed.
    socket.on('message:new', () => undefined);
    sockets.set(account.id, [...(sockets.get(account.id) ?? []), socket]);
    counters.connects++;
  };

  const actions: [number, () => Promise<void> | void][] = [
    [
      2,
      () => {
        const open = [...sockets.values()].reduce((n, list) => n + list.length, 0);
        if (open < USERS * 2) connect(pick(accounts));
      },
    ],
    [
      1,
      () => {
        const owners = [...sockets.entries()].filter(([, list]) => list.length > 0);
        if (owners.length === 0) return;
        const [id, list] = pick(owners);
        const socket = list.shift();
        socket?.disconnect();
        sockets.set(id, list);
        counters.disconnects++;
      },
    ],
    [
      6,
      () => {
        const conversation = pick(conversations);
        const sender = pick(conversation.members);
        const socket = sockets.get(sender.id)?.find((s) => s.connected);
        if (!socket) return;
        const entry: Sent = {
          conversationId: conversation.id,
          senderId: sender.id,
          clientId: randomUUID(),
          body: `soak ${sent.length}`,
          acked: false,
        };
        sent.push(entry);
        counters.socketSends++;
        socket.emit(
          'message:send',
          { conversationId: entry.conversationId, clientId: entry.clientId, body: entry.body },
          (ack: { ok: boolean }) => {
            if (ack.ok) entry.acked = true;
            else counters.errors++;
          },
        );
      },
    ],
    [
      2,
      async () => {
        const conversation = pick(conversations);
        const sender = pick(conversation.members);
        const entry: Sent = {
          conversationId: conversation.id,
          senderId: sender.id,
          clientId: randomUUID(),
          body: `soak ${sent.length}`,
          acked: false,
        };
        sent.push(entry);
        counters.restSends++;
        const r = await http(
          'POST',
          `/api/conversations/${conversation.id}/messages`,
          sender.token,
          {
            clientId: entry.clientId,
            body: entry.body,
          },
        );
        if (r.status === 201) entry.acked = true;
        else counters.errors++;
      },
    ],
    [
      3,
      async () => {
        const conversation = pick(conversations);
        const reader = pick(conversation.members);
        const r = await http(
          'GET',
          `/api/conversations/${conversation.id}/messages?limit=50`,
          reader.token,
        );
        if (r.status !== 200) counters.errors++;
        counters.reads++;
      },
    ],
    [
      1,
      async () => {
        const account = pick(accounts);
        const r = await http<{ accessToken: string }>('POST', '/api/auth/login', undefined, {
          username: account.username,
          password: account.password,
        });
        if (r.status !== 200) {
          counters.errors++;
          return;
        }
        // New sockets of this user use the new session; old sessions stay valid.
        account.token = r.body.accessToken;
        counters.logins++;
      },
    ],
  ];
  const weights = actions.reduce((n, [w]) => n + w, 0);
  const choose = () => {
    let roll = Math.random() * weights;
    for (const [w, run] of actions) {
      roll -= w;
      if (roll < 0) return run;
    }
    return actions[0]?.[1] ?? (() => undefined);
  };

  // A few idle samples first: the baseline for open handles.
  await sleep(2_500);
  const started = Date.now();
  const end = started + MINUTES * 60_000;
  const pending = new Set<Promise<void>>();
  let lastReport = started;
  // Access tokens live 15 minutes; a longer soak would need renewing, which it does not.
  while (Date.now() < end) {
    const tickStart = Date.now();
    for (let i = 0; i < RATE / 10; i++) {
      const p = Promise.resolve(choose()()).catch(() => {
        counters.errors++;
      });
      pending.add(p);
      void p.finally(() => pending.delete(p));
    }
    if (Date.now() - lastReport > 30_000) {
      lastReport = Date.now();
      console.log(
        `soak: ${Math.round((Date.now() - started) / 1000)} s, ${sent.length} sends, ${JSON.stringify(counters)}`,
      );
    }
    await sleep(Math.max(0, 100 - (Date.now() - tickStart)));
  }
  await Promise.all(pending);
  await sleep(2_000);
  for (const list of sockets.values()) for (const socket of list) socket.disconnect();
  // Let the API settle (presence grace, closed sockets) before the last samples.
  await sleep(7_000);

  // ---- no lost or duplicated messages -------------------------------------------------
  const tokenOf = new Map(accounts.map((a) => [a.id, a.token]));
  for (const entry of sent.filter((e) => !e.acked)) {
    // Its socket closed before the ack: the send may or may not have been stored. A resend
    // with the same clientId must settle it without making a second copy.
    const r = await http(
      'POST',
      `/api/conversations/${entry.conversationId}/messages`,
      tokenOf.get(entry.senderId),
      { clientId: entry.clientId, body: entry.body },
    );
    if (r.status === 200 || r.status === 201) {
      entry.acked = true;
      counters.unackedResent++;
    }
  }
  const problems: string[] = [];
  let storedTotal = 0;
  for (const conversation of conversations) {
    const token = conversation.members[0]?.token;
    const rows: { seq: number; senderId: string; clientId: string }[] = [];
    let after = 0;
    for (;;) {
      const r = await http<{ messages: { seq: number; senderId: string; clientId: string }[] }>(
        'GET',
        `/api/conversations/${conversation.id}/messages?limit=200&after=${after}`,
        token,
      );
      if (r.status !== 200) throw new Error(`history ${r.status}`);
      rows.push(...r.body.messages);
      if (r.body.messages.length < 200) break;
      after = r.body.messages.at(-1)?.seq ?? after;
    }
    storedTotal += rows.length;
    rows.forEach((row, i) => {
      if (row.seq !== i + 1)
        problems.push(`${conversation.id}: seq ${row.seq} at position ${i + 1}`);
    });
    const keys = rows.map((r) => `${r.senderId}:${r.clientId}`);
    if (new Set(keys).size !== keys.length) problems.push(`${conversation.id}: duplicate clientId`);
    const storedKeys = new Set(keys);
    for (const entry of sent.filter((e) => e.conversationId === conversation.id)) {
      if (!storedKeys.has(`${entry.senderId}:${entry.clientId}`)) {
        problems.push(`${conversation.id}: lost ${entry.clientId} (acked: ${entry.acked})`);
      }
    }
  }
  if (storedTotal !== sent.length) problems.push(`stored ${storedTotal}, written ${sent.length}`);

  // ---- flat memory and handles -----------------------------------------------------------
  const all = readFileSync(metricsFile, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Sample);
  // Memory is judged while the traffic runs; handles once it has stopped and settled,
  // against the idle API before the traffic (leaked sockets or timers show up there).
  const samples = all.filter((s) => s.t >= started && s.t <= end);
  const idleBefore = all.filter((s) => s.t < started).at(-1);
  const idleAfter = all.at(-1);
  const warm = Math.floor(samples.length / 4);
  const window = Math.max(1, Math.floor(samples.length / 4));
  const avg = (list: Sample[], key: keyof Sample) =>
    list.reduce((n, s) => n + s[key], 0) / Math.max(1, list.length);
  const early = samples.slice(warm, warm + window);
  const late = samples.slice(-window);
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  const report = {
    minutes: MINUTES,
    samples: samples.length,
    counters,
    messagesWritten: sent.length,
    messagesStored: storedTotal,
    rss: {
      early: mb(avg(early, 'rss')),
      late: mb(avg(late, 'rss')),
      max: mb(Math.max(...samples.map((s) => s.rss))),
    },
    heapUsedAfterGc: { early: mb(avg(early, 'heapUsed')), late: mb(avg(late, 'heapUsed')) },
    handles: {
      idleBefore: idleBefore?.handles ?? null,
      busyEarly: avg(early, 'handles').toFixed(1),
      busyLate: avg(late, 'handles').toFixed(1),
      idleAfter: idleAfter?.handles ?? null,
    },
  };
  // Growth allowances: RSS settles in steps as V8 and SQLite grow their pools, so it gets
  // more room than the post-GC heap, which should be flat.
  if (avg(late, 'heapUsed') > avg(early, 'heapUsed') * 1.25 + 2 * 1024 * 1024) {
    problems.push(`heap grew: ${report.heapUsedAfterGc.early} -> ${report.heapUsedAfterGc.late}`);
  }
  if (avg(late, 'rss') > avg(early, 'rss') * 1.35 + 10 * 1024 * 1024) {
    problems.push(`RSS grew: ${report.rss.early} -> ${report.rss.late}`);
  }
  if (idleBefore === undefined || idleAfter === undefined) {
    problems.push('no idle samples before or after the traffic');
  } else if (idleAfter.handles > idleBefore.handles + 3) {
    problems.push(`handles leaked: ${idleBefore.handles} idle before, ${idleAfter.handles} after`);
  }

  console.log(JSON.stringify(report, null, 2));
  if (problems.length > 0) {
    console.error(`soak: FAILED\n${problems.slice(0, 20).join('\n')}`);
    process.exitCode = 1;
  } else {
    console.log('soak: passed (no lost or duplicated message; memory and handles flat)');
  }
}

try {
  await main();
} catch (err) {
  console.error('soak: error', err);
  process.exitCode = 1;
} finally {
  stopping = true;
  await api.stop();
  await api.close();
  rmSync(dir, { recursive: true, force: true });
}
