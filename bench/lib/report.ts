import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { PathsResults } from '../paths';
import { PATHS_END, PATHS_START, pathsBlock, pathsInDocument } from './paths-report';
import { round, type BurstComparison } from './stats';

export interface LatencyStats {
  cpuMicrosPerMessage: number;
  /** The server's main (event loop) thread alone; worker threads are in cpuMicrosPerMessage. */
  mainThreadMicrosPerMessage: number;
  p50: number;
  p99: number;
  max: number;
  samples: number;
  lost: number;
  errors: number;
}

/** One REST read as the API served it, and the REST floor (bench/rest-floor.ts) its bytes. */
export interface RestRead {
  requestsPerSec: number;
  p99: number;
  errors: number;
  non2xx: number;
  cpuMicrosPerRequest: number;
  /** The same answer replayed by a bare node:http server; absent from older results. */
  floor?: { requestsPerSec: number; cpuMicrosPerRequest: number };
}

export interface Results {
  machine: {
    cores: number;
    cpu: string;
    node: string;
    os: string;
    date: string;
    loadBefore: number[];
    loadAfter: number[];
  };
  options: Record<string, number | string>;
  throughput: {
    api: number;
    relay: number;
    ratio: number;
    apiErrors: number;
    /** Server CPU time per delivered message: steady even when the machine is shared. */
    apiCpuMicrosPerMessage: number;
    relayCpuMicrosPerMessage: number;
    /** relay CPU / API CPU: the throughput ratio if both were bound by one core. */
    cpuRatio: number;
  };
  latency: { api: LatencyStats; relay: LatencyStats; ratio: number };
  /** The relay again, appending each message to a file and fdatasync-ing before forwarding. */
  durableRelay: {
    perSecond: number;
    cpuMicrosPerMessage: number;
    latency: LatencyStats;
    /** API msg/s over the durable relay's. */
    throughputRatio: number;
    /** API p99 over the durable relay's. */
    p99Ratio: number;
  };
  /**
   * The relay storing each message into SQLite before forwarding it: with the (conversation,
   * seq) index alone, and with an FTS5 index of the body as well (bench/relay.ts).
   */
  indexedRelays?: {
    name: 'indexed' | 'searchable';
    perSecond: number;
    cpuMicrosPerMessage: number;
    latency: LatencyStats;
    /** Its msg/s over the durable relay's: what the index costs beyond durability. */
    throughputOverDurable: number;
    apiThroughputRatio: number;
    apiP99Ratio: number;
  }[];
  /** Logins alone, then beside the fixed message rate in alternated windows. */
  logins: {
    alonePerSec: number;
    aloneFailed: number;
    burstPerSec: number;
  } & BurstComparison;
  /** Photos uploaded (compressed, with a thumbnail) alone, then beside the fixed message rate. */
  uploads: {
    photoBytes: number;
    alonePerSec: number;
    aloneMBPerSec: number;
    busy: number;
    failed: number;
    burstPerSec: number;
  } & BurstComparison;
  rest: RestRead;
  /**
   * `GET /api/conversations?limit=200&members=ids` by a user in `conversations`
   * conversations: what our client asks for. (Before 2026-12-06 20:00 UTC this was the
   * default answer, now `conversationListUsers`.)
   */
  conversationList?: RestRead & { conversations: number };
  /** The same list as the contract's default answer (members as user objects). */
  conversationListUsers?: RestRead & { conversations: number };
  idle: {
    target: number;
    connected: number;
    failed: number;
    firstError: string | null;
    rssBeforeKiB: number;
    rssAfterKiB: number;
    perSocketKiB: number;
    handshakesPerSec: number;
    timedOut: boolean;
  } | null;
  redis:
    | {
        status: 'measured';
        crossP50: number;
        crossP99: number;
        /** Not received within 2 s after sending stopped (a backlog, not necessarily lost). */
        lost: number;
        cpuMicrosPerMessage: number;
        singleP99: number;
        ratio: number;
      }
    | { status: 'pending'; reason: string };
  /** The paths of issue #21: a big group, edits, reactions, push, several processes. */
  paths?: PathsResults;
  elapsedSeconds: number;
}

