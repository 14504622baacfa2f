/**
 * How fast the SQLite store acknowledges messages, one at a time versus in concurrent
 * bursts. With synchronous=FULL every commit is an fsync, so sequential appends are bound
 * by the disk; group commit lets concurrent appends share one transaction and one fsync.
 * The messages go round-robin to `conversations` direct conversations (100 pairs, as
 * `npm run bench` drives), and each line gives the process's CPU time per append: what
 * the storage layout costs the event loop.
 *
 *   node --import tsx bench/store-append.ts [messages=2000] [concurrency=100] [conversations=100]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../api/src/store/sqlite';
import { directAppends } from './lib/direct-appends';

const total = Number(process.argv[2] ?? 2000);
const concurrency = Number(process.argv[3] ?? 100);
const conversationCount = Number(process.argv[4] ?? 100);
if (![total, concurrency, conversationCount].every((n) => Number.isInteger(n) && n >= 1)) {
  throw new Error('usage: store-append.ts [messages >= 1] [concurrency >= 1] [conversations >= 1]');
}

const dir = mkdtempSync(join(tmpdir(), 'chat-bench-append-'));
const store = openSqliteStore(join(dir, 'bench.db'));

try {
  const append = await directAppends(
    store,
    conversationCount,
    () => 'The quick brown fox jumps over the lazy dog.',
  );

  const measure = async (label: string, run: () => Promise<void>) => {
    const batchesBefore = store.groupCommits;
    const started = process.hrtime.bigint();
    const cpuBefore = process.cpuUsage();
    await run();
    const cpu = process.cpuUsage(cpuBefore);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const batches = store.groupCommits - batchesBefore;
    console.log(
      `${label.padEnd(34)} ${String(Math.round(total / seconds)).padStart(8)} appends/s` +
        `  ${((cpu.user + cpu.system) / total).toFixed(1).padStart(6)} µs CPU/append` +
        `  (${total} messages, ${batches} transactions, ${(total / batches).toFixed(1)} per fsync)`,
    );
  };

  await measure('sequential (await each)', async () => {
    for (let i = 0; i < total; i++) await append();
  });
  await measure(`concurrent (${concurrency} in flight)`, async () => {
    let next = 0;
    const worker = async () => {
      while (next < total) {
        next++;
        await append();
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  });
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
