/**
 * `npm run bench`: how close the API comes to a bare Socket.IO relay on this machine.
 *
 * Starts the real API (a process, on a temporary SQLite file, CHAT_RATE_LIMITS=off) and
 * the relay (bench/relay.ts), drives both with socket.io-client load generators in
 * separate processes, then writes bench/results/latest.json and the results section of
 * docs/BENCHMARKS.md. Sizes and durations come from the environment (see OPTIONS below);
 * the defaults finish in well under five minutes on two cores.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { spawnApi } from '@chat/api/testing';
import { LIMITS } from '@chat/protocol';
import type { PairSpec, RateResult } from './lib/ipc';
import {
  LoadGenerator,
  cpuSeconds,
  mainThreadCpuSeconds,
  ROOT,
  openFilesLimit,
  rssKiB,
  startServer,
  type ServerProcess,
} from './lib/processes';
import {
  writePathsReport,
  writeReport,
  type LatencyStats,
  type RestRead,
  type Results,
} from './lib/report';
import {
  measureRead,
  recordResponse,
  seedReads,
  type ReadMeasure,
  type RecordedResponse,
} from './lib/reads';
import { seed, type SeededPair } from './lib/seed';
import { compareWindows, latencySummary, round, split, type BurstComparison } from './lib/stats';
import { benchDatabase } from './lib/store';
import { PATH_PARTS, pathsOptions, runPaths, type PathsResults } from './paths';

function option(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number >= 0`);
  return value;
}

/** Server fds beyond its sockets: stdio, the database and WAL, the listener, epoll... */
const FD_HEADROOM = 200;

const OPTIONS = {
  pairs: option('BENCH_PAIRS', 100),
  window: option('BENCH_WINDOW', 10),
  seconds: option('BENCH_SECONDS', 6),
  warmupSeconds: option('BENCH_WARMUP_SECONDS', 1.5),
  ratePerSecond: option('BENCH_RATE', 1000),
  generators: option('BENCH_GENERATORS', 2),
  idleSockets: option('BENCH_IDLE_SOCKETS', Math.min(20_000, openFilesLimit() - FD_HEADROOM)),
  idleGenerators: option('BENCH_IDLE_GENERATORS', 4),
  idleConcurrency: option('BENCH_IDLE_CONCURRENCY', 50),
  /** Connecting stops after this long, so a busy machine cannot push the run past 5 min. */
  idleMaxSeconds: option('BENCH_IDLE_MAX_SECONDS', 90),
  loginConcurrency: option('BENCH_LOGIN_CONCURRENCY', 8),
  restConnections: option('BENCH_REST_CONNECTIONS', 16),
  uploadConcurrency: option('BENCH_UPLOAD_CONCURRENCY', 4),
  /** The burst rows' windows: this many pairs of (without, during)… */
  burstPairs: option('BENCH_BURST_PAIRS', 3),
  /** …of this many seconds each (3,000 messages at the default rate). */
  burstSeconds: option('BENCH_BURST_SECONDS', 3),
  redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
};

/**
 * A 3 MB camera-like JPEG: 4000 × 3000 of smooth gradients with fine noise, as a phone
 * photo compresses (a flat colour would make the image work unrealistically cheap).
 */
