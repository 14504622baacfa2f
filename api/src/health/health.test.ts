import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ErrorBody, ReadinessResponse } from '@chat/protocol';
import { waitFor } from '../../test/api-process';
import { createCluster, privateRedis, type PrivateRedis } from '../../test/cluster';
import { startTestApi, type TestApi } from '../../test/helpers';

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
