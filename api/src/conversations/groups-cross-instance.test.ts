import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createApp, type App } from '../app';
import { createLogger } from '../http/logging';
import { SHARED_REDIS_URL } from '../../test/cluster';
import { startScaleOut, type ScaleOut } from '../scale/index';
import { openSqliteStore } from '../store/sqlite';
import type { Store } from '../store/types';
import {
  EventLog,
  RestClient,
  connectSocket,
  createGroup,
  postMessage,
  registerUser,
  testConfig,
  type ChatClientSocket,
} from '../../test/helpers';

/**
 * Two API instances in this process, each with its own store connection to one SQLite
 * file and its own Redis connections (one key prefix), as two processes behind a balancer
 * would be: a change made through one reaches sockets held by the other.
 */
interface Instance {
  app: App;
  store: Store;
  scaleOut: ScaleOut;
  url: string;
  http: RestClient;
}

const dir = mkdtempSync(join(tmpdir(), 'chat-groups-'));
const prefix = `test-${randomBytes(6).toString('hex')}:`;
const jwtSecret = randomBytes(32).toString('hex');
const instances: Instance[] = [];
const sockets: ChatClientSocket[] = [];

async function startInstance(): Promise<Instance> {
  const config = testConfig(dir, { jwtSecret, rateLimits: false });
  const logger = createLogger('silent');
  const store = openSqliteStore(join(dir, 'chat.sqlite'));
  const scaleOut = await startScaleOut({
    redisUrl: SHARED_REDIS_URL,
    prefix,
    presenceHeartbeatTtlMs: 2_000,
    logger,
  });
  const app = createApp({ config, store, logger, scaleOut });
  const address = await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${address.port}`;
  const instance = { app, store, scaleOut, url, http: new RestClient(url) };
  instances.push(instance);
  return instance;
}

async function connect(instance: Instance, token: string) {
  const socket = await connectSocket(instance.url, token);
  sockets.push(socket);
  return socket;
}

let one: Instance;
let two: Instance;

beforeAll(async () => {
  // One after the other: the first creates the SQLite schema.
  one = await startInstance();
  two = await startInstance();
});
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  for (const instance of instances) {
    await instance.app.close();
    await instance.scaleOut.close();
    await instance.store.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('group membership across instances', () => {
  test('a member removed through one instance hears nothing more on the other', async () => {
    const [ann, ben, cat] = await Promise.all([
      registerUser(one),
      registerUser(one),
      registerUser(two),
    ]);
    const group = await createGroup(one, ann.accessToken, [ben.user.id, cat.user.id]);
    const catSocket = await connect(two, cat.accessToken);
    const catMessages = new EventLog(catSocket, 'message:new');
    const catRemoved = new EventLog(catSocket, 'conversation:removed');
    const benMessages = new EventLog(await connect(two, ben.accessToken), 'message:new');
    // Instance two learns the member list (and remembers it) by carrying a message.
    const warm = await postMessage(two, ben.accessToken, group.id, 'everyone here?');
    await catMessages.waitFor((m) => m.id === warm.id);

    const removed = await one.http.request(
      'DELETE',
      `/api/conversations/${group.id}/members/${cat.user.id}`,
      {
        token: ann.accessToken,
      },
    );
    expect(removed.status).toBe(204);
    expect(await catRemoved.waitFor()).toEqual({ conversationId: group.id });

    // Sent through the instance that still had Cat in its cache, and through the other.
    const through2 = await postMessage(two, ben.accessToken, group.id, 'after cat left');
    const through1 = await postMessage(one, ann.accessToken, group.id, 'and again');
    await benMessages.waitFor((m) => m.id === through2.id);
    await benMessages.waitFor((m) => m.id === through1.id);
    const heard = catMessages.events.map((m) => m.id);
    expect(heard).not.toContain(through2.id);
    expect(heard).not.toContain(through1.id);
    const read = await two.http.get(`/api/conversations/${group.id}/messages`, {
      token: cat.accessToken,
    });
    expect(read.status).toBe(404);
  });

  test('a member added through one instance receives what is sent through the other', async () => {
    const [ann, ben, dan] = await Promise.all([
      registerUser(one),
      registerUser(two),
      registerUser(two),
    ]);
    const group = await createGroup(one, ann.accessToken, [ben.user.id]);
    const danSocket = await connect(two, dan.accessToken);
    const danNew = new EventLog(danSocket, 'conversation:new');
    const danMessages = new EventLog(danSocket, 'message:new');
    await postMessage(two, ben.accessToken, group.id, 'before dan');

    const added = await one.http.post(`/api/conversations/${group.id}/members`, {
      token: ann.accessToken,
      body: { userIds: [dan.user.id] },
    });
    expect(added.status).toBe(200);
    await danNew.waitFor((c) => c.id === group.id);
    const next = await postMessage(two, ben.accessToken, group.id, 'welcome dan');
    await danMessages.waitFor((m) => m.id === next.id);
  });
});
