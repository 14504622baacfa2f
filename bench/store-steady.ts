/**
 * The SQLite store's event-loop stalls at a steady 1,000 appends/s after a saturating burst,
 * in-process (no sockets): the part of the API's message p99 that the store sets. The bench
 * runs its parts one after another on one file, so the paced phase of the API part follows a
 * saturation phase; what the burst left behind (large search-index segments, a long WAL)
 * shows up in the paced phase's commits.
 *
 * Phase 1 appends `burst` messages with `inflight` unacknowledged (groups of about that
 * many per commit); phase 2 appends at `rate`/s for `seconds` and reports the longest gap
 * between the pacing timer's turns (a stall: nothing else on the loop ran meanwhile), the
 * gaps of 5 ms or more, the p50/p99/max of the acknowledgements and the process's CPU per
 * append in each phase. BENCH_LOCKSTEP=1 runs phase 2 by the store's clock instead, one
 * append at a time, and reports the event loop's CPU per append (see `lockstep`): the
 * figures to compare on a busy host.
 *
 *   node --import tsx bench/store-steady.ts [burst=80000] [seconds=20] [rate=1000] [inflight=1000]
 *
 * STORE_ROOT=<checkout> runs another checkout's store (an A/B against the same harness).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import type { openSqliteStore as OpenSqliteStore } from '../api/src/store/sqlite';
import { directAppends } from './lib/direct-appends';

const burst = Number(process.argv[2] ?? 80_000);
const seconds = Number(process.argv[3] ?? 20);
const rate = Number(process.argv[4] ?? 1_000);
const inflight = Number(process.argv[5] ?? 1_000);
const conversationCount = 100;
if (![burst + 1, seconds, rate, inflight].every((n) => Number.isInteger(n) && n >= 1)) {
  throw new Error('usage: store-steady.ts [burst >= 0] [seconds >= 1] [rate >= 1] [inflight >= 1]');
}

const root = resolve(process.env.STORE_ROOT ?? join(import.meta.dirname, '..'));
const { openSqliteStore } = (await import(
  pathToFileURL(join(root, 'api/src/store/sqlite/index.ts')).href
)) as { openSqliteStore: typeof OpenSqliteStore };

const dir = mkdtempSync(join(tmpdir(), 'chat-bench-steady-'));
const dbPath = join(dir, 'bench.db');
const store = openSqliteStore(dbPath);

/**
 * Segments in the search index now (each a b-tree that queries probe and merges rewrite):
 * in the messages' file, or (since migration 14) in the search file beside it.
 */
function searchSegments(): number {
  const count = 'SELECT count(DISTINCT segid) FROM messages_fts_idx';
  const inMain = store.database
    .prepare("SELECT 1 FROM sqlite_schema WHERE name = 'messages_fts_idx'")
    .get();
  if (inMain) return store.database.prepare<[], number>(count).pluck().get() as number;
  const search = new Database(`${dbPath}.search`, { readonly: true });
  try {
    return search.prepare<[], number>(count).pluck().get() as number;
  } finally {
    search.close();
  }
}

