// @ts-check
/**
 * The WAL checkpointer's thread (started by checkpointer.ts). Plain JavaScript because a
 * worker thread starts without the TypeScript loader the API runs under, in every place the
 * store is opened (the API, tests, benchmarks, scripts).
 *
 * It owns a second connection to the database file and copies committed WAL frames into it
 * with PASSIVE checkpoints, which never wait for or block the API's writer: the copying
 * and the database file's fsync happen here instead of inside a commit on the event loop.
 * It polls quickly while the WAL is growing and slowly once nothing changes.
 *
 * With `merge` set it also does the search index's merge work (FTS5 automerge is off for
 * the index, see search-merge.ts): short 'merge' steps, each in a transaction of its own,
 * taken only when the event loop neither holds nor wants the write turn (write-turn.ts),
 * so the loop never waits in SQLite's busy handler for this thread, and waits at most one
 * step when it comes to write mid-step.
 */
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/**
 * @typedef {{ table: string, pages: number, turn: SharedArrayBuffer }} MergeOptions
 * @type {{ path: string, busyTimeoutMs: number, activeMs: number, idleMs: number, merge: MergeOptions | null }}
 */
const options = workerData;
if (!parentPort) throw new Error('checkpoint-worker.mjs runs as a worker thread only');
const port = parentPort;

const db = new Database(options.path, { timeout: options.busyTimeoutMs });
// NORMAL: in WAL mode a checkpoint still syncs the WAL before copying and the database
// file after (as under FULL); only this connection's commits, the merge steps, are not
// fsynced on their own, so a step does not hold the write turn through an fsync. The
// writer's next commit (FULL) syncs the WAL with the step's frames in it; a power cut
// before that loses only merge work, and the index is as it was before the step.
db.pragma('synchronous = NORMAL');

/** Slots of the write turn (write-turn.ts). */
const TURN_HOLDER = 0;
const TURN_WANTED = 1;
const TURN_FREE = 0;
const TURN_THREAD = 2;

/**
 * The search index's merging, or null. A step merges about `pages` pages (a positive
 * 'merge': only levels holding `usermerge` segments or a merge already under way; a
 * negative one would merge everything into one segment). It reports whether it did any
 * work: FTS5 writes nothing when there is none, so total_changes() stays put.
 */
const merger = options.merge ? createMerger(options.merge) : null;

/** @param {MergeOptions} merge */
function createMerger(merge) {
  const slots = new Int32Array(merge.turn);
  const table = `"${merge.table.replaceAll('"', '""')}"`;
  // The page count written into the statement, an INTEGER as FTS5 expects (a bound
  // JavaScript number would be a REAL).
  const step = db.prepare(
    `INSERT INTO ${table} (${table}, rank) VALUES ('merge', ${Math.trunc(merge.pages)})`,
  );
  const changes = db.prepare('SELECT total_changes()').pluck();
  const version = db.prepare('PRAGMA data_version').pluck();
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  let seenVersion = -1;
  let steps = 0;
  let busy = 0;
  let longestMs = 0;
  let lastMs = 0;
  let cpuMs = 0;
  return {
    /** Whether another connection wrote since the last step found nothing to merge. */
    due() {
      return version.get() !== seenVersion;
    },
    /** @returns {'merged' | 'idle' | 'busy'} */
    step() {
      if (Atomics.load(slots, TURN_WANTED) !== 0) return 'busy';
      if (Atomics.compareExchange(slots, TURN_HOLDER, TURN_FREE, TURN_THREAD) !== TURN_FREE) {
        return 'busy';
      }
      try {
        // The loop asked for the turn between the look above and taking it: its turn.
        if (Atomics.load(slots, TURN_WANTED) !== 0) return 'busy';
        // Another process writing: no waiting here while holding the turn.
        db.pragma('busy_timeout = 0');
        try {
          begin.run();
        } catch {
          busy++;
          return 'busy';
        }
        const before = Number(changes.get());
        const startedAt = performance.now();
        const startedCpu = process.threadCpuUsage();
        try {
          step.run();
          commit.run();
        } catch (error) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw error;
        }
        const spent = process.threadCpuUsage(startedCpu);
        cpuMs += (spent.user + spent.system) / 1000;
        lastMs = performance.now() - startedAt;
        longestMs = Math.max(longestMs, lastMs);
        const merged = Number(changes.get()) !== before;
        if (merged) steps++;
        else seenVersion = Number(version.get());
        return merged ? 'merged' : 'idle';
      } finally {
        db.pragma(`busy_timeout = ${options.busyTimeoutMs}`);
        Atomics.store(slots, TURN_HOLDER, TURN_FREE);
        Atomics.notify(slots, TURN_HOLDER);
      }
    },
    get steps() {
      return steps;
    },
    get busy() {
      return busy;
    },
    /** The longest step's wall time (the turn held; the thread may be preempted in it). */
    /** The last step's wall time (ms). */
    get lastMs() {
      return lastMs;
    },
    get longestMs() {
      return longestMs;
    },
    /** The steps' CPU time in all. */
    get cpuMs() {
      return cpuMs;
    },
  };
}

/** @type {NodeJS.Timeout | NodeJS.Immediate | undefined} */
let mergeTimer;
let closing = false;

/** Runs merge steps while there is work, yielding the turn between them. */
function mergeTick() {
  mergeTimer = undefined;
  if (!merger || closing) return;
  let outcome;
  try {
    outcome = merger.step();
  } catch (error) {
    port.postMessage({
      type: 'error',
      message: error instanceof Error ? error.message : String(error),
    });
    return;
  }
  if (outcome === 'merged') {
    port.postMessage({
      type: 'merge',
      steps: merger.steps,
      busy: merger.busy,
      longestMs: merger.longestMs,
      cpuMs: merger.cpuMs,
    });
    // Between steps the loop may take the turn: the thread holds it at most a fifth of the
    // time, so a commit seldom finds a step under way.
    mergeTimer = setTimeout(mergeTick, Math.max(2, 4 * merger.lastMs));
  } else if (outcome === 'busy') {
    mergeTimer = setTimeout(mergeTick, 1);
  }
}

/** Starts merging if another connection wrote since the index was last found merged. */
function mergeSoon() {
  if (!merger || closing || mergeTimer) return;
  try {
    if (!merger.due()) return;
  } catch {
    return;
  }
  mergeTimer = setTimeout(mergeTick, 0);
}

/** @type {NodeJS.Timeout | undefined} */
let timer;
let lastLog = -1;

function tick() {
  let delay = options.idleMs;
  try {
    const [result] = /** @type {{ busy: number, log: number, checkpointed: number }[]} */ (
      db.pragma('wal_checkpoint(PASSIVE)')
    );
    if (result && (result.log !== lastLog || result.checkpointed < result.log)) {
      // Frames still arriving, or not all copied yet: look again soon.
      delay = options.activeMs;
      lastLog = result.log;
      port.postMessage({ type: 'checkpoint', ...result });
    }
  } catch (error) {
    // Reported, not fatal: the writer's own (rarer) checkpoints keep the WAL bounded.
    port.postMessage({
      type: 'error',
      message: error instanceof Error ? error.message : String(error),
    });
    delay = options.idleMs;
  }
  mergeSoon();
  timer = setTimeout(tick, delay);
}

port.on('message', (message) => {
  if (message !== 'close') return;
  // Messages arrive between steps (each step is synchronous): none is under way here.
  closing = true;
  clearTimeout(timer);
  clearTimeout(/** @type {NodeJS.Timeout | undefined} */ (mergeTimer));
  db.close();
  port.close();
});

tick();