export const RESULTS_START = '<!-- bench:results:start -->';
export const RESULTS_END = '<!-- bench:results:end -->';

const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');

/** The pooled ratio, then how far the single pairs of windows strayed around it. */
function burstRatio(c: BurstComparison): string {
  const { median, min, max } = c.pairRatios;
  return `${c.ratio} × (pairs: median ${median} ×, ${min}–${max} ×)`;
}

/** A REST read's row: the API in the API column, the floor's figures beside it. */
function restRow(measure: string, read: RestRead, target: string): string[] {
  const { floor } = read;
  const relative = [
    floor
      ? `${round(read.cpuMicrosPerRequest / floor.cpuMicrosPerRequest, 1)} × the floor's CPU (bare node:http, same bytes: ${floor.requestsPerSec}/s, ${floor.cpuMicrosPerRequest} µs CPU each)`
      : '',
    read.non2xx + read.errors > 0 ? `${read.non2xx} non-2xx, ${read.errors} errors` : '',
  ];
  return [
    measure,
    `${read.requestsPerSec} (p99 ${read.p99} ms, ${read.cpuMicrosPerRequest} µs CPU each)`,
    '',
    relative.filter((part) => part !== '').join('; '),
    target,
  ];
}

function table(results: Results): string {
  const { machine: m, throughput: t, latency: l, logins, uploads, rest, idle, redis } = results;
  const { options: o } = results;
  const d = results.durableRelay;
  const rows: string[][] = [
    [
      `Delivered msg/s at saturation (${o.pairs} pairs × ${o.window} in flight)`,
      `${t.api}`,
      `${t.relay}`,
      `${t.ratio} × relay`,
      `≥ 0.6 × relay: ${verdict(t.ratio >= 0.6)}`,
    ],
    [
      'Server CPU per delivered message at saturation (µs)',
      `${t.apiCpuMicrosPerMessage}`,
      `${t.relayCpuMicrosPerMessage}`,
      `${t.cpuRatio} × relay's efficiency`,
      '',
    ],
    [
      `Send→receive p50 / p99 at ${o.ratePerSecond} msg/s (ms)`,
      `${l.api.p50} / ${l.api.p99}`,
      `${l.relay.p50} / ${l.relay.p99}`,
      `p99 ${l.ratio} × relay`,
      `≤ 2 × relay: ${verdict(l.ratio <= 2)}`,
    ],
    [
      'Durable relay (the relay + file append and fdatasync before forwarding): msg/s at saturation',
      `${t.api}`,
      `${d.perSecond}`,
      `${d.throughputRatio} × durable relay`,
      `≥ 0.8 × durable relay: ${verdict(d.throughputRatio >= 0.8)}`,
    ],
    [
      `Durable relay: send→receive p50 / p99 at ${o.ratePerSecond} msg/s (ms)`,
      `${l.api.p50} / ${l.api.p99}`,
      `${d.latency.p50} / ${d.latency.p99}`,
      `p99 ${d.p99Ratio} × durable relay`,
      `≤ 1.3 × durable relay: ${verdict(d.p99Ratio <= 1.3)}`,
    ],
  ];
  for (const r of results.indexedRelays ?? []) {
    const what =
      r.name === 'indexed'
        ? 'Indexed relay (the relay + a SQLite row indexed by conversation and seq, one transaction per turn, synchronous=FULL)'
        : 'Searchable relay (the indexed relay + an FTS5 index of the body)';
    rows.push(
      [
        `${what}: msg/s at saturation; µs CPU per message`,
        `${t.api}; ${t.apiCpuMicrosPerMessage}`,
        `${r.perSecond}; ${r.cpuMicrosPerMessage}`,
        `${r.apiThroughputRatio} × ${r.name} relay (it: ${r.throughputOverDurable} × durable relay)`,
        'context: the least a pageable' +
          (r.name === 'searchable' ? ', searchable' : '') +
          ' history costs here',
      ],
      [
        `${r.name === 'indexed' ? 'Indexed' : 'Searchable'} relay: send→receive p50 / p99 at ${o.ratePerSecond} msg/s (ms)`,
        `${l.api.p50} / ${l.api.p99}`,
        `${r.latency.p50} / ${r.latency.p99}`,
        `p99 ${r.apiP99Ratio} × ${r.name} relay`,
        'context',
      ],
    );
  }
  if (idle) {
    rows.push(
      [
        `Idle authenticated sockets on one instance`,
        `${idle.connected} of ${idle.target}` +
          (idle.timedOut ? ` (stopped at BENCH_IDLE_MAX_SECONDS)` : '') +
          (idle.failed ? ` (${idle.failed} failed: ${idle.firstError ?? ''})` : ''),
        '',
        `RSS ${Math.round(idle.rssBeforeKiB / 1024)} → ${Math.round(idle.rssAfterKiB / 1024)} MiB`,
        idle.target < 20_000
          ? `20,000 (the open files limit allows ${idle.target}): ${verdict(idle.connected >= idle.target)} for ${idle.target}`
          : `20,000: ${verdict(idle.connected >= 20_000)}`,
      ],
      [
        'RSS per idle socket (KiB)',
        `${idle.perSocketKiB}`,
        '',
        '',
        `≤ 50 KiB: ${verdict(idle.perSocketKiB <= 50)}`,
      ],
      ['Authenticated handshakes/s', `${idle.handshakesPerSec}`, '', '', ''],
    );
  }
  rows.push(
    [
      'Logins/s at the production argon2 cost (alone / during messaging)',
      `${logins.alonePerSec} / ${logins.burstPerSec}`,
      '',
      '',
      `≥ 60: ${verdict(logins.alonePerSec >= 60)}`,
    ],
    [
      `Message p99 without / during a login burst (ms; ${o.burstPairs} × ${o.burstSeconds} s of each, alternated, pooled)`,
      `${logins.p99Without} / ${logins.p99During}`,
      '',
      burstRatio(logins),
      `≤ 2 ×: ${verdict(logins.ratio <= 2)}`,
    ],
    [
      `Uploads/s of a ${round(uploads.photoBytes / 1e6)} MB photo, compressed with a thumbnail (alone / during messaging)`,
      `${uploads.alonePerSec} / ${uploads.burstPerSec} (${uploads.aloneMBPerSec} MB/s alone)`,
      '',
      uploads.busy + uploads.failed > 0 ? `${uploads.busy} busy, ${uploads.failed} failed` : '',
      '',
    ],
    [
      `Message p99 without / during an upload burst (ms; ${o.burstPairs} × ${o.burstSeconds} s of each, alternated, pooled)`,
      `${uploads.p99Without} / ${uploads.p99During}`,
      '',
      burstRatio(uploads),
      `≤ 2 ×: ${verdict(uploads.ratio <= 2)}`,
    ],
    restRow(
      `REST history fetches/s (limit=50, ${o.restConnections} connections)`,
      rest,
      `≤ 250 µs CPU each: ${verdict(rest.cpuMicrosPerRequest <= 250)}`,
    ),
  );
  const lists = [
    { read: results.conversationList, query: 'limit=200&members=ids, as our client asks' },
    { read: results.conversationListUsers, query: 'limit=200, members as users' },
  ];
  for (const { read, query } of lists) {
    if (!read) continue;
    rows.push(
      restRow(
        `Conversation list of a user in ${read.conversations} conversations/s (${query}, ${o.restConnections} connections)`,
        read,
        `≤ 2 ms CPU each: ${verdict(read.cpuMicrosPerRequest <= 2000)}`,
      ),
    );
  }
  if (redis.status === 'measured') {
    rows.push([
      `Cross-instance p99 on Redis at ${o.ratePerSecond} msg/s vs single instance (ms)`,
      `${redis.crossP99} vs ${redis.singleP99}`,
      '',
      `${redis.ratio} ×; ${redis.cpuMicrosPerMessage} µs CPU/msg over both` +
        (redis.lost > 0 ? `; ${redis.lost} still queued 2 s after sending stopped` : ''),
      `≤ 2 ×: ${verdict(redis.ratio <= 2)}`,
    ]);
  } else {
    rows.push(['Two instances on Redis', `pending: ${redis.reason}`, '', '', '']);
  }
  const lines = [
    `Run ${m.date} on ${m.cores} cores (${m.cpu}), Node ${m.node}, ${m.os}; load average ` +
      `${m.loadBefore.join(' ')} before and ${m.loadAfter.join(' ')} after ` +
      `(other work shared the machine); ${results.elapsedSeconds} s in all.`,
    '',
    '| Measure | API | Relay | Relative | Target |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    PATHS_START,
    pathsBlock(results.paths),
    PATHS_END,
  ];
  return lines.join('\n');
}