/** p-th percentile (0–100) of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

try {
  const append = await directAppends(
    store,
    conversationCount,
    (n) => `The quick brown fox ${n} jumps over the lazy dog.`,
  );

  // Phase 1: saturation.
  let cpu = process.cpuUsage();
  let started = performance.now();
  let sent = 0;
  await Promise.all(
    Array.from({ length: Math.min(inflight, burst) }, async () => {
      while (sent < burst) {
        sent++;
        await append();
      }
    }),
  );
  const burstCpu = process.cpuUsage(cpu);
  const burstSeconds = (performance.now() - started) / 1000;
  console.log(
    `burst   ${burst} appends, ${Math.round(burst / burstSeconds)}/s, ` +
      `${((burstCpu.user + burstCpu.system) / Math.max(1, burst)).toFixed(1)} µs CPU/append, ` +
      `${searchSegments()} search segments`,
  );

  const total = seconds * rate;
  if (process.env.BENCH_LOCKSTEP === '1') {
    await lockstep(total);
  } else {
    await paced(total);
  }

  /**
   * Phase 2 without the host's timing: one append at a time (a commit each, as at 1,000/s
   * on a quiet host), the wall clock the store reads (Date.now) moved on by 1/rate s per
   * append, and the event loop's CPU time for each append (its commit included) recorded.
   * CPU time per thread hardly moves with other processes' load, so this compares two
   * builds on a busy host where the paced phase's wall-clock figures cannot.
   */
  async function lockstep(count: number): Promise<void> {
    const realNow = Date.now;
    let clock = realNow();
    Date.now = () => Math.floor(clock);
    const spent: number[] = [];
    try {
      for (let i = 0; i < count; i++) {
        clock += 1000 / rate;
        const before = process.threadCpuUsage();
        await append();
        const used = process.threadCpuUsage(before);
        spent.push((used.user + used.system) / 1000);
      }
    } finally {
      Date.now = realNow;
    }
    const sum = spent.reduce((a, b) => a + b, 0);
    spent.sort((a, b) => a - b);
    const over = (ms: number) => spent.filter((x) => x >= ms).length;
    console.log(
      `lockstep ${count} appends one at a time, ${rate}/s by the store's clock: event-loop CPU ` +
        `per append p50 ${percentile(spent, 50).toFixed(2)} / p99 ${percentile(spent, 99).toFixed(2)} / ` +
        `p99.9 ${percentile(spent, 99.9).toFixed(2)} / max ${(spent.at(-1) ?? 0).toFixed(1)} ms, ` +
        `${over(2)} >= 2 ms, ${over(5)} >= 5 ms, mean ${((sum / count) * 1000).toFixed(0)} µs; ` +
        `${searchSegments()} search segments`,
    );
  }

  /** Phase 2: paced, on a 1 ms timer that sends whatever is due. */
  async function paced(total: number): Promise<void> {
    const acks: number[] = [];
    const gaps: number[] = [];
    let due = 0;
    cpu = process.cpuUsage();
    started = performance.now();
    let last = started;
    const busy: number[] = [];
    let lastCpu = process.threadCpuUsage();
    await new Promise<void>((done, fail) => {
      let outstanding = 0;
      const tick = () => {
        const now = performance.now();
        gaps.push(now - last);
        last = now;
        const spent = process.threadCpuUsage(lastCpu);
        busy.push((spent.user + spent.system) / 1000);
        lastCpu = process.threadCpuUsage();
        const target = Math.min(total, Math.floor(((now - started) / 1000) * rate));
        for (; due < target; due++) {
          const at = performance.now();
          outstanding++;
          append().then(() => {
            acks.push(performance.now() - at);
            if (--outstanding === 0 && due >= total) done();
          }, fail);
        }
        if (due < total) setTimeout(tick, 1);
      };
      setTimeout(tick, 1);
    });
    const pacedCpu = process.cpuUsage(cpu);
    acks.sort((a, b) => a - b);
    const stalls = gaps.filter((gap) => gap >= 5);
    const cpuStalls = busy.filter((ms) => ms >= 5);
    console.log(
      `paced   ${total} appends at ${rate}/s: longest stall ${Math.max(...gaps).toFixed(1)} ms, ` +
        `${stalls.length} stalls >= 5 ms; longest on-loop CPU between turns ` +
        `${Math.max(...busy).toFixed(1)} ms, ${cpuStalls.length} >= 5 ms; ack p50 ${percentile(acks, 50).toFixed(2)} / ` +
        `p99 ${percentile(acks, 99).toFixed(2)} / max ${(acks.at(-1) ?? 0).toFixed(1)} ms, ` +
        `${((pacedCpu.user + pacedCpu.system) / total).toFixed(1)} µs CPU/append, ` +
        `${store.groupCommits} commits in all, ${searchSegments()} search segments`,
    );
  }
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
