import { Worker } from 'node:worker_threads';
import type { Options } from '@node-rs/argon2';

/**
 * Password hashing on a few dedicated threads (hash-worker.mjs) instead of libuv's shared
 * pool, so that their scheduling priority can be lowered (a nice value, and on Linux the
 * SCHED_IDLE policy where chrt is installed) without touching file or DNS work:
 * argon2 is a core's worth of work for ~10 ms per login, and on a small machine a login
 * burst at normal priority takes cores from the event loop that carries every socket
 * (docs/BENCHMARKS.md: message p99 during a login burst).
 */
export interface HashPool {
  hash(password: string | Uint8Array, options: Options): Promise<string>;
  /** Rejects for a hash argon2 cannot read. */
  verify(passwordHash: string, password: string | Uint8Array): Promise<boolean>;
  /** Ends the threads; jobs still running are rejected. */
  close(): Promise<void>;
}

type Job =
  | { op: 'hash'; password: string | Uint8Array; options: Options }
  | {
      op: 'verify';
      password: string | Uint8Array;
      hash: string;
    };

type WorkerMessage =
  | { type: 'done'; id: number; ok: true; value: string | boolean }
  | { type: 'done'; id: number; ok: false; message: string };

interface Slot {
  worker: Worker;
  busy: {
    id: number;
    resolve: (value: string | boolean) => void;
    reject: (e: Error) => void;
  } | null;
}

interface Queued {
  job: Job;
  resolve: (value: string | boolean) => void;
  reject: (e: Error) => void;
}

/** Niceness of the hashing threads (Linux; elsewhere they run at normal priority). */
export const HASH_THREAD_NICENESS = 10;

export function createHashPool(size: number, niceness = HASH_THREAD_NICENESS): HashPool {
  const slots: Slot[] = [];
  const queue: Queued[] = [];
  let nextId = 0;
  let closed = false;

  const spawn = (): Slot => {
    const worker = new Worker(new URL('./hash-worker.mjs', import.meta.url), {
      workerData: { niceness },
      // Plain JavaScript: none of the parent's flags (loaders, preloads such as a profiler
      // or a probe written in TypeScript) may stand between a login and its hash.
      execArgv: [],
    });
    // Idle hashing threads never keep a process alive.
    worker.unref();
    const slot: Slot = { worker, busy: null };
    worker.on('message', (message: WorkerMessage) => {
      if (slot.busy?.id !== message.id) return;
      const { resolve, reject } = slot.busy;
      slot.busy = null;
      if (message.ok) resolve(message.value);
      else reject(new Error(message.message));
      pump();
    });
    const gone = (error: Error) => {
      const index = slots.indexOf(slot);
      if (index >= 0) slots.splice(index, 1);
      slot.busy?.reject(error);
      slot.busy = null;
      pump();
    };
    worker.on('error', gone);
    worker.on('exit', (code) => gone(new Error(`password hashing thread exited (${code})`)));
    slots.push(slot);
    return slot;
  };

  const pump = () => {
    while (!closed && queue.length > 0) {
      const slot = slots.find((s) => s.busy === null) ?? (slots.length < size ? spawn() : null);
      if (!slot) return;
      const next = queue.shift();
      if (!next) return;
      const id = nextId++;
      slot.busy = { id, resolve: next.resolve, reject: next.reject };
      slot.worker.postMessage({ id, ...next.job });
    }
  };

  const run = (job: Job) =>
    new Promise<string | boolean>((resolve, reject) => {
      if (closed) {
        reject(new Error('the password hasher is closed'));
        return;
      }
      queue.push({ job, resolve, reject });
      pump();
    });

  return {
    hash: async (password, options) => String(await run({ op: 'hash', password, options })),
    verify: async (hash, password) => (await run({ op: 'verify', hash, password })) === true,
    async close() {
      closed = true;
      for (const queued of queue.splice(0))
        queued.reject(new Error('the password hasher is closed'));
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
    },
  };
}