const SKELETON = `# Benchmarks

\`npm run bench\` measures the API against a bare Socket.IO relay on the same machine.

## Latest results

${RESULTS_START}
${RESULTS_END}
`;

const MONGODB_START = '<!-- bench:mongodb:start -->';
const MONGODB_END = '<!-- bench:mongodb:end -->';

interface ReportPaths {
  json: string;
  markdown: string;
  /** MongoDB runs have a results section of their own, so SQLite's stays. */
  store?: 'sqlite' | 'mongodb';
}

function section(store: ReportPaths['store']) {
  return store === 'mongodb'
    ? { start: MONGODB_START, end: MONGODB_END, title: 'Latest results on MongoDB' }
    : { start: RESULTS_START, end: RESULTS_END, title: 'Latest results' };
}

/** Replaces what lies between `start` and `end` (added at the end when missing). */
function replaceBetween(doc: string, start: string, end: string, title: string, body: string) {
  if (!doc.includes(start) || !doc.includes(end)) {
    doc = `${doc.trimEnd()}\n\n## ${title}\n\n${start}\n${end}\n`;
  }
  const before = doc.slice(0, doc.indexOf(start) + start.length);
  const after = doc.slice(doc.indexOf(end));
  return `${before}\n${body}\n${after}`;
}

/** Writes the JSON and replaces only the results section of the markdown file. */
export function writeReport(results: Results, paths: ReportPaths): void {
  writeFileSync(paths.json, `${JSON.stringify(results, null, 2)}\n`);
  const doc = existsSync(paths.markdown) ? readFileSync(paths.markdown, 'utf8') : SKELETON;
  const { start, end, title } = section(paths.store);
  writeFileSync(paths.markdown, replaceBetween(doc, start, end, title, table(results)));
}

