/**
 * The paths `npm run bench` did not measure before (issue #21): a 256-member group, edits,
 * reactions, Web Push fan-out, and several API processes on one host against one. Each part
 * is a `BENCH_ONLY` name (group, edits, reactions, push, processes) and runs on an API of its
 * own, started by bench/run.ts, whose load generators (bench/loadgen.ts) it reuses for the
 * online pairs; the rest is driven by bench/paths-loadgen.ts.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { startTestPushService, type TestPushService } from '../api/test/push-service';
import type { PairSpec } from './lib/ipc';
import type { MemberSpec, PathsCommand, PathsReply } from './lib/paths-ipc';
import { seedPaths, type PathsSeed, type SeededUser } from './lib/paths-seed';
import { cpuSeconds, LoadGenerator, type ServerProcess } from './lib/processes';
import type { LatencyStats } from './lib/report';
import type { SeededPair } from './lib/seed';
import { latencySummary, percentiles, round, split } from './lib/stats';

export const PATH_PARTS = ['group', 'edits', 'reactions', 'push', 'processes'] as const;
export type PathPart = (typeof PATH_PARTS)[number];

type PathsGenerator = LoadGenerator<PathsCommand, PathsReply>;

/** When and under what load a part ran: parts may be re-run alone and merged. */
export interface RunStamp {
  date: string;
  loadBefore: number[];
  loadAfter: number[];
}

export interface GroupResult extends RunStamp {
  members: number;
  senders: number;
  perSecond: number;
  messages: number;
  /** Messages that did not reach every other member within 3 s of the last send. */
  incomplete: number;
  /** Per message: send → the last of the other members received it (ms). */
  allP50: number;
  allP99: number;
  allMax: number;
  /** Per frame: send → one member received it (ms). */
  frameP50: number;
  frameP99: number;
  frames: number;
  cpuMicrosPerFrame: number;
  cpuMicrosPerMessage: number;
  errors: number;
}

export interface ChangeResult extends RunStamp {
  offeredPerSecond: number;
  /** `message:updated` received by the other member per second. */
  deliveredPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  samples: number;
  lost: number;
  errors: number;
  firstError: string | null;
  cpuMicrosPerChange: number;
}

export interface PushPhase {
  /** Messages/s into conversations with an offline member (with or without subscription). */
  offlineMessagesPerSecond: number;
  online: LatencyStats;
  cpuSeconds: number;
  errors: number;
}

export interface PushResult extends RunStamp {
  offlineUsers: number;
  /** The pairs' messages/s, whose latency is measured (BENCH_RATE). */
  onlinePerSecond: number;
  withoutSubscriptions: PushPhase;
  withSubscriptions: PushPhase & {
    pushes: number;
    pushesPerSecond: number;
    /** Message send → the push service received the push (ms). */
    pushP50: number;
    pushP99: number;
    /** Largest `chat_push_queue` seen, and how long after sending stopped it reached 0. */
    queueMax: number;
    drainMs: number;
    /** Extra server CPU over the run without subscriptions, per push. */
    cpuMicrosPerPush: number;
  };
  burst: {
    messages: number;
    pushes: number;
    /** Pushes/s from the first send of the burst to the last push received. */
    pushesPerSecond: number;
    queueMax: number;
    cpuMicrosPerPush: number;
    seconds: number;
  };
  pushServiceErrors: number;
}

export interface ProcessesRun {
  processes: number;
  redis: boolean;
  perSecond: number;
  cpuMicrosPerMessage: number;
  p50: number;
  p99: number;
  lost: number;
  errors: number;
}

export interface ProcessesResult extends RunStamp {
  /** The fixed rate of the p50/p99 (BENCH_RATE). */
  ratePerSecond: number;
  runs: ProcessesRun[];
}

