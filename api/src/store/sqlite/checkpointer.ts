import type { Database } from 'better-sqlite3';
import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints off the event loop.
 *
 * With journal_mode=WAL every commit appends to the -wal file, and by default the committing
 * connection copies the WAL back into the database file once it reaches 1,000 pages: a
 * checkpoint that reads and writes megabytes and fsyncs the database file inside whichever
 * commit crossed the line. On the API's one event loop that stalls every socket for
 * milliseconds several times a second under load; it was the largest part of message p99
 * (docs/BENCHMARKS.md).
 *
 * So a worker thread with its own connection runs PASSIVE checkpoints (they never block the
 * writer, and the writer never waits for them), and the writer's automatic checkpoint is
 * raised to a backstop that only fires if the worker falls behind (a writer that never
 * pauses) or is gone: the WAL stays bounded either way. When the worker has copied every
 * frame, the writer's next transaction starts the WAL over from its beginning.
 */

/** The writer's own checkpoint threshold while the worker runs (pages; 4 KiB each). */
export const BACKSTOP_AUTOCHECKPOINT_PAGES = 10_000;
/** SQLite's default, restored if the worker cannot run. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1_000;

export interface CheckpointStats {
  /** PASSIVE checkpoints the worker ran that found frames to look at. */
  readonly runs: number;
  /** Frames in the WAL, and how many of them were in the database file, at the last run. */
  readonly walFrames: number;
  readonly checkpointedFrames: number;
  /** Whether the worker is running (false once stopped, or if it could not start). */
  readonly running: boolean;
  readonly lastError: string | null;
}

export interface Checkpointer {
  readonly stats: CheckpointStats;
  /** Closes the worker's connection and ends the thread. Idempotent. */
  stop(): Promise<void>;
}

export interface CheckpointerOptions {
  busyTimeoutMs: number;
  /** Poll interval while the WAL grows. */
  activeMs?: number;
  /** Poll interval once it is quiet. */
  idleMs?: number;
}

type WorkerMessage =
  | { type: 'checkpoint'; busy: number; log: number; checkpointed: number }
  | { type: 'error'; message: string };

/**
 * Starts the checkpointer for a writable WAL database; null for anything else (an in-memory
 * or read-only database has no WAL of its own to look after).
 */
export function startCheckpointer(db: Database, options: CheckpointerOptions): Checkpointer | null {
  if (db.memory || db.readonly) return null;
  const mode: unknown = db.pragma('journal_mode', { simple: true });
  if (mode !== 'wal') return null;

  const stats = {
    runs: 0,
    walFrames: 0,
    checkpointedFrames: 0,
    running: true,
    lastError: null as string | null,
  };
  const worker = new Worker(new URL('./checkpoint-worker.mjs', import.meta.url), {
    // Plain JavaScript: none of the parent's flags (loaders, preloads) apply to it.
    execArgv: [],
    workerData: {
      path: db.name,
      busyTimeoutMs: options.busyTimeoutMs,
      activeMs: options.activeMs ?? 20,
      idleMs: options.idleMs ?? 250,
    },
  });
  // Never what keeps a process alive.
  worker.unref();
  db.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);

  worker.on('message', (message: WorkerMessage) => {
    if (message.type === 'checkpoint') {
      stats.runs++;
      stats.walFrames = message.log;
      stats.checkpointedFrames = message.checkpointed;
    } else {
      stats.lastError = message.message;
    }
  });
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', () => {
      stats.running = false;
      resolve();
    });
  });
  // Typed here: @types/node 24 declares the listener's argument as any.
  worker.on('error', (error: Error) => {
    // The thread died (say, it could not open the file): the writer checkpoints as usual.
    stats.lastError = error.message;
    if (db.open) db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
  });

  let stopping: Promise<void> | null = null;
  return {
    stats,
    stop() {
      stopping ??= (async () => {
        if (!stats.running) return;
        worker.postMessage('close');
        const timer = setTimeout(() => void worker.terminate(), 5_000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}