/**
 * A run of paths parts alone (BENCH_ONLY=group,…): their results replace the same parts
 * in the JSON and in the paths rows of the results section; everything else stays.
 */
export function writePathsReport(paths: PathsResults, files: ReportPaths): void {
  let previous: Partial<Results> = {};
  try {
    previous = JSON.parse(readFileSync(files.json, 'utf8')) as Partial<Results>;
  } catch {
    // No earlier run (or an unreadable one): these parts alone.
  }
  let doc = existsSync(files.markdown) ? readFileSync(files.markdown, 'utf8') : SKELETON;
  const merged: PathsResults = { ...pathsInDocument(doc), ...previous.paths, ...paths };
  writeFileSync(files.json, `${JSON.stringify({ ...previous, paths: merged }, null, 2)}\n`);
  const { start, end, title } = section(files.store);
  if (!doc.includes(start) || !doc.includes(end)) {
    doc = replaceBetween(doc, start, end, title, '');
  }
  if (!doc.includes(PATHS_START)) {
    // An older results section: the paths rows go at its end.
    const at = doc.indexOf(end);
    doc = `${doc.slice(0, at)}\n${PATHS_START}\n${PATHS_END}\n${doc.slice(at)}`;
  }
  writeFileSync(
    files.markdown,
    replaceBetween(doc, PATHS_START, PATHS_END, '', pathsBlock(merged)),
  );
}