export interface PathsResults {
  store: 'sqlite' | 'mongodb';
  group?: GroupResult;
  edits?: ChangeResult;
  reactions?: ChangeResult;
  push?: PushResult;
  processes?: ProcessesResult;
}

export interface PathsOptions {
  seconds: number;
  warmupSeconds: number;
  ratePerSecond: number;
  generators: number;
  redisUrl: string;
  groupMembers: number;
  groupSenders: number;
  groupRate: number;
  changeRate: number;
  pushOfflineUsers: number;
  pushSenders: number;
  pushRate: number;
  pushBurst: number;
  processes: number[];
}

export function pathsOptions(option: (name: string, fallback: number) => number): PathsOptions {
  return {
    seconds: option('BENCH_SECONDS', 6),
    warmupSeconds: option('BENCH_WARMUP_SECONDS', 1.5),
    ratePerSecond: option('BENCH_RATE', 1000),
    generators: option('BENCH_GENERATORS', 2),
    redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    groupMembers: option('BENCH_GROUP_MEMBERS', 256),
    groupSenders: option('BENCH_GROUP_SENDERS', 4),
    groupRate: option('BENCH_GROUP_RATE', 20),
    changeRate: option('BENCH_CHANGE_RATE', 500),
    // The coalescing rule pushes a conversation at most once per 5 s: with 2,500 offline
    // users at 300 msg/s no conversation gets two messages within 5 s, so every message
    // is one push.
    pushOfflineUsers: option('BENCH_PUSH_USERS', 2500),
    pushSenders: option('BENCH_PUSH_SENDERS', 20),
    pushRate: option('BENCH_PUSH_RATE', 300),
    pushBurst: option('BENCH_PUSH_BURST', 2000),
    processes: (process.env.BENCH_PROCESSES ?? '1,2')
      .split(',')
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0),
  };
}

