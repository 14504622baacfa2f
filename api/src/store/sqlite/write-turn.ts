/**
 * Whose turn it is to write, between the event loop's connection and the search indexer's
 * thread (search-index.ts), through shared memory.
 *
 * Both write the same file, and SQLite lets one connection write at a time; the other's
 * BEGIN IMMEDIATE gets SQLITE_BUSY and better-sqlite3's busy handler sleeps (1, 2, 5 ms…)
 * on the calling thread. On the event loop that would stall every socket, so the loop only
 * begins a transaction once it holds the turn and, when the indexer has it, tries again on
 * the next turn of the loop instead of waiting; the indexer holds it for one short batch and
 * lets the loop go first when it is waiting. (Other processes on the same file still meet
 * SQLite's own lock, as before.)
 *
 * The cells, Int32 each: the turn (0 free, 1 taken), "the loop is waiting" (0 or 1), and a
 * counter of the loop's commits that the indexer waits on. search-index-worker.mjs reads
 * and writes the same cells: keep the two in step.
 */
export const TURN = 0;
export const LOOP_WAITING = 1;
export const COMMITS = 2;
const CELLS = 3;

/** Atomics.waitAsync (Node 16 on), which the compiler's library (ES2022) does not declare. */
const waitAsync = (cells: Int32Array, index: number, value: number): { value: unknown } =>
  (
    Atomics as unknown as {
      waitAsync(cells: Int32Array, index: number, value: number): { value: unknown };
    }
  ).waitAsync(cells, index, value);

export interface WriteTurn {
  /** The memory shared with the indexer's thread. */
  readonly buffer: SharedArrayBuffer;
  /** Takes the turn if it is free; else marks the loop as waiting for it. */
  tryTake(): boolean;
  /** Resolves once the turn has been given back (it may be taken again by then). */
  freed(): Promise<unknown>;
  /** Takes the turn, blocking the thread until it is free (only for a closing store). */
  take(): void;
  give(): void;
  /** Tells the indexer the loop has committed (new messages may be there to index). */
  committed(): void;
}

export function createWriteTurn(): WriteTurn {
  const buffer = new SharedArrayBuffer(CELLS * Int32Array.BYTES_PER_ELEMENT);
  const cells = new Int32Array(buffer);
  const tryTake = (): boolean => {
    if (Atomics.compareExchange(cells, TURN, 0, 1) === 0) {
      Atomics.store(cells, LOOP_WAITING, 0);
      Atomics.notify(cells, LOOP_WAITING);
      return true;
    }
    Atomics.store(cells, LOOP_WAITING, 1);
    return false;
  };
  return {
    buffer,
    tryTake,
    freed: () => Promise.resolve(waitAsync(cells, TURN, 1).value),
    take() {
      while (!tryTake()) Atomics.wait(cells, TURN, 1);
    },
    give() {
      Atomics.store(cells, TURN, 0);
      Atomics.notify(cells, TURN);
    },
    committed() {
      Atomics.add(cells, COMMITS, 1);
      Atomics.notify(cells, COMMITS);
    },
  };
}
