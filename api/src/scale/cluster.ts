/**
 * Test harness for scale-out: real API processes (`node --import tsx api/src/main.ts`)
 * sharing one SQLite file and one Redis, and a private redis-server for tests that stop it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { RestClient, TEST_ARGON2, sleep } from '../../test/helpers';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');
export const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface Instance {
  url: string;
  http: RestClient;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  kill(signal: NodeJS.Signals): void;
  exited: Promise<void>;
}

export interface Cluster {
  dir: string;
  prefix: string;
  start(): Promise<Instance>;
  close(): Promise<void>;
}

/**
 * A cluster of API processes on one temp SQLite file and one Redis (with its own random
 * key prefix, so test files never see each other's keys).
 */
export function createCluster(options: { redisUrl?: string; heartbeatTtlMs?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'chat-scale-'));
  const prefix = `test-${randomBytes(6).toString('hex')}:`;
  const jwtSecret = randomBytes(32).toString('hex');
  const instances: Instance[] = [];
  const cluster: Cluster = {
    dir,
    prefix,
    async start() {
      const instance = await startInstance({
        DATABASE_URL: `sqlite:${join(dir, 'chat.sqlite')}`,
        JWT_SECRET: jwtSecret,
        REDIS_URL: options.redisUrl ?? SHARED_REDIS_URL,
        REDIS_PREFIX: prefix,
        PRESENCE_HEARTBEAT_TTL_MS: String(options.heartbeatTtlMs ?? 2_000),
      });
      instances.push(instance);
      return instance;
    },
    async close() {
      for (const instance of instances) instance.kill('SIGKILL');
      await Promise.all(instances.map((instance) => instance.exited));
      rmSync(dir, { recursive: true, force: true });
      await deleteKeys(options.redisUrl ?? SHARED_REDIS_URL, prefix);
    },
  };
  return cluster;
}

async function startInstance(env: Record<string, string>): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'api/src/main.ts'], {
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

async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    if (keys.length > 0) await redis.del(...keys);
  } catch {
    // The private servers are gone by now; nothing to clean.
  } finally {
    redis.disconnect();
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

/** A private redis-server (no persistence: a restart loses everything, the worst case). */
export interface PrivateRedis {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function privateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const server: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      // Fails loudly (ENOENT) where redis-server is missing: the scale-out tests need it.
      const started = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        { stdio: 'ignore' },
      );
      child = started;
      const failed = new Promise<never>((_, reject) => {
        started.once('error', (err) =>
          reject(new Error(`cannot run redis-server: ${err.message}`)),
        );
      });
      await Promise.race([failed, waitForPing(server.url)]);
    },
    async stop() {
      const running = child;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise<void>((done) => running.once('exit', () => done()));
      running.kill('SIGKILL');
      await exited;
    },
  };
  await server.start();
  return server;
}

async function waitForPing(url: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      await redis.ping();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(50);
    } finally {
      redis.disconnect();
    }
  }
}
