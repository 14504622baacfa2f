// @ts-check
/**
 * The search indexer's thread (started by search-index.ts). Plain JavaScript because a
 * worker thread starts without the TypeScript loader the API runs under, in every place the
 * store is opened (the API, tests, benchmarks, scripts); its statements come from
 * search-index.ts.
 *
 * It owns a second connection to the database file and indexes the tail (messages committed
 * since the last batch), a short batch per transaction, whenever the event loop says it has
 * committed, and now and then anyway (another process may have written). Each transaction
 * holds the write turn shared with the loop (write-turn.ts: the same cells, kept in step by
 * hand); when the loop is waiting for it, the loop goes first.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/**
 * @type {{ path: string, busyTimeoutMs: number, turn: SharedArrayBuffer, batch: number,
 *   sql: { tail: string, fill: string, move: string } }}
 */
const options = workerData;
if (!parentPort) throw new Error('search-index-worker.mjs runs as a worker thread only');
const port = parentPort;

/** The cells of write-turn.ts. */
const TURN = 0;
const LOOP_WAITING = 1;
const COMMITS = 2;
const cells = new Int32Array(options.turn);
/** How long to wait for a commit before looking for other processes' messages. */
const IDLE_MS = 250;
/** The longest the loop may be let go first before this takes its turn anyway. */
const YIELD_MS = 20;

const db = new Database(options.path, { timeout: options.busyTimeoutMs });
// The index is derived from the messages, and its mark moves in the same transaction: a
// batch lost in a power cut is only indexed again. The loop's next commit (synchronous=FULL)
// syncs the WAL with this batch in it anyway.
db.pragma('synchronous = NORMAL');
const tail = db.prepare(options.sql.tail);
const fill = db.prepare(options.sql.fill);
const move = db.prepare(options.sql.move);
const batch = db.transaction(() => {
  const bounds = /** @type {{ start: number, next: number } | undefined} */ (tail.get());
  if (!bounds || bounds.next <= bounds.start) return 0;
  const end = Math.min(bounds.next, bounds.start + options.batch);
  fill.run(bounds.start, end);
  move.run(end);
  return end - bounds.start;
});

function takeTurn() {
  // The loop first: it never waits for this thread longer than one batch.
  if (Atomics.load(cells, LOOP_WAITING) === 1) Atomics.wait(cells, LOOP_WAITING, 1, YIELD_MS);
  while (Atomics.compareExchange(cells, TURN, 0, 1) !== 0) Atomics.wait(cells, TURN, 1);
}

function giveTurn() {
  Atomics.store(cells, TURN, 0);
  Atomics.notify(cells, TURN);
}

/** Indexes batches until the tail is empty. */
function drain() {
  let count = 0;
  for (;;) {
    takeTurn();
    let indexed;
    try {
      indexed = batch.immediate();
    } finally {
      giveTurn();
    }
    count += indexed;
    if (indexed < options.batch) break;
  }
  if (count > 0) port.postMessage({ type: 'indexed', count });
}

let closing = false;
port.on('message', (message) => {
  if (message !== 'close') return;
  closing = true;
  // Wakes the wait below.
  Atomics.notify(cells, COMMITS);
});

while (!closing) {
  const seen = Atomics.load(cells, COMMITS);
  try {
    drain();
  } catch (error) {
    // Reported, not fatal (say, another process held the lock past the busy timeout): the
    // tail waits for the next pass, and a search indexes what it needs itself.
    port.postMessage({
      type: 'error',
      message: error instanceof Error ? error.message : String(error),
    });
  }
  await Atomics.waitAsync(cells, COMMITS, seen, IDLE_MS).value;
}
db.close();
port.close();