async function benchPhoto(): Promise<Buffer> {
  const width = 4000;
  const height = 3000;
  const pixels = Buffer.alloc(width * height * 3);
  let seed = 7;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const noise = (seed >> 16) % 21;
      const i = (y * width + x) * 3;
      pixels[i] = (x * 255) / width + noise;
      pixels[i + 1] = (y * 255) / height + noise;
      pixels[i + 2] = 128 + noise;
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

const started = Date.now();
function progress(text: string): void {
  const at = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  process.stdout.write(`[bench ${at}s] ${text}\n`);
}

const ms = (seconds: number) => Math.round(seconds * 1000);

async function openPairs(
  generators: LoadGenerator[],
  url: string,
  pairs: SeededPair[],
  options: { relay?: boolean; receiverUrl?: string } = {},
): Promise<void> {
  const specs: PairSpec[] = pairs.map((pair) => {
    const rooms = options.relay ? [pair.conversationId] : undefined;
    return {
      conversationId: pair.conversationId,
      sender: { token: pair.senderToken, rooms },
      receiver: { token: pair.receiverToken, rooms },
      receiverUrl: options.receiverUrl,
    };
  });
  const parts = split(specs, generators.length);
  await Promise.all(
    generators.map((g, i) => g.run({ kind: 'pairs', url, pairs: parts[i] ?? [] }, 'pairs')),
  );
}

async function closeAll(generators: LoadGenerator[]): Promise<void> {
  await Promise.all(generators.map((g) => g.run({ kind: 'close' }, 'closed')));
}

/** Server CPU microseconds per delivered message over one run. */
async function withCpu<T extends { total: number }>(
  pid: number | number[],
  run: () => Promise<T[]>,
): Promise<{ results: T[]; cpuMicrosPerMessage: number; mainThreadMicrosPerMessage: number }> {
  // Two instances: their CPU is added up, since both work on every message.
  const cpuNow = () => [pid].flat().reduce((sum, p) => sum + cpuSeconds(p), 0);
  const mainNow = () => [pid].flat().reduce((sum, p) => sum + mainThreadCpuSeconds(p), 0);
  const before = cpuNow();
  const mainBefore = mainNow();
  const results = await run();
  const cpu = cpuNow() - before;
  const main = mainNow() - mainBefore;
  const total = results.reduce((sum, r) => sum + r.total, 0);
  const perMessage = (seconds: number) =>
    total > 0 ? Math.round((seconds * 1e6) / total) : Number.NaN;
  return {
    results,
    cpuMicrosPerMessage: perMessage(cpu),
    mainThreadMicrosPerMessage: perMessage(main),
  };
}

async function saturate(generators: LoadGenerator[], pid: number | number[]) {
  const { results, cpuMicrosPerMessage, mainThreadMicrosPerMessage } = await withCpu(pid, () =>
    Promise.all(
      generators.map((g) =>
        g.run(
          {
            kind: 'saturate',
            window: OPTIONS.window,
            warmupMs: ms(OPTIONS.warmupSeconds),
            durationMs: ms(OPTIONS.seconds),
          },
          'saturate',
        ),
      ),
    ),
  );
  const perSecond = results.reduce((sum, r) => sum + r.delivered / r.seconds, 0);
  const errors = results.reduce((sum, r) => sum + r.errors, 0);
  return {
    perSecond: Math.round(perSecond),
    errors,
    cpuMicrosPerMessage,
    mainThreadMicrosPerMessage,
  };
}

/** One window of messages at the fixed rate: each latency, and their summary. */
async function rateWindow(
  generators: LoadGenerator[],
  pid: number | number[],
  seconds = OPTIONS.seconds,
): Promise<{ latencies: number[]; stats: LatencyStats }> {
  const { results, cpuMicrosPerMessage, mainThreadMicrosPerMessage } = await withCpu(
    pid,
    (): Promise<RateResult[]> =>
      Promise.all(
        generators.map((g) =>
          g.run(
            {
              kind: 'rate',
              perSecond: OPTIONS.ratePerSecond / generators.length,
              warmupMs: ms(OPTIONS.warmupSeconds),
              durationMs: ms(seconds),
            },
            'rate',
          ),
        ),
      ),
  );
  return {
    latencies: results.flatMap((r) => r.latencies),
    stats: { ...latencySummary(results), cpuMicrosPerMessage, mainThreadMicrosPerMessage },
  };
}

async function fixedRate(generators: LoadGenerator[], pid: number | number[]) {
  return (await rateWindow(generators, pid)).stats;
}

/**
 * Message latency without and during a burst (logins, uploads), in OPTIONS.burstPairs
 * pairs of shorter windows, one without and one during, alternated. With a single window
 * of each, the ratio swung with whatever else the host did in the one "without" window
 * (2.2 to 8.8 × in four runs of the same code); alternated, a slow moment of the host
 * falls on both sides, and each pooled p99 (burstPairs × burstSeconds × the rate samples)
 * is steadier than any one window's. Each pair's own ratio shows how far one strays.
 */
async function besideBurst(
  generators: LoadGenerator[],
  pid: number,
  what: { burst: string; unit: string },
  burst: (durationMs: number) => Promise<{ ok: number; seconds: number }>,
): Promise<{ comparison: BurstComparison; burst: { ok: number; seconds: number } }> {
  progress(
    `API latency at ${OPTIONS.ratePerSecond} msg/s without and during ${what.burst}, ${OPTIONS.burstPairs} × ${OPTIONS.burstSeconds} s each…`,
  );
  const without: number[][] = [];
  const during: number[][] = [];
  const bursts: { ok: number; seconds: number }[] = [];
  let lost = 0;
  for (let i = 0; i < OPTIONS.burstPairs; i++) {
    const alone = await rateWindow(generators, pid, OPTIONS.burstSeconds);
    // The burst starts with the messages and outlasts them, so its warm-up and end are not
    // measured.
    const [beside, result] = await Promise.all([
      rateWindow(generators, pid, OPTIONS.burstSeconds),
      burst(ms(OPTIONS.warmupSeconds + OPTIONS.burstSeconds + 0.5)),
    ]);
    without.push(alone.latencies);
    during.push(beside.latencies);
    bursts.push(result);
    lost += beside.stats.lost;
  }
  const comparison = compareWindows(without, during);
  const total = sumBursts(bursts);
  progress(
    `  ${describeComparison(comparison)} during ${round(total.ok / total.seconds)} ${what.unit}/s (lost ${lost})`,
  );
  return { comparison, burst: total };
}

const READS = {
  historyMessages: option('BENCH_HISTORY_MESSAGES', 200),
  conversations: option('BENCH_LIST_CONVERSATIONS', 200),
};

const noRead: ReadMeasure = {
  requestsPerSec: Number.NaN,
  p99: Number.NaN,
  errors: 0,
  non2xx: 0,
  cpuMicrosPerRequest: Number.NaN,
};

/** One REST read again and again with autocannon: requests/s, p99 and server CPU each. */
async function benchRead(
  api: ServerProcess,
  what: string,
  path: string,
  token: string,
): Promise<ReadMeasure> {
  progress(`${what}…`);
  const result = await measureRead({
    url: `${api.url}${path}`,
    token,
    pid: api.pid,
    seconds: Math.max(3, Math.round(OPTIONS.seconds)),
    warmupSeconds: OPTIONS.warmupSeconds,
    connections: OPTIONS.restConnections,
  });
  progress(
    `  ${result.requestsPerSec} req/s, p99 ${result.p99} ms, ${result.cpuMicrosPerRequest} µs CPU/request (${result.non2xx} non-2xx)`,
  );
  return result;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const emptyLatency: LatencyStats = {
  p50: Number.NaN,
  p99: Number.NaN,
  max: Number.NaN,
  samples: 0,
  lost: 0,
  errors: 0,
  cpuMicrosPerMessage: Number.NaN,
  mainThreadMicrosPerMessage: Number.NaN,
};

const noComparison: BurstComparison = {
  p99Without: Number.NaN,
  p99During: Number.NaN,
  ratio: Number.NaN,
  pairRatios: { median: Number.NaN, min: Number.NaN, max: Number.NaN },
};

/** A burst's windows as one: what succeeded over the time they ran. */
function sumBursts(bursts: { ok: number; seconds: number }[]): { ok: number; seconds: number } {
  return {
    ok: bursts.reduce((sum, b) => sum + b.ok, 0),
    seconds: bursts.reduce((sum, b) => sum + b.seconds, 0),
  };
}

function describeComparison(c: BurstComparison): string {
  const { median, min, max } = c.pairRatios;
  return `p99 ${c.p99During} ms during, ${c.p99Without} ms without, pooled: ${c.ratio} × (per pair: median ${median} ×, ${min}–${max} ×)`;
}

/**
 * BENCH_ONLY=api,relay,durable,indexed,logins,uploads,rest,list,idle,redis runs just those parts and
 * writes nothing; the paths parts (group, edits, reactions, push, processes) alone write
 * their own rows, each stamped with its time and load.
 */
const only = new Set((process.env.BENCH_ONLY ?? '').split(',').filter((p) => p !== ''));
const want = (part: string) => only.size === 0 || only.has(part);
const PATHS_OPTIONS = pathsOptions(option);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'chat-bench-'));
  // BENCH_STORE=mongodb runs the same parts on the MongoDB at BENCH_MONGODB_URL.
  const database = benchDatabase(process.env, join(dir, 'bench.sqlite'));
  if (database.kind === 'skip') {
    progress(database.reason);
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  const jwtSecret = randomBytes(48).toString('base64url');
  const loadBefore = loadavg();
  const apiEnv = {
    DATABASE_URL: database.url,
    JWT_SECRET: jwtSecret,
    CHAT_RATE_LIMITS: 'off',
    NODE_ENV: '',
    REDIS_URL: '',
  };
  const servers: ServerProcess[] = [];
  const generators: LoadGenerator[] = [];
  /** Generators the paths parts fork (of another script), stopped with the others. */
  const adopted: { stop(): Promise<void> }[] = [];
  const startApi = async (name: string, env: Record<string, string> = {}) => {
    // The production settings (no test defaults), on a free loopback port.
    const api = await spawnApi(
      { ...apiEnv, ...env },
      {
        testDefaults: false,
        logFile: join(dir, `${name}.log`),
        readyTimeoutMs: 60_000,
        // e.g. BENCH_API_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the API.
        nodeArgs: (process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter((a) => a !== ''),
      },
    );
    const server: ServerProcess = { name, url: api.url, pid: api.pid, stop: () => api.stop() };
    servers.push(server);
    return server;
  };
  const stop = async (server: ServerProcess) => {
    await server.stop();
    servers.splice(servers.indexOf(server), 1);
  };

  try {
    progress(
      `${cpus().length} cores, load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}; options ${JSON.stringify(OPTIONS)}`,
    );
    progress('seeding users, sessions and conversations…');
    const seeded = await seed({
      databaseUrl: database.url,
      jwtSecret,
      pairs: OPTIONS.pairs,
      idle: want('idle') ? OPTIONS.idleSockets : 0,
      loginUsers: 64,
    });
    const reads = await seedReads({
      databaseUrl: database.url,
      jwtSecret,
      historyMessages: READS.historyMessages,
      conversations: READS.conversations,
    });

    for (let i = 0; i < OPTIONS.generators; i++) generators.push(new LoadGenerator(`gen${i}`));
    const loginGenerator = new LoadGenerator('gen-login');
    generators.push(loginGenerator);
    const messaging = generators.slice(0, OPTIONS.generators);

    // --- The API: saturation, latency, logins, REST -------------------------------------
    let apiSaturation = {
      perSecond: Number.NaN,
      errors: 0,
      cpuMicrosPerMessage: Number.NaN,
      mainThreadMicrosPerMessage: Number.NaN,
    };
    let apiLatency = emptyLatency;
    let loginsAlone = { ok: 0, failed: 0, seconds: 1 };
    let loginsBurst = { ok: 0, seconds: 1 };
    let loginsComparison = noComparison;
    let uploadsAlone = {
      ok: 0,
      busy: 0,
      failed: 0,
      bytes: 0,
      firstError: null as string | null,
      seconds: 1,
    };
    let uploadsBurst = { ok: 0, seconds: 1 };
    let photoBytes = 0;
    let uploadsComparison = noComparison;
    let rest: RestRead = noRead;
    let conversationList: RestRead = noRead;
    let conversationListUsers: RestRead = noRead;
    const historyPath = `/api/conversations/${reads.history.conversationId}/messages?limit=50`;
    // The list as our client asks for it (members as ids), and the contract's default.
    const listUsersPath = `/api/conversations?limit=${LIMITS.conversationListLimitMax}`;
    const listPath = `${listUsersPath}&members=ids`;
    /** What the API answered to each read, for the floor to answer with (path → answer). */
    const floorAnswers: Record<string, RecordedResponse> = {};
    if (want('api') || want('logins') || want('uploads') || want('rest') || want('list')) {
      const api = await startApi('api');
      progress(`API up at ${api.url} (pid ${api.pid}); connecting ${OPTIONS.pairs} pairs`);
      await openPairs(messaging, api.url, seeded.pairs);
      if (want('api')) {
        progress(`API saturation: ${OPTIONS.pairs} pairs × ${OPTIONS.window} in flight…`);
        apiSaturation = await saturate(messaging, api.pid);
        progress(
          `  API delivered ${apiSaturation.perSecond} msg/s, ${apiSaturation.cpuMicrosPerMessage} µs CPU/msg, ${apiSaturation.mainThreadMicrosPerMessage} on the event loop (${apiSaturation.errors} errors)`,
        );
      }
      if (!want('api') && (want('logins') || want('uploads'))) {
        // The latency baseline below must not be measured on a cold (unoptimised) server.
        progress('warming up the API…');
        await saturate(messaging, api.pid);
      }
      if (want('api') || want('logins') || want('uploads')) {
        progress(`API latency at ${OPTIONS.ratePerSecond} msg/s…`);
        apiLatency = await fixedRate(messaging, api.pid);
        progress(
          `  API p50 ${apiLatency.p50} ms, p99 ${apiLatency.p99} ms, ${apiLatency.cpuMicrosPerMessage} µs CPU/msg, ${apiLatency.mainThreadMicrosPerMessage} on the event loop (lost ${apiLatency.lost})`,
        );
      }
      if (want('logins')) {
        const loginCommand = (durationMs: number) =>
          ({
            kind: 'logins',
            url: api.url,
            usernames: seeded.loginUsernames,
            password: seeded.password,
            concurrency: OPTIONS.loginConcurrency,
            durationMs,
          }) as const;
        progress(`logins alone (${OPTIONS.loginConcurrency} concurrent)…`);
        loginsAlone = await loginGenerator.run(loginCommand(ms(OPTIONS.seconds)), 'logins');
        progress(
          `  ${round(loginsAlone.ok / loginsAlone.seconds)} logins/s (${loginsAlone.failed} failed)`,
        );
        ({ comparison: loginsComparison, burst: loginsBurst } = await besideBurst(
          messaging,
          api.pid,
          { burst: 'a login burst', unit: 'logins' },
          (durationMs) => loginGenerator.run(loginCommand(durationMs), 'logins'),
        ));
      }
      if (want('uploads')) {
        const photo = join(dir, 'photo.jpg');
        await writeFile(photo, await benchPhoto());
        photoBytes = (await stat(photo)).size;
        const uploadCommand = (durationMs: number) =>
          ({
            kind: 'uploads',
            url: api.url,
            tokens: seeded.pairs.map((p) => p.senderToken),
            file: photo,
            concurrency: OPTIONS.uploadConcurrency,
            durationMs,
          }) as const;
        progress(`uploads alone (${OPTIONS.uploadConcurrency} concurrent)…`);
        uploadsAlone = await loginGenerator.run(uploadCommand(ms(OPTIONS.seconds)), 'uploads');
        progress(
          `  ${round(uploadsAlone.ok / uploadsAlone.seconds)} uploads/s, ${round(uploadsAlone.bytes / 1e6 / uploadsAlone.seconds)} MB/s of ${round(photoBytes / 1e6)} MB photos (${uploadsAlone.busy} busy, ${uploadsAlone.failed} failed${uploadsAlone.firstError ? `: ${uploadsAlone.firstError}` : ''})`,
        );
        ({ comparison: uploadsComparison, burst: uploadsBurst } = await besideBurst(
          messaging,
          api.pid,
          { burst: 'an upload burst', unit: 'uploads' },
          (durationMs) => loginGenerator.run(uploadCommand(durationMs), 'uploads'),
        ));
      }
      await closeAll(messaging);

      if (want('rest')) {
        // History pages (limit 50) of a conversation with more than one page of messages.
        floorAnswers[historyPath] = await recordResponse(
          `${api.url}${historyPath}`,
          reads.history.token,
        );
        rest = await benchRead(
          api,
          'REST history fetches (autocannon)',
          historyPath,
          reads.history.token,
        );
      }
      if (want('list')) {
        // The whole conversation list (one page of up to 200) of a user in many conversations.
        for (const path of [listPath, listUsersPath]) {
          floorAnswers[path] = await recordResponse(`${api.url}${path}`, reads.list.token);
        }
        conversationList = await benchRead(
          api,
          `conversation list of a user in ${reads.list.conversations} conversations, members as ids`,
          listPath,
          reads.list.token,
        );
        conversationListUsers = await benchRead(
          api,
          `conversation list of a user in ${reads.list.conversations} conversations, members as users`,
          listUsersPath,
          reads.list.token,
        );
      }
      await stop(api);
    }

    // --- The REST floor: the API's very answers from a bare node:http server -----------
    if (Object.keys(floorAnswers).length > 0) {
      const answersFile = join(dir, 'rest-floor.json');
      await writeFile(answersFile, JSON.stringify(floorAnswers));
      const floor = await startServer({
        name: 'rest-floor',
        script: 'bench/rest-floor.ts',
        env: { FLOOR_RESPONSES: answersFile },
        logFile: join(dir, 'rest-floor.log'),
      });
      servers.push(floor);
      const floorOf = async (path: string, token: string) => {
        const measured = await benchRead(floor, `REST floor: ${path}`, path, token);
        return {
          requestsPerSec: measured.requestsPerSec,
          cpuMicrosPerRequest: measured.cpuMicrosPerRequest,
        };
      };
      if (want('rest')) rest = { ...rest, floor: await floorOf(historyPath, reads.history.token) };
      if (want('list')) {
        conversationList = {
          ...conversationList,
          floor: await floorOf(listPath, reads.list.token),
        };
        conversationListUsers = {
          ...conversationListUsers,
          floor: await floorOf(listUsersPath, reads.list.token),
        };
      }
      await stop(floor);
    }

    // --- The relays, same clients: bare, then durable ----------------------------------
    const runRelay = async (name: string, env: Record<string, string>) => {
      const relay = await startServer({
        name,
        script: 'bench/relay.ts',
        env,
        logFile: join(dir, `${name}.log`),
      });
      servers.push(relay);
      progress(`${name} up at ${relay.url}`);
      await openPairs(messaging, relay.url, seeded.pairs, { relay: true });
      progress(`${name} saturation…`);
      const saturation = await saturate(messaging, relay.pid);
      progress(
        `  ${name} delivered ${saturation.perSecond} msg/s, ${saturation.cpuMicrosPerMessage} µs CPU/msg`,
      );
      progress(`${name} latency at ${OPTIONS.ratePerSecond} msg/s…`);
      const latency = await fixedRate(messaging, relay.pid);
      progress(
        `  ${name} p50 ${latency.p50} ms, p99 ${latency.p99} ms, ${latency.cpuMicrosPerMessage} µs CPU/msg`,
      );
      await closeAll(messaging);
      await stop(relay);
      return { saturation, latency };
    };
    const noRelay = {
      saturation: { perSecond: Number.NaN, errors: 0, cpuMicrosPerMessage: Number.NaN },
      latency: emptyLatency,
    };
    const bare = want('relay') ? await runRelay('relay', {}) : noRelay;
    const relaySaturation = bare.saturation;
    const relayLatency = bare.latency;
    // The same relay, but every message is appended to a file and fdatasync'd (group
    // commit, off the event loop) before it is forwarded: what durability alone costs here.
    const durable = want('durable')
      ? await runRelay('durable-relay', { RELAY_DURABLE_FILE: join(dir, 'durable-relay.log') })
      : noRelay;
    // The relay storing into SQLite with the one index a history needs, and with a search
    // index besides: what a pageable, searchable history costs here before any of our code.
    const indexed = want('indexed')
      ? await runRelay('indexed-relay', { RELAY_SQLITE_FILE: join(dir, 'indexed-relay.db') })
      : noRelay;
    const searchable = want('indexed')
      ? await runRelay('searchable-relay', {
          RELAY_SQLITE_FILE: join(dir, 'searchable-relay.db'),
          RELAY_SQLITE_SEARCH: '1',
        })
      : noRelay;

    // --- Idle authenticated sockets on a fresh instance -------------------------------
    let idle: Results['idle'] = null;
    if (want('idle') && OPTIONS.idleSockets > 0) {
      const fresh = await startApi('api-idle');
      await sleep(1_000);
      const rssBefore = rssKiB(fresh.pid);
      const idleGenerators = Array.from(
        { length: OPTIONS.idleGenerators },
        (_, i) => new LoadGenerator(`idle${i}`),
      );
      generators.push(...idleGenerators);
      progress(`connecting ${OPTIONS.idleSockets} idle sockets (RSS before ${rssBefore} KiB)…`);
      const parts = split(seeded.idleTokens, idleGenerators.length);
      const results = await Promise.all(
        idleGenerators.map((g, i) =>
          g.run(
            {
              kind: 'idle',
              url: fresh.url,
              sockets: (parts[i] ?? []).map((token) => ({ token })),
              concurrency: OPTIONS.idleConcurrency,
              deadlineMs: ms(OPTIONS.idleMaxSeconds),
            },
            'idle',
          ),
        ),
      );
      const connected = results.reduce((sum, r) => sum + r.connected, 0);
      const failed = results.reduce((sum, r) => sum + r.failed, 0);
      const seconds = Math.max(...results.map((r) => r.seconds));
      // Let the handshakes' garbage be collected before reading the resident size.
      await sleep(3_000);
      const rssAfter = rssKiB(fresh.pid);
      idle = {
        target: OPTIONS.idleSockets,
        connected,
        failed,
        firstError: results.find((r) => r.firstError)?.firstError ?? null,
        rssBeforeKiB: rssBefore,
        rssAfterKiB: rssAfter,
        perSocketKiB: connected > 0 ? round((rssAfter - rssBefore) / connected, 2) : Number.NaN,
        handshakesPerSec: Math.round(connected / seconds),
        timedOut: results.some((r) => r.timedOut),
      };
      progress(
        `  ${connected} connected, ${failed} failed, ${idle.handshakesPerSec} handshakes/s, ` +
          `${idle.perSocketKiB} KiB RSS per socket`,
      );
      await closeAll(idleGenerators);
      await Promise.all(idleGenerators.map((g) => g.stop()));
      await stop(fresh);
    }

    // --- Two instances on Redis ---------------------------------------------------------
    let redis: Results['redis'] = { status: 'pending', reason: 'not run' };
    if (want('redis')) {
      const a = await startApi('api-a', { REDIS_URL: OPTIONS.redisUrl });
      const b = await startApi('api-b', { REDIS_URL: OPTIONS.redisUrl });
      progress(`two instances on Redis: ${a.url} → ${b.url}`);
      await openPairs(messaging, a.url, seeded.pairs, { receiverUrl: b.url });
      const probes = await Promise.all(
        messaging.map((g) => g.run({ kind: 'probe', timeoutMs: 3_000 }, 'probe')),
      );
      if (probes.every((p) => p.delivered)) {
        const cross = await fixedRate(messaging, [a.pid, b.pid]);
        redis = {
          status: 'measured',
          crossP50: cross.p50,
          crossP99: cross.p99,
          lost: cross.lost,
          cpuMicrosPerMessage: cross.cpuMicrosPerMessage,
          singleP99: apiLatency.p99,
          ratio: round(cross.p99 / apiLatency.p99, 2),
        };
        progress(
          `  cross-instance p99 ${cross.p99} ms vs single ${apiLatency.p99} ms, ` +
            `${cross.cpuMicrosPerMessage} µs CPU/msg (both instances), ${cross.lost} late`,
        );
      } else {
        redis = {
          status: 'pending',
          reason: 'a message sent on one instance did not reach a socket on the other within 3 s',
        };
        progress(`  pending: ${redis.reason}`);
      }
      await closeAll(messaging);
      await stop(a);
      await stop(b);
    }

    // --- The paths of issue #21: a big group, edits, reactions, push, processes ---------
    const paths: PathsResults = await runPaths({
      options: PATHS_OPTIONS,
      want,
      progress,
      store: database.kind,
      databaseUrl: database.url,
      jwtSecret,
      startApi,
      stop,
      messaging,
      pairs: seeded.pairs,
      adopt: (g) => adopted.push(g),
      saturate,
      fixedRate,
    });

    const resultsDir = resolve(ROOT, 'bench', 'results');
    const reportPaths = {
      json: join(resultsDir, database.kind === 'mongodb' ? 'latest-mongodb.json' : 'latest.json'),
      markdown: resolve(ROOT, 'docs', 'BENCHMARKS.md'),
      store: database.kind,
    };
    if (only.size > 0) {
      if ([...only].every((p) => (PATH_PARTS as readonly string[]).includes(p))) {
        mkdirSync(resultsDir, { recursive: true });
        writePathsReport(paths, reportPaths);
        progress(`partial run (BENCH_ONLY=${[...only].join(',')}): wrote its rows only`);
      } else progress(`partial run (BENCH_ONLY=${[...only].join(',')}): nothing written`);
      return;
    }
    const results: Results = {
      machine: {
        cores: cpus().length,
        cpu: cpus()[0]?.model.trim() ?? 'unknown',
        node: process.version,
        os: `${process.platform} ${(await import('node:os')).release()}`,
        date: new Date().toISOString(),
        loadBefore: loadBefore.map((l) => round(l, 2)),
        loadAfter: loadavg().map((l) => round(l, 2)),
      },
      options: OPTIONS,
      throughput: {
        api: apiSaturation.perSecond,
        relay: relaySaturation.perSecond,
        ratio: round(apiSaturation.perSecond / relaySaturation.perSecond, 2),
        apiErrors: apiSaturation.errors,
        apiCpuMicrosPerMessage: apiSaturation.cpuMicrosPerMessage,
        relayCpuMicrosPerMessage: relaySaturation.cpuMicrosPerMessage,
        cpuRatio: round(relaySaturation.cpuMicrosPerMessage / apiSaturation.cpuMicrosPerMessage, 2),
      },
      latency: {
        api: apiLatency,
        relay: relayLatency,
        ratio: round(apiLatency.p99 / relayLatency.p99, 2),
      },
      durableRelay: {
        perSecond: durable.saturation.perSecond,
        cpuMicrosPerMessage: durable.saturation.cpuMicrosPerMessage,
        latency: durable.latency,
        throughputRatio: round(apiSaturation.perSecond / durable.saturation.perSecond, 2),
        p99Ratio: round(apiLatency.p99 / durable.latency.p99, 2),
      },
      indexedRelays: (
        [
          { name: 'indexed', run: indexed },
          { name: 'searchable', run: searchable },
        ] as const
      ).map(({ name, run }) => ({
        name,
        perSecond: run.saturation.perSecond,
        cpuMicrosPerMessage: run.saturation.cpuMicrosPerMessage,
        latency: run.latency,
        throughputOverDurable: round(run.saturation.perSecond / durable.saturation.perSecond, 2),
        apiThroughputRatio: round(apiSaturation.perSecond / run.saturation.perSecond, 2),
        apiP99Ratio: round(apiLatency.p99 / run.latency.p99, 2),
      })),
      logins: {
        alonePerSec: round(loginsAlone.ok / loginsAlone.seconds),
        aloneFailed: loginsAlone.failed,
        burstPerSec: round(loginsBurst.ok / loginsBurst.seconds),
        ...loginsComparison,
      },
      uploads: {
        photoBytes,
        alonePerSec: round(uploadsAlone.ok / uploadsAlone.seconds, 2),
        aloneMBPerSec: round(uploadsAlone.bytes / 1e6 / uploadsAlone.seconds, 2),
        busy: uploadsAlone.busy,
        failed: uploadsAlone.failed,
        burstPerSec: round(uploadsBurst.ok / uploadsBurst.seconds, 2),
        ...uploadsComparison,
      },
      rest,
      conversationList: { ...conversationList, conversations: reads.list.conversations },
      conversationListUsers: {
        ...conversationListUsers,
        conversations: reads.list.conversations,
      },
      idle,
      redis,
      paths,
      elapsedSeconds: Math.round((Date.now() - started) / 1000),
    };
    mkdirSync(resultsDir, { recursive: true });
    writeReport(results, reportPaths);
    progress(`wrote ${relative(ROOT, reportPaths.json)} and docs/BENCHMARKS.md`);
  } finally {
    await Promise.all([...generators, ...adopted].map((g) => g.stop().catch(() => undefined)));
    await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
    if (process.env.BENCH_KEEP_TMP === '1') progress(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
    await database.drop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
