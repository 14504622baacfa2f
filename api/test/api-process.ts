/**
 * The API as a real child process (`node --import tsx api/src/main.ts`), for tests and
 * tools that must kill, restart or run several of it: scale-out clusters, kill -9
 * recovery, the soak test and the benchmarks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RestClient, TEST_ARGON2, sleep } from './helpers';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

export interface ApiProcessOptions {
  /** Node flags and `--import`s, after the TypeScript loader and before the entry. */
  nodeArgs?: string[];
  /**
   * Appends the process's output to this file instead of keeping it in memory (for long
   * runs). Readiness is then polled on `/api/health` (as with a LOG_LEVEL above info), on
   * a free port chosen up front unless `env` names one.
   */
  logFile?: string;
  /**
   * Start with the test defaults (port 0 on loopback, cheap argon2, info logs, a temp SQLite
   * file and a random secret) under `env`; false starts from `env` and this process's
   * environment alone, as the benchmarks measure the production settings. Default true.
   */
  testDefaults?: boolean;
  /** How long the process may take to listen. Default 30 s. */
  readyTimeoutMs?: number;
}

export interface ApiProcess {
  url: string;
  port: number;
  http: RestClient;
  /** The running process's id; throws while stopped. */
  readonly pid: number;
  /** Everything the process wrote (the log file's contents with `logFile`), for failure messages. */
  output(): string;
  /** Sends `signal` to the running process (nothing if it is not running). */
  kill(signal: NodeJS.Signals): void;
  /** Resolves when the current process exits. */
  readonly exited: Promise<void>;
  /** SIGTERM (the graceful shutdown), SIGKILL after 8 s; resolves once it exited. */
  stop(): Promise<void>;
  /** Starts the process again on the same port, data and secret (nothing if running). */
  start(): Promise<void>;
  /** Kills the process and removes the temp folder the test defaults made. */
  close(): Promise<void>;
}

/**
 * Starts the API with test defaults overridden by `env` and resolves once it listens.
 * `stop`/`kill` and `start` restart it on the same port and SQLite file, as a deployment
 * restarts.
 */
export async function spawnApi(
  env: Record<string, string> = {},
  options: ApiProcessOptions = {},
): Promise<ApiProcess> {
  const testDefaults = options.testDefaults ?? true;
  const dir =
    testDefaults && env.DATABASE_URL === undefined
      ? mkdtempSync(join(tmpdir(), 'chat-api-process-'))
      : null;
  const fixedEnv: Record<string, string> = {
    ...(testDefaults
      ? {
          NODE_ENV: 'test',
          PORT: '0',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'info',
          // One secret for every incarnation, so tokens survive a restart.
          JWT_SECRET: randomBytes(32).toString('hex'),
          ARGON2_MEMORY_KIB: String(TEST_ARGON2.memoryCost),
          ARGON2_TIME_COST: String(TEST_ARGON2.timeCost),
          ARGON2_PARALLELISM: String(TEST_ARGON2.parallelism),
        }
      : {}),
    ...(dir === null ? {} : { DATABASE_URL: `sqlite:${join(dir, 'chat.sqlite')}` }),
    ...env,
  };
  let port = Number(fixedEnv.PORT ?? 0);
  // Readiness is the "API listening on" line (info level) when the output is kept, else a
  // health check, which needs the port before the process starts.
  const quiet = ['warn', 'error', 'fatal', 'silent'].includes(fixedEnv.LOG_LEVEL ?? '');
  const byHealth = options.logFile !== undefined || quiet;
  if (byHealth && port === 0) port = await freePort();
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  const start = async (): Promise<void> => {
    if (child !== null && child.exitCode === null && child.signalCode === null) return;
    const log = options.logFile === undefined ? null : openSync(options.logFile, 'a');
    const started = spawn(
      process.execPath,
      ['--import', 'tsx', ...(options.nodeArgs ?? []), 'api/src/main.ts'],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          ...fixedEnv,
          HOST: fixedEnv.HOST ?? '127.0.0.1',
          PORT: String(port),
        },
        stdio: log === null ? ['ignore', 'pipe', 'pipe'] : ['ignore', log, log],
      },
    );
    if (log !== null) closeSync(log);
    child = started;
    started.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    exited = new Promise<void>((done) => started.once('exit', () => done()));
    const since = output.length; // An earlier incarnation's lines say nothing about this one.
    const what = () => `the API to start:\n${api.output().split('\n').slice(-20).join('\n')}`;
    const timeoutMs = options.readyTimeoutMs ?? 30_000;
    if (!byHealth) {
      const listening = await waitFor(
        () => /API listening on http:\/\/[\d.]+:(\d+)/.exec(output.slice(since))?.[1],
        { timeoutMs, gone: started, what },
      );
      port = Number(listening);
    } else {
      await waitFor(() => healthy(`http://127.0.0.1:${port}`), { timeoutMs, gone: started, what });
    }
  };

  await start();
  const url = `http://127.0.0.1:${port}`;
  const running = () => {
    if (child === null || child.exitCode !== null || child.signalCode !== null) return null;
    return child;
  };
  const api: ApiProcess = {
    url,
    port,
    http: new RestClient(url),
    get pid() {
      const pid = running()?.pid;
      if (pid === undefined) throw new Error('the API process is not running');
      return pid;
    },
    output: () => (options.logFile === undefined ? output : readFileSync(options.logFile, 'utf8')),
    kill: (signal) => {
      running()?.kill(signal);
    },
    get exited() {
      return exited;
    },
    async stop() {
      const current = running();
      if (current === null) return;
      const timer = setTimeout(() => current.kill('SIGKILL'), 8_000);
      current.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    },
    start,
    async close() {
      api.kill('SIGKILL');
      await exited;
      if (dir !== null) rmSync(dir, { recursive: true, force: true });
    },
  };
  return api;
}

async function healthy(url: string): Promise<true | undefined> {
  try {
    const response = await fetch(`${url}/api/health`);
    await response.arrayBuffer();
    return response.ok ? true : undefined;
  } catch {
    return undefined; // Not listening yet.
  }
}

/** Polls `probe` until it returns a value. */
export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  options: { timeoutMs: number; what: () => string; gone?: ChildProcess },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    const exited =
      options.gone && (options.gone.exitCode !== null || options.gone.signalCode !== null);
    if (exited || Date.now() > deadline) {
      throw new Error(`${exited ? 'process exited' : 'timed out'} waiting for ${options.what()}`);
    }
    await sleep(50);
  }
}

/** A free loopback TCP port. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
