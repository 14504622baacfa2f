// @ts-check
/**
 * One password-hashing thread (started by hash-pool.ts). Plain JavaScript because a worker
 * thread starts without the TypeScript loader the API runs under.
 *
 * argon2 runs here synchronously, one job at a time, at a lowered scheduling priority
 * where the OS allows it per thread (Linux): when the event loop and this thread both want
 * a core, the event loop, which carries every socket, wins, and logins wait instead.
 */
import { execFile } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import process from 'node:process';
import { promisify } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';
import { hashSync, verifySync } from '@node-rs/argon2';

if (!parentPort) throw new Error('hash-worker.mjs runs as a worker thread only');
const port = parentPort;

/** @type {{ niceness: number }} */
const options = workerData;
if (options.niceness > 0 && process.platform === 'linux') {
  try {
    // On Linux a nice value belongs to a thread: 0 means this thread, not the process.
    setPriority(0, options.niceness);
  } catch {
    // Not allowed here: hashing still works, at normal priority.
  }
  // A nice value only lowers this thread's weight: a woken event loop can still wait a few
  // milliseconds behind argon2 for its core. Under SCHED_IDLE any normal thread that wakes
  // preempts this one (docs/BENCHMARKS.md: message p99 during a login burst). Node has no
  // call for it, so util-linux's chrt sets it on this thread's id (/proc/thread-self is
  // /proc/<pid>/task/<tid>) before the first job is taken.
  try {
    const tid = readlinkSync('/proc/thread-self').split('/').at(-1) ?? '';
    await promisify(execFile)('chrt', ['--idle', '-p', '0', tid]);
  } catch {
    // chrt missing or refused: hashing still works, at the nice value alone.
  }
}

port.on(
  'message',
  (
    /** @type {{ id: number, op: 'hash' | 'verify', password: string | Uint8Array, hash?: string, options?: object }} */ job,
  ) => {
    try {
      const value =
        job.op === 'hash'
          ? hashSync(job.password, job.options)
          : verifySync(job.hash ?? '', job.password);
      port.postMessage({ type: 'done', id: job.id, ok: true, value });
    } catch (error) {
      port.postMessage({
        type: 'done',
        id: job.id,
        ok: false,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  },
);
