/**
 * The write lock handed between the event loop and the merge thread (checkpoint-worker.mjs)
 * without SQLite's busy handler.
 *
 * Both hold connections to one file and SQLite lets one of them write at a time; the other
 * would sleep in the busy handler in steps of 1, 2, 5, 10… ms, on the event loop the whole
 * API's stall. So they first take a turn kept in shared memory: the thread only starts a
 * short merge step when the loop neither holds nor wants the turn, and the loop, finding
 * the thread mid-step, waits for that step alone (a millisecond or so of CPU) and is woken
 * the moment it ends: the group commit without blocking (Atomics.waitAsync; the loop serves
 * sockets meanwhile and commits when the step ends), any other write with Atomics.wait. Other processes on the file still meet the busy handler
 * as before; this only keeps the loop from waiting on its own process's thread.
 */

/** Int32 slots of the shared buffer. */
export const TURN_HOLDER = 0;
export const TURN_WANTED = 1;
/** Values of TURN_HOLDER. */
export const TURN_FREE = 0;
export const TURN_LOOP = 1;
export const TURN_THREAD = 2;

/**
 * The longest the loop waits for the thread's step before it writes anyway (then SQLite's
 * busy handler decides, as without a turn). A step takes a few milliseconds at most; this
 * is for a thread that hangs or died holding the turn.
 */
const MAX_WAIT_MS = 100;

/** Atomics.waitAsync (Node 16 on), which the ES library this project compiles against lacks. */
const atomics = Atomics as unknown as {
  waitAsync: (
    array: Int32Array,
    index: number,
    value: number,
    timeout: number,
  ) => { async: false; value: string } | { async: true; value: Promise<string> };
};

export interface WriteTurnStats {
  /** Times the loop found the thread mid-step and waited for it. */
  readonly waits: number;
  /** Their total and longest wait, in ms. */
  readonly waitedMs: number;
  readonly longestWaitMs: number;
  /** Times the loop gave up waiting (MAX_WAIT_MS) and wrote without the turn. */
  readonly timeouts: number;
  /** Group commits put off until the thread's step ended (the loop not blocked), and for how long (ms). */
  readonly deferrals: number;
  readonly deferredMs: number;
  readonly longestDeferralMs: number;
}

export interface WriteTurn {
  /** Shared with the thread (workerData). */
  readonly buffer: SharedArrayBuffer;
  /** Runs `work` (synchronous database work) holding the turn; reentrant. */
  readonly hold: <T>(work: () => T) => T;
  /**
   * Runs `work` holding the turn: now if it is free (its result returned as is), else once
   * the thread's step ends (a promise; the loop free meanwhile, the thread kept from
   * starting another step). After MAX_WAIT_MS it runs anyway, as `hold` does.
   */
  readonly later: <T>(work: () => T) => T | Promise<T>;
  readonly stats: WriteTurnStats;
}

export function createWriteTurn(): WriteTurn {
  const buffer = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  const slots = new Int32Array(buffer);
  const stats = {
    waits: 0,
    waitedMs: 0,
    longestWaitMs: 0,
    timeouts: 0,
    deferrals: 0,
    deferredMs: 0,
    longestDeferralMs: 0,
  };
  let depth = 0;

  const take = (): boolean =>
    Atomics.compareExchange(slots, TURN_HOLDER, TURN_FREE, TURN_LOOP) === TURN_FREE;

  /** Waits for the thread's step to end; false if it did not within MAX_WAIT_MS. */
  const waitForThread = (): boolean => {
    const started = performance.now();
    Atomics.store(slots, TURN_WANTED, 1);
    let mine = take();
    while (!mine) {
      const left = MAX_WAIT_MS - (performance.now() - started);
      if (left <= 0) break;
      Atomics.wait(slots, TURN_HOLDER, TURN_THREAD, left);
      mine = take();
    }
    Atomics.store(slots, TURN_WANTED, 0);
    const waited = performance.now() - started;
    stats.waits++;
    stats.waitedMs += waited;
    stats.longestWaitMs = Math.max(stats.longestWaitMs, waited);
    if (!mine) stats.timeouts++;
    return mine;
  };

  /** Runs `work` with the turn taken (or given up on: `mine` false), then gives it back. */
  const holding = <T>(mine: boolean, work: () => T): T => {
    // Whoever asked the thread to hold off has the turn now.
    Atomics.store(slots, TURN_WANTED, 0);
    depth++;
    try {
      return work();
    } finally {
      depth--;
      if (mine) {
        Atomics.store(slots, TURN_HOLDER, TURN_FREE);
        Atomics.notify(slots, TURN_HOLDER);
      }
    }
  };

  const nested = <T>(work: () => T): T => {
    depth++;
    try {
      return work();
    } finally {
      depth--;
    }
  };

  return {
    buffer,
    stats,
    hold: <T>(work: () => T): T => {
      if (depth > 0) return nested(work);
      return holding(take() || waitForThread(), work);
    },
    later: <T>(work: () => T): T | Promise<T> => {
      if (depth > 0) return nested(work);
      if (take()) return holding(true, work);
      // Kept set until the turn is taken, so the thread does not start another step.
      Atomics.store(slots, TURN_WANTED, 1);
      const started = performance.now();
      return new Promise<T>((resolve, reject) => {
        const attempt = (): void => {
          const waited = performance.now() - started;
          const mine = take();
          if (mine || waited >= MAX_WAIT_MS) {
            stats.deferrals++;
            stats.deferredMs += waited;
            stats.longestDeferralMs = Math.max(stats.longestDeferralMs, waited);
            if (!mine) stats.timeouts++;
            try {
              resolve(holding(mine, work));
            } catch (error) {
              reject(error instanceof Error ? error : new Error(String(error)));
            }
            return;
          }
          const result = atomics.waitAsync(slots, TURN_HOLDER, TURN_THREAD, MAX_WAIT_MS - waited);
          // Not THREAD any more (the step just ended): at once; else when it changes.
          if (result.async) void result.value.then(attempt);
          else queueMicrotask(attempt);
        };
        attempt();
      });
    },
  };
}
