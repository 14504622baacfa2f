/**
 * Test harness for scale-out: real API processes (`spawnApi`) sharing one SQLite file and
 * one Redis, and a private redis-server for tests that stop it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, spawnApi, type ApiProcess } from './api-process';
import { sleep } from './helpers';

export const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export type Instance = ApiProcess;

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
      const instance = await spawnApi({
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
      await Promise.all(instances.map((instance) => instance.close()));
      rmSync(dir, { recursive: true, force: true });
      await deleteKeys(options.redisUrl ?? SHARED_REDIS_URL, prefix);
    },
  };
  return cluster;
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
