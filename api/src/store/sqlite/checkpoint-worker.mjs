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
 */
import { clearTimeout, setTimeout } from 'node:timers';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** @type {{ path: string, busyTimeoutMs: number, activeMs: number, idleMs: number }} */
const options = workerData;
if (!parentPort) throw new Error('checkpoint-worker.mjs runs as a worker thread only');
const port = parentPort;

const db = new Database(options.path, { timeout: options.busyTimeoutMs });
// A checkpoint syncs the WAL before copying and the database file after, at this level.
db.pragma('synchronous = FULL');

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
  timer = setTimeout(tick, delay);
}

port.on('message', (message) => {
  if (message !== 'close') return;
  clearTimeout(timer);
  db.close();
  port.close();
});

tick();
