import { fork, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePort } from '@chat/api/testing';
import type { Command, Reply } from './ipc';

export const ROOT = resolve(import.meta.dirname, '..', '..');

/** The soft limit on open files, which children inherit (this container cannot raise it). */
export function openFilesLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const soft = Number(line?.split(/\s{2,}/)[1]);
  return Number.isFinite(soft) ? soft : 1024;
}

/** Resident set size of a process, KiB, from /proc/<pid>/status. */
export function rssKiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : Number.NaN;
}

/**
 * CPU time (user + system, all threads) a process has used, seconds, from /proc/<pid>/stat.
 * Unlike wall-clock rates it barely moves when other work shares the machine.
 */
export function cpuSeconds(pid: number): number {
  return ticksToSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/**
 * CPU time of a process's main thread alone (its event loop; the thread id equals the pid):
 * work moved to worker threads (the SQLite append writer) shows in cpuSeconds only.
 */
export function mainThreadCpuSeconds(pid: number): number {
  return ticksToSeconds(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8'));
}

function ticksToSeconds(stat: string): number {
  // Fields after the command name (which may hold spaces) start at state, field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** USER_HZ: 100 on every Linux build Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface ServerProcess {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the relay as a real process on a free port, output going to a log file, and
 * resolves once `GET /api/health` answers 200. (The API starts through its own harness,
 * `spawnApi` of `@chat/api/testing`.)
 */
export async function startServer(options: {
  name: string;
  script: string;
  env: Record<string, string>;
  logFile: string;
  nodeArgs?: string[];
}): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = openSync(options.logFile, 'a');
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), '--import', 'tsx', options.script],
    {
      cwd: ROOT,
      env: { ...process.env, ...options.env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', log, log],
    },
  );
  closeSync(log);
  // An object, not a `let`: the exit handler changes it behind the type checker's back.
  const state: { exited: number | null } = { exited: null };
  child.once('exit', (code) => (state.exited = code ?? -1));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (state.exited !== null) {
      const tail = readFileSync(options.logFile, 'utf8').split('\n').slice(-5).join('\n');
      throw new Error(`${options.name} exited with ${state.exited} before it was ready:\n${tail}`);
    }
    try {
      const response = await fetch(`${url}/api/health`);
      await response.arrayBuffer();
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  if (state.exited === null && Date.now() >= deadline) {
    child.kill('SIGKILL');
    throw new Error(`${options.name} was not ready within 60 s (see ${options.logFile})`);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.name} has no pid`);
  return {
    name: options.name,
    url,
    pid,
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 8_000);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}

/**
 * A forked load generator, driven one command at a time: `bench/loadgen.ts` by default, or
 * another script speaking the same request/reply protocol with its own commands.
 */
export class LoadGenerator<
  C extends { kind: string } = Command,
  R extends { kind: string } = Reply,
> {
  private readonly child: ChildProcess;
  private readonly ready: Promise<void>;
  private waiting: ((reply: R | { kind: 'error'; message: string }) => void) | null = null;

  constructor(
    readonly name: string,
    script = 'loadgen.ts',
  ) {
    this.child = fork(resolve(ROOT, 'bench', script), [], {
      cwd: ROOT,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.ready = new Promise((done, fail) => {
      this.child.once('error', fail);
      this.child.once('exit', (code) => {
        fail(new Error(`${name} exited with ${code}`));
        this.waiting?.({ kind: 'error', message: `${name} exited with ${code}` });
      });
      this.child.on('message', (reply: R | { kind: 'ready' }) => {
        if (reply.kind === 'ready') done();
        else {
          const waiter = this.waiting;
          this.waiting = null;
          waiter?.(reply as R);
        }
      });
    });
  }

  async run<K extends R['kind']>(command: C, expect: K): Promise<Extract<R, { kind: K }>> {
    await this.ready;
    if (this.waiting) throw new Error(`${this.name} is busy`);
    const reply = await new Promise<R | { kind: 'error'; message: string }>((done) => {
      this.waiting = done;
      this.child.send(command);
    });
    if (isError(reply)) throw new Error(`${this.name}: ${reply.message}`);
    if (reply.kind !== expect)
      throw new Error(`${this.name}: expected ${expect}, got ${reply.kind}`);
    return reply as Extract<R, { kind: K }>;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((done) => this.child.once('exit', done));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

function isError(reply: { kind: string }): reply is { kind: 'error'; message: string } {
  return reply.kind === 'error';
}