/** What bench/run.ts lends the parts: its API starter and its pair load generators. */
export interface PathsContext {
  options: PathsOptions;
  want(part: PathPart): boolean;
  progress(text: string): void;
  store: 'sqlite' | 'mongodb';
  databaseUrl: string;
  jwtSecret: string;
  startApi(name: string, env?: Record<string, string>): Promise<ServerProcess>;
  stop(server: ServerProcess): Promise<void>;
  /** Generators of bench/loadgen.ts with no sockets open, and the seeded pairs. */
  messaging: LoadGenerator[];
  pairs: SeededPair[];
  /** Generators forked here are added so run.ts stops them whatever happens. */
  adopt(generator: { stop(): Promise<void> }): void;
  saturate(
    generators: LoadGenerator[],
    pid: number | number[],
  ): Promise<{ perSecond: number; errors: number; cpuMicrosPerMessage: number }>;
  fixedRate(generators: LoadGenerator[], pid: number | number[]): Promise<LatencyStats>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (seconds: number) => Math.round(seconds * 1000);
const loads = () => loadavg().map((l) => round(l, 2));

export async function runPaths(ctx: PathsContext): Promise<PathsResults> {
  const results: PathsResults = { store: ctx.store };
  const wanted = PATH_PARTS.filter((p) => ctx.want(p));
  if (wanted.length === 0) return results;
  const { options: o } = ctx;
  let pushService: TestPushService | null = null;
  try {
    if (ctx.want('push')) pushService = await startTestPushService();
    const service = pushService;
    ctx.progress('seeding the paths parts (group, push users)…');
    const seed = await seedPaths({
      databaseUrl: ctx.databaseUrl,
      jwtSecret: ctx.jwtSecret,
      groupMembers: ctx.want('group') ? o.groupMembers : 0,
      push: service
        ? {
            senders: o.pushSenders,
            offlineUsers: o.pushOfflineUsers,
            subscription: () => service.subscription(),
          }
        : null,
    });
    const generators = (prefix: string, count: number): PathsGenerator[] =>
      Array.from({ length: count }, (_, i) => {
        const g: PathsGenerator = new LoadGenerator(`${prefix}${i}`, 'paths-loadgen.ts');
        ctx.adopt(g);
        return g;
      });

    if (seed.group) results.group = await benchGroup(ctx, seed.group, generators);
    if (ctx.want('edits') || ctx.want('reactions')) {
      Object.assign(results, await benchChanges(ctx, generators));
    }
    if (seed.push && service) results.push = await benchPush(ctx, seed.push, service, generators);
    if (ctx.want('processes')) results.processes = await benchProcesses(ctx);
  } finally {
    await pushService?.close();
  }
  return results;
}

function stamp(loadBefore: number[]): RunStamp {
  return { date: new Date().toISOString(), loadBefore, loadAfter: loads() };
}

async function stopAll(generators: PathsGenerator[]): Promise<void> {
  await Promise.all(generators.map((g) => g.stop()));
}

// ---- a 256-member group ----------------------------------------------------------------

async function benchGroup(
  ctx: PathsContext,
  seeded: NonNullable<PathsSeed['group']>,
  generators: (prefix: string, count: number) => PathsGenerator[],
): Promise<GroupResult> {
  const { options: o } = ctx;
  const loadBefore = loads();
  const api = await ctx.startApi('api-group');
  const gens = generators('group', o.generators);
  try {
    const spec = (m: SeededUser): MemberSpec => ({ token: m.token, url: api.url });
    const senders = seeded.members.slice(0, o.groupSenders);
    const others = seeded.members.slice(o.groupSenders);
    ctx.progress(
      `group of ${seeded.members.length}: connecting every member (${gens.length} generators)…`,
    );
    const memberParts = split(others, gens.length);
    const senderParts = split(senders, gens.length);
    await Promise.all(
      gens.map((g, i) =>
        g.run({ kind: 'members', members: (memberParts[i] ?? []).map(spec) }, 'connected'),
      ),
    );
    await Promise.all(
      gens.map((g, i) =>
        g.run(
          {
            kind: 'group-senders',
            conversationId: seeded.conversationId,
            senders: (senderParts[i] ?? []).map(spec),
          },
          'connected',
        ),
      ),
    );
    // Presence of 256 members coming online reaches everyone: let it pass before measuring.
    await collectGroup(gens);
    const withSenders = gens.filter((_, i) => (senderParts[i] ?? []).length > 0);
    ctx.progress(`group: ${o.groupRate} msg/s from ${senders.length} members…`);
    const cpuBefore = cpuSeconds(api.pid);
    const sent = await Promise.all(
      withSenders.map((g) =>
        g.run(
          {
            kind: 'group-send',
            perSecond: o.groupRate / withSenders.length,
            warmupMs: ms(o.warmupSeconds),
            durationMs: ms(o.seconds),
          },
          'group-sent',
        ),
      ),
    );
    const measured = sent.flatMap((s) => s.measured);
    const recipients = seeded.members.length - 1;
    const counts = new Map<string, [number, number]>();
    const frames: number[] = [];
    let total = 0;
    const complete = () => measured.every((id) => (counts.get(id)?.[0] ?? 0) >= recipients);
    // Stragglers get three seconds; messages still short of a member then are incomplete.
    for (const deadline = performance.now() + 3_000; ;) {
      for (const collected of await collectGroup(gens)) {
        total += collected.total;
        frames.push(...collected.frames);
        for (const [id, [count, latest]] of Object.entries(collected.arrivals)) {
          const seen = counts.get(id) ?? [0, 0];
          counts.set(id, [seen[0] + count, Math.max(seen[1], latest)]);
        }
      }
      if (complete() || performance.now() > deadline) break;
      await sleep(100);
    }
    const cpu = cpuSeconds(api.pid) - cpuBefore;
    const lastMember = measured
      .map((id) => counts.get(id))
      .filter((c): c is [number, number] => c !== undefined && c[0] >= recipients)
      .map(([, latest]) => latest);
    const all = percentiles(lastMember);
    const perFrame = percentiles(frames);
    const messages = sent.reduce((sum, s) => sum + s.sent, 0);
    const result: GroupResult = {
      ...stamp(loadBefore),
      members: seeded.members.length,
      senders: senders.length,
      perSecond: o.groupRate,
      messages,
      incomplete: messages - lastMember.length,
      allP50: round(all.p50, 2),
      allP99: round(all.p99, 2),
      allMax: round(all.max, 1),
      frameP50: round(perFrame.p50, 2),
      frameP99: round(perFrame.p99, 2),
      frames: total,
      cpuMicrosPerFrame: total > 0 ? round((cpu * 1e6) / total, 1) : Number.NaN,
      cpuMicrosPerMessage: total > 0 ? Math.round((cpu * 1e6 * recipients) / total) : Number.NaN,
      errors: sent.reduce((sum, s) => sum + s.errors, 0),
    };
    ctx.progress(
      `  to all ${recipients} others: p50 ${result.allP50} ms, p99 ${result.allP99} ms; per frame p50 ${result.frameP50} / p99 ${result.frameP99} ms; ${result.cpuMicrosPerFrame} µs CPU per frame (${result.incomplete} incomplete, ${result.errors} errors)`,
    );
    return result;
  } finally {
    await stopAll(gens);
    await ctx.stop(api);
  }
}

async function collectGroup(gens: PathsGenerator[]) {
  return Promise.all(gens.map((g) => g.run({ kind: 'group-collect' }, 'group-collected')));
}

// ---- edits and reactions ----------------------------------------------------------------

async function benchChanges(
  ctx: PathsContext,
  generators: (prefix: string, count: number) => PathsGenerator[],
): Promise<Pick<PathsResults, 'edits' | 'reactions'>> {
  const { options: o } = ctx;
  const api = await ctx.startApi('api-changes');
  const gens = generators('changes', o.generators);
  const results: Pick<PathsResults, 'edits' | 'reactions'> = {};
  try {
    const parts = split(ctx.pairs, gens.length);
    await Promise.all(
      gens.map((g, i) =>
        g.run(
          {
            kind: 'targets',
            targets: (parts[i] ?? []).map((p) => ({
              conversationId: p.conversationId,
              sender: { token: p.senderToken, url: api.url },
              receiver: { token: p.receiverToken, url: api.url },
            })),
          },
          'connected',
        ),
      ),
    );
    for (const change of ['edit', 'reaction'] as const) {
      const part = change === 'edit' ? 'edits' : 'reactions';
      if (!ctx.want(part)) continue;
      const runChanges = (durationMs: number) =>
        Promise.all(
          gens.map((g) =>
            g.run(
              {
                kind: 'changes',
                change,
                perSecond: o.changeRate / gens.length,
                warmupMs: ms(o.warmupSeconds),
                durationMs,
              },
              'changes',
            ),
          ),
        );
      // A pass of the same changes first, not measured: a cold server (JIT, caches) builds
      // a backlog that the measured warmup alone does not always clear on a busy host.
      await runChanges(0);
      const loadBefore = loads();
      ctx.progress(`${part} at ${o.changeRate}/s…`);
      const cpuBefore = cpuSeconds(api.pid);
      const runs = await runChanges(ms(o.seconds));
      const cpu = cpuSeconds(api.pid) - cpuBefore;
      const stats = latencySummary(runs);
      const total = runs.reduce((sum, r) => sum + r.total, 0);
      const result: ChangeResult = {
        ...stamp(loadBefore),
        offeredPerSecond: o.changeRate,
        deliveredPerSecond: Math.round(stats.samples / o.seconds),
        ...stats,
        firstError: runs.find((r) => r.firstError)?.firstError ?? null,
        cpuMicrosPerChange: total > 0 ? Math.round((cpu * 1e6) / total) : Number.NaN,
      };
      results[part] = result;
      ctx.progress(
        `  ${result.deliveredPerSecond}/s delivered, p50 ${result.p50} ms, p99 ${result.p99} ms, ${result.cpuMicrosPerChange} µs CPU each (${result.lost} lost, ${result.errors} errors${result.firstError ? `: ${result.firstError}` : ''})`,
      );
    }
    return results;
  } finally {
    await stopAll(gens);
    await ctx.stop(api);
  }
}

// ---- Web Push fan-out ---------------------------------------------------------------------

async function pushQueue(url: string, token: string): Promise<number> {
  const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  const match = /^chat_push_queue (\d+)/m.exec(text);
  return match ? Number(match[1]) : Number.NaN;
}

/** Samples the push queue every 100 ms until stopped; resolves with the largest value. */
function watchQueue(url: string, token: string) {
  let running = true;
  let max = 0;
  let last = Number.NaN;
  const done = (async () => {
    while (running) {
      // A scrape that fails (a server too busy to answer) is a missing sample, not an end.
      last = await pushQueue(url, token).catch(() => Number.NaN);
      if (last > max) max = last;
      await sleep(100);
    }
  })();
  return {
    current: () => last,
    stop: async () => {
      running = false;
      await done;
      return max;
    },
  };
}

async function benchPush(
  ctx: PathsContext,
  seeded: NonNullable<PathsSeed['push']>,
  service: TestPushService,
  generators: (prefix: string, count: number) => PathsGenerator[],
): Promise<PushResult> {
  const { options: o } = ctx;
  const loadBefore = loads();
  const metricsToken = randomBytes(24).toString('base64url');
  const api = await ctx.startApi('api-push', {
    PUSH_ALLOW_PRIVATE_ENDPOINTS: 'true',
    METRICS_TOKEN: metricsToken,
  });
  const [without, withSubs] = generators('push', 2) as [PathsGenerator, PathsGenerator];
  try {
    const senders = (conversations: { senderIndex: number; conversationId: string }[]) =>
      seeded.senders.map((sender, i) => ({
        sender: { token: sender.token, url: api.url },
        conversationIds: conversations
          .filter((c) => c.senderIndex === i)
          .map((c) => c.conversationId),
      }));
    await without.run(
      { kind: 'fan-senders', senders: senders(seeded.withoutSubscriptions) },
      'connected',
    );
    await withSubs.run(
      { kind: 'fan-senders', senders: senders(seeded.withSubscriptions) },
      'connected',
    );
    await openPairs(ctx, api.url);
    const totalMs = ms(o.warmupSeconds + o.seconds);
    ctx.progress('push: warming the API up (not measured)…');
    await ctx.fixedRate(ctx.messaging, api.pid);

    const phase = async (fan: PathsGenerator) => {
      const cpuBefore = cpuSeconds(api.pid);
      const [online, sent] = await Promise.all([
        ctx.fixedRate(ctx.messaging, api.pid),
        fan.run({ kind: 'fan-send', perSecond: o.pushRate, durationMs: totalMs }, 'fan-sent'),
      ]);
      return { online, sent, cpuBefore };
    };

    ctx.progress(
      `push: ${o.ratePerSecond} msg/s between online pairs + ${o.pushRate} msg/s to offline users without subscriptions…`,
    );
    const a = await phase(without);
    const cpuA = cpuSeconds(api.pid) - a.cpuBefore;
    ctx.progress(
      `  online p50 ${a.online.p50} ms, p99 ${a.online.p99} ms (${a.sent.errors} send errors)`,
    );

    ctx.progress(`push: the same, to offline users with a subscription each…`);
    const firstPush = service.received.length;
    const queue = watchQueue(api.url, metricsToken);
    const b = await phase(withSubs);
    const stoppedAt = performance.now();
    const expected = Object.keys(b.sent.sentAt).length;
    // Wait for the queue to drain: every push received, or 30 s.
    for (const deadline = stoppedAt + 30_000; performance.now() < deadline;) {
      if (service.received.length - firstPush >= expected && queue.current() === 0) break;
      await sleep(50);
    }
    const drainMs = Math.round(performance.now() - stoppedAt);
    const queueMax = await queue.stop();
    const cpuB = cpuSeconds(api.pid) - b.cpuBefore;
    const pushesB = service.received.slice(firstPush);
    const pushLatency = percentiles(
      pushesB
        .map((p) => {
          const at = b.sent.sentAt[`${p.payload.conversationId}:${p.payload.seq}`];
          return at === undefined ? Number.NaN : p.receivedAt - at;
        })
        .filter((l) => Number.isFinite(l)),
    );
    const firstAt = Math.min(Date.now(), ...Object.values(b.sent.sentAt));
    const lastAt = Math.max(firstAt, ...pushesB.map((p) => p.receivedAt));
    const withSubscriptions: PushResult['withSubscriptions'] = {
      offlineMessagesPerSecond: o.pushRate,
      online: b.online,
      cpuSeconds: round(cpuB, 2),
      errors: b.sent.errors,
      pushes: pushesB.length,
      pushesPerSecond: round((pushesB.length * 1000) / Math.max(1, lastAt - firstAt), 1),
      pushP50: round(pushLatency.p50, 1),
      pushP99: round(pushLatency.p99, 1),
      queueMax,
      drainMs,
      cpuMicrosPerPush:
        pushesB.length > 0 ? Math.round(((cpuB - cpuA) * 1e6) / pushesB.length) : Number.NaN,
    };
    ctx.progress(
      `  online p50 ${b.online.p50} ms, p99 ${b.online.p99} ms; ${pushesB.length} pushes of ${expected} messages, ${withSubscriptions.pushesPerSecond}/s, push latency p50 ${withSubscriptions.pushP50} / p99 ${withSubscriptions.pushP99} ms, queue max ${queueMax}, drained ${drainMs} ms after the last send; ${withSubscriptions.cpuMicrosPerPush} µs CPU per push over the run without`,
    );

    // A burst: as many messages as fast as the senders go, each to another offline user,
    // after the coalescing interval (5 s) of the run above has passed for every one of them.
    const burstSize = Math.min(o.pushBurst, seeded.withSubscriptions.length);
    await sleep(Math.max(0, lastAt + 5_200 - Date.now()));
    ctx.progress(`push burst: ${burstSize} messages to ${burstSize} offline subscribed users…`);
    const burstFirst = service.received.length;
    const burstQueue = watchQueue(api.url, metricsToken);
    const burstCpuBefore = cpuSeconds(api.pid);
    const burstStarted = Date.now();
    const burstSent = await withSubs.run(
      { kind: 'fan-send', perSecond: burstSize * 4, durationMs: 250 },
      'fan-sent',
    );
    const burstExpected = Object.keys(burstSent.sentAt).length;
    for (const deadline = performance.now() + 60_000; performance.now() < deadline;) {
      if (service.received.length - burstFirst >= burstExpected && burstQueue.current() === 0) {
        break;
      }
      await sleep(50);
    }
    const burstQueueMax = await burstQueue.stop();
    const burstCpu = cpuSeconds(api.pid) - burstCpuBefore;
    const burstPushes = service.received.slice(burstFirst);
    const burstLast = Math.max(burstStarted, ...burstPushes.map((p) => p.receivedAt));
    const burstSeconds = (burstLast - burstStarted) / 1000;
    const burst: PushResult['burst'] = {
      messages: burstExpected,
      pushes: burstPushes.length,
      pushesPerSecond: round(burstPushes.length / Math.max(0.001, burstSeconds), 1),
      queueMax: burstQueueMax,
      // The messages' own cost is in here too (a few per cent at ~100 µs each).
      cpuMicrosPerPush:
        burstPushes.length > 0 ? Math.round((burstCpu * 1e6) / burstPushes.length) : Number.NaN,
      seconds: round(burstSeconds, 2),
    };
    ctx.progress(
      `  ${burst.pushes} pushes in ${burst.seconds} s: ${burst.pushesPerSecond}/s, queue max ${burst.queueMax}, ${burst.cpuMicrosPerPush} µs CPU per push (messages included)`,
    );
    return {
      ...stamp(loadBefore),
      offlineUsers: o.pushOfflineUsers,
      onlinePerSecond: o.ratePerSecond,
      withoutSubscriptions: {
        offlineMessagesPerSecond: o.pushRate,
        online: a.online,
        cpuSeconds: round(cpuA, 2),
        errors: a.sent.errors,
      },
      withSubscriptions,
      burst,
      pushServiceErrors: service.errors.length,
    };
  } finally {
    await Promise.all(ctx.messaging.map((g) => g.run({ kind: 'close' }, 'closed')));
    await stopAll([without, withSubs]);
    await ctx.stop(api);
  }
}

/**
 * Opens the seeded pairs on the messaging generators; with several instances, each
 * generator's senders on one instance and their receivers spread over all of them, as a
 * load balancer would place them.
 */
async function openPairs(ctx: PathsContext, urls: string | string[]): Promise<void> {
  const instances = [urls].flat();
  const parts = split(ctx.pairs, ctx.messaging.length);
  await Promise.all(
    ctx.messaging.map((g, gi) => {
      const url = instances[gi % instances.length] ?? '';
      const pairs: PairSpec[] = (parts[gi] ?? []).map((pair, i) => ({
        conversationId: pair.conversationId,
        sender: { token: pair.senderToken },
        receiver: { token: pair.receiverToken },
        receiverUrl: instances[(gi + i) % instances.length],
      }));
      return g.run({ kind: 'pairs', url, pairs }, 'pairs');
    }),
  );
}

// ---- several processes on one host ------------------------------------------------------

async function benchProcesses(ctx: PathsContext): Promise<ProcessesResult> {
  const { options: o } = ctx;
  const loadBefore = loads();
  const runs: ProcessesRun[] = [];
  for (const count of o.processes) {
    const redis = count > 1;
    const instances: ServerProcess[] = [];
    try {
      for (let i = 0; i < count; i++) {
        instances.push(
          await ctx.startApi(`api-p${count}-${i}`, redis ? { REDIS_URL: o.redisUrl } : {}),
        );
      }
      const pids = instances.map((s) => s.pid);
      ctx.progress(
        `${count} API process${count > 1 ? 'es on Redis' : ''}: saturation, then ${o.ratePerSecond} msg/s…`,
      );
      await openPairs(
        ctx,
        instances.map((s) => s.url),
      );
      const saturation = await ctx.saturate(ctx.messaging, pids);
      const latency = await ctx.fixedRate(ctx.messaging, pids);
      const run: ProcessesRun = {
        processes: count,
        redis,
        perSecond: saturation.perSecond,
        cpuMicrosPerMessage: saturation.cpuMicrosPerMessage,
        p50: latency.p50,
        p99: latency.p99,
        lost: latency.lost,
        errors: saturation.errors + latency.errors,
      };
      runs.push(run);
      ctx.progress(
        `  ${run.perSecond} msg/s, ${run.cpuMicrosPerMessage} µs CPU/msg over all processes; p50 ${run.p50} ms, p99 ${run.p99} ms (${run.lost} late, ${run.errors} errors)`,
      );
      await Promise.all(ctx.messaging.map((g) => g.run({ kind: 'close' }, 'closed')));
    } finally {
      for (const instance of instances) await ctx.stop(instance);
    }
  }
  return { ...stamp(loadBefore), ratePerSecond: o.ratePerSecond, runs };
}
