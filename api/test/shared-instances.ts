import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createApp, type App, type AppDeps } from '../src/app';
import type { Config } from '../src/config';
import { createLogger } from '../src/http/logging';
import { startScaleOut, type ScaleOut } from '../src/scale/index';
import { openSqliteStore } from '../src/store/sqlite';
import type { Store } from '../src/store/types';
import { SHARED_REDIS_URL } from './cluster';
import { RestClient, connectSocket, testConfig, type ChatClientSocket } from './helpers';

/**
 * An API instance in this process with its own store connection to the shared SQLite file
 * and its own Redis connections (one key prefix), as a process behind a balancer would be.
 */
export interface SharedInstance {
  app: App;
  store: Store;
  scaleOut: ScaleOut;
  url: string;
  http: RestClient;
}

export interface SharedInstances {
  one: SharedInstance;
  two: SharedInstance;
  /** A socket on `instance`, disconnected by `close()`. */
  connect(instance: SharedInstance, token: string): Promise<ChatClientSocket>;
  close(): Promise<void>;
}

/** Two instances on one SQLite file and one Redis prefix: a change through one reaches the other's sockets. */
export async function startSharedInstances(
  name: string,
  options: { config?: Partial<Config>; timings?: AppDeps['timings'] } = {},
): Promise<SharedInstances> {
  const dir = mkdtempSync(join(tmpdir(), `chat-${name}-`));
  const prefix = `test-${randomBytes(6).toString('hex')}:`;
  const jwtSecret = randomBytes(32).toString('hex');
  const instances: SharedInstance[] = [];
  const sockets: ChatClientSocket[] = [];

  const start = async (): Promise<SharedInstance> => {
    const config = testConfig(dir, { jwtSecret, rateLimits: false, ...options.config });
    const logger = createLogger('silent');
    const store = openSqliteStore(join(dir, 'chat.sqlite'));
    const scaleOut = await startScaleOut({
      redisUrl: SHARED_REDIS_URL,
      prefix,
      presenceHeartbeatTtlMs: 2_000,
      logger,
    });
    const app = createApp({
      config,
      store,
      logger,
      scaleOut,
      ...(options.timings ? { timings: options.timings } : {}),
    });
    const address = await app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${address.port}`;
    const instance = { app, store, scaleOut, url, http: new RestClient(url) };
    instances.push(instance);
    return instance;
  };

  // One after the other: the first creates the SQLite schema.
  const one = await start();
  const two = await start();
  return {
    one,
    two,
    async connect(instance, token) {
      const socket = await connectSocket(instance.url, token);
      sockets.push(socket);
      return socket;
    },
    async close() {
      for (const socket of sockets) socket.disconnect();
      for (const instance of instances) {
        await instance.app.close();
        await instance.scaleOut.close();
        await instance.store.close();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `startSharedInstances` for a whole test file: started before its first test, closed after
 * its last. The instances are filled in when they have started, into objects that stay the
 * same, so a file can take them apart at its top level.
 */
export function useSharedInstances(
  name: string,
  options?: Parameters<typeof startSharedInstances>[1],
): Omit<SharedInstances, 'close'> {
  let shared: SharedInstances | undefined;
  const one = {} as SharedInstance;
  const two = {} as SharedInstance;
  beforeAll(async () => {
    shared = await startSharedInstances(name, options);
    Object.assign(one, shared.one);
    Object.assign(two, shared.two);
  });
  afterAll(async () => {
    await shared?.close();
  });
  return {
    one,
    two,
    connect(instance, token) {
      if (!shared) throw new Error('the shared instances start before the first test');
      return shared.connect(instance, token);
    },
  };
}
