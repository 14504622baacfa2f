import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ErrorBody, ReadinessResponse } from '@chat/protocol';
import { waitFor } from '../../test/api-process';
import { createCluster, privateRedis, type PrivateRedis } from '../../test/cluster';
import {
  lockSearchFile,
  openDirect,
  postMessage,
  registerUser,
  startTestApi,
  type TestApi,
} from '../../test/helpers';
import { openSqliteStore, type SqliteStore } from '../store/sqlite';
import { searchCheck } from './routes';

describe('liveness and readiness, one instance without Redis', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api.close();
  });

  test('/api/health keeps its version 1 meaning', async () => {
    const response = await api.http.get('/api/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  test('/api/health/live answers while the process does, and is not cached', async () => {
    const response = await api.http.get('/api/health/live');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  test('/api/health/ready: the store answered, Redis is not configured', async () => {
    const response = await api.http.get('/api/health/ready');
    expect(response.status).toBe(200);
    const body = ReadinessResponse.parse(response.body);
    expect(body.checks.store.status).toBe('ok');
    expect(body.checks.store.ms).toBeGreaterThanOrEqual(0);
    expect(body.checks.redis).toEqual({ status: 'not_configured' });
    expect(body.checks.search).toEqual({ status: 'ok' });
  });

  test('an answer without checks.search (an older server) still parses', () => {
    const older = {
      status: 'ok',
      checks: { store: { status: 'ok', ms: 1 }, redis: { status: 'not_configured' } },
    };
    expect(ReadinessResponse.parse(older).checks.search).toBeUndefined();
  });

  test('a store that cannot answer makes ready 503 unavailable, naming it; live stays 200', async () => {
    await api.store.close();
    const ready = await api.http.get('/api/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).toBe('1');
    const { error } = ErrorBody.parse(ready.body);
    expect(error.code).toBe('unavailable');
    expect(error.details?.map((d) => d.path)).toEqual(['store']);
    // Nothing about the database's internals reaches the public body.
    expect(JSON.stringify(ready.body)).not.toMatch(/sqlite|closed/i);
    expect((await api.http.get('/api/health/live')).status).toBe(200);
  });
});

describe('readiness with Redis (a real API process)', () => {
  let redis: PrivateRedis;
  let cluster: ReturnType<typeof createCluster>;
  beforeAll(async () => {
    redis = await privateRedis();
    cluster = createCluster({ redisUrl: redis.url });
  });
  afterAll(async () => {
    await cluster.close();
    await redis.stop();
  });

  test('ready follows Redis: 200 while it answers, 503 naming it while it is down, 200 again after', async () => {
    const instance = await cluster.start();
    const up = await instance.http.get('/api/health/ready');
    expect(up.status, JSON.stringify(up.body)).toBe(200);
    expect(ReadinessResponse.parse(up.body).checks.redis.status).toBe('ok');

    await redis.stop();
    const down = await instance.http.get('/api/health/ready');
    expect(down.status).toBe(503);
    const { error } = ErrorBody.parse(down.body);
    expect(error.code).toBe('unavailable');
    expect(error.details?.map((d) => d.path)).toEqual(['redis']);
    // The process itself is fine: a supervisor must not restart it over Redis.
    expect((await instance.http.get('/api/health/live')).status).toBe(200);

    await redis.start();
    await waitFor(
      async () =>
        (await instance.http.get('/api/health/ready')).status === 200 ? true : undefined,
      { timeoutMs: 20_000, what: () => 'ready to answer 200 after Redis came back' },
    );
  });
});

describe('readiness and the search index thread', () => {
  let api: TestApi<SqliteStore> | undefined;
  let lock: { release(): void } | undefined;
  afterEach(async () => {
    lock?.release();
    await api?.close();
    api = undefined;
  });

  test('a thread that is down makes search degraded, never ready 503; ok again once it is back', async () => {
    let failed!: () => void;
    const failure = new Promise<void>((resolve) => (failed = resolve));
    const started = await startTestApi<SqliteStore>({
      config: { rateLimits: false },
      openStore: (file) =>
        openSqliteStore(file, { busyTimeoutMs: 200, onSearchFailure: () => failed() }),
    });
    api = started;
    const [ann, ben] = await Promise.all([registerUser(started), registerUser(started)]);
    const direct = await openDirect(started, ann.accessToken, ben.user.id);

    // Held: the thread's next step (the message below gives it one) fails after 200 ms.
    lock = lockSearchFile(started.databaseFile);
    await postMessage(started, ben.accessToken, direct.id, 'while the index is locked');
    await failure;
    const down = await started.http.get('/api/health/ready');
    expect(down.status).toBe(200);
    const body = ReadinessResponse.parse(down.body);
    expect(body.checks.store.status).toBe('ok');
    expect(body.checks.search).toEqual({
      status: 'degraded',
      failures: 1,
      message: 'The search index thread is restarting.',
    });
    // The public body names neither the file nor SQLite's error.
    expect(JSON.stringify(down.body)).not.toMatch(/sqlite|locked|busy|\.search|chat-api-test/i);
    const metrics = (await started.app.metrics.scrape()).body;
    expect(metrics).toMatch(/^chat_search_index_degraded 1$/m);
    expect(metrics).toMatch(/^chat_search_index_failures_total 1$/m);

    lock.release();
    await waitFor(
      async () => {
        const ready = ReadinessResponse.parse((await started.http.get('/api/health/ready')).body);
        return ready.checks.search?.status === 'ok' ? true : undefined;
      },
      { timeoutMs: 10_000, what: () => 'search to be ok again once the thread is back' },
    );
    expect((await started.app.metrics.scrape()).body).toMatch(/^chat_search_index_degraded 0$/m);
  });

  test('a rebuilding index is degraded, in words that name no internals', () => {
    const thread = { running: true, failures: 0, lastError: 'database disk image is malformed' };
    expect(searchCheck({ ...thread, rebuilding: true, rebuilds: 1 })).toEqual({
      status: 'degraded',
      failures: 0,
      message: 'The search index is being rebuilt.',
    });
    expect(searchCheck({ ...thread, rebuilding: false, rebuilds: 1 })).toEqual({ status: 'ok' });
  });

  test('an in-memory store has no thread: search is not_configured', async () => {
    api = await startTestApi<SqliteStore>({ openStore: () => openSqliteStore(':memory:') });
    const ready = await api.http.get('/api/health/ready');
    expect(ready.status).toBe(200);
    expect(ReadinessResponse.parse(ready.body).checks.search).toEqual({
      status: 'not_configured',
    });
    expect((await api.app.metrics.scrape()).body).not.toContain('chat_search_index');
  });
});
