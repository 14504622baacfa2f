/**
 * The API as a real child process (`node --import tsx api/src/main.ts`), for tests that
 * must kill, restart or run several of it: scale-out clusters, kill -9 recovery.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { RestClient, TEST_ARGON2, sleep } from './helpers';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

export interface ApiProcess {
  url: string;
  http: RestClient;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  kill(signal: NodeJS.Signals): void;
  exited: Promise<void>;
}

/**
 * Starts the API with test defaults (port 0 on loopback, cheap argon2, info logs) overridden
 * by `env`, with `nodeArgs` after the TypeScript loader, and resolves once it logs the
 * address it listens on.
 */
export async function spawnApi(
  env: Record<string, string>,
  options: { nodeArgs?: string[] } = {},
): Promise<ApiProcess> {
  const args = ['--import', 'tsx', ...(options.nodeArgs ?? []), 'api/src/main.ts'];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ARGON2_MEMORY_KIB: String(TEST_ARGON2.memoryCost),
      ARGON2_TIME_COST: String(TEST_ARGON2.timeCost),
      ARGON2_PARALLELISM: String(TEST_ARGON2.parallelism),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = await waitFor(() => /API listening on (http:\/\/[\d.]+:\d+)/.exec(output)?.[1], {
    timeoutMs: 30_000,
    gone: child,
    what: () => `the API to start:\n${output}`,
  });
  return {
    url,
    http: new RestClient(url),
    output: () => output,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    exited,
  };
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
    const exited = options.gone && options.gone.exitCode !== null;
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
