import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ErrorBody } from '@chat/protocol';
import { loadConfig } from '../config';
import {
  errorOf,
  openDirect,
  postMessage,
  registerUser,
  startTestApi,
  type TestApi,
} from '../../test/helpers';
import { startMetricsServer, type MetricsServer } from './metrics';

const TOKEN = 'metrics-token-0123456789';
const PAGE = '<!doctype html><title>web client</title>';

/** A built web client, so a fall-back to it would show (and fail the tests). */
function webRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'chat-metrics-web-'));
  writeFileSync(join(dir, 'index.html'), PAGE);
  return dir;
}

async function scrape(url: string, token?: string) {
  const response = await fetch(url, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    text: await response.text(),
  };
}

/** One sample's value, e.g. `value(text, 'chat_connected_sockets')`. */
function value(text: string, sample: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  if (line === undefined) throw new Error(`no sample ${sample} in:\n${text}`);
  return Number(line.slice(sample.length + 1));
}

describe('metrics off (no METRICS_TOKEN on the API port)', () => {
  let api: TestApi;
  let web: string;
  beforeAll(async () => {
    web = webRoot();
    api = await startTestApi({ webRoot: web });
  });
  afterAll(async () => {
    await api.close();
    rmSync(web, { recursive: true, force: true });
  });

  test('the web client is served (so the checks below can fail)', async () => {
    const response = await fetch(`${api.url}/some/page`);
    expect(await response.text()).toBe(PAGE);
  });

  test('/metrics and any path under it, and unknown /api paths, are the JSON 404, never the page', async () => {
    for (const path of ['/metrics', '/metrics/', '/metrics/x', '/api/nope', '/api/health/nope']) {
      const response = await fetch(`${api.url}${path}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type'), path).toMatch(/application\/json/);
      expect(ErrorBody.parse(await response.json()).error.code, path).toBe('not_found');
    }
  });
});

describe('metrics behind METRICS_TOKEN on the API port', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ config: { metricsToken: TOKEN } });
  });
  afterAll(async () => {
    await api.close();
  });

  test('no token or a wrong one is 401 with the contract body; nothing else under /metrics exists', async () => {
    for (const token of [undefined, 'wrong-token-0123456789', `${TOKEN}x`]) {
      const response = await api.http.get('/metrics', token === undefined ? {} : { token });
      expect(response.status).toBe(401);
      expect(errorOf(response).code).toBe('unauthorized');
    }
    expect((await api.http.get('/metrics/other', { token: TOKEN })).status).toBe(404);
  });

  test('counts what happens: sockets, stored messages, REST latency by route name, store latency, hashing, event-loop lag', async () => {
    const alice = await registerUser(api);
    const bob = await registerUser(api);
    const conversation = await openDirect(api, alice.accessToken, bob.user.id);
    const socket = await api.connect(bob.accessToken);
    const clientId = 'metrics-client-id';
    await postMessage(api, alice.accessToken, conversation.id, 'one', clientId);
    // A retried send (same clientId) is not a new message.
    await postMessage(api, alice.accessToken, conversation.id, 'one', clientId);
    await postMessage(api, alice.accessToken, conversation.id, 'two');

    const { status, type, text } = await scrape(`${api.url}/metrics`, TOKEN);
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(value(text, 'chat_connected_sockets')).toBe(1);
    expect(value(text, 'chat_messages_stored_total')).toBe(2);
    expect(value(text, 'chat_password_hash_queue')).toBe(0);
    expect(value(text, 'chat_password_hash_running')).toBe(0);
    expect(value(text, 'chat_push_queue')).toBe(0);
    expect(
      value(
        text,
        'chat_http_request_duration_seconds_count{route="register",method="POST",status="201"}',
      ),
    ).toBe(2);
    // The route's table name, not its raw path (which holds an id).
    expect(text).toContain('route="sendMessage"');
    expect(text).not.toContain(conversation.id);
    expect(
      value(text, 'chat_message_store_seconds_count{operation="append",outcome="ok"}'),
    ).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    // No Redis here: no Redis series.
    expect(text).not.toContain('chat_redis_errors_total');
    socket.disconnect();
  });
});

describe('metrics on a port of their own (METRICS_PORT)', () => {
  let api: TestApi;
  let server: MetricsServer;
  let tokenServer: MetricsServer;
  beforeAll(async () => {
    api = await startTestApi();
    server = await startMetricsServer({
      metrics: api.app.metrics,
      port: 0,
      host: '127.0.0.1',
      token: null,
    });
    tokenServer = await startMetricsServer({
      metrics: api.app.metrics,
      port: 0,
      host: '127.0.0.1',
      token: TOKEN,
    });
  });
  afterAll(async () => {
    await server.close();
    await tokenServer.close();
    await api.close();
  });

  test('serves /metrics and nothing else', async () => {
    const base = `http://127.0.0.1:${server.port}`;
    const ok = await scrape(`${base}/metrics`);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('chat_connected_sockets 0');
    for (const path of ['/', '/metrics/x', '/api/health']) {
      const other = await scrape(`${base}${path}`);
      expect(other.status, path).toBe(404);
      expect(other.text).toBe('Not found\n');
    }
  });

  test('with METRICS_TOKEN set, the token is required there too', async () => {
    const base = `http://127.0.0.1:${tokenServer.port}`;
    expect((await scrape(`${base}/metrics`)).status).toBe(401);
    expect((await scrape(`${base}/metrics`, 'wrong-token-0123456789')).status).toBe(401);
    expect((await scrape(`${base}/metrics`, TOKEN)).status).toBe(200);
  });

  test('the API port still does not serve them without METRICS_TOKEN', async () => {
    expect((await api.http.get('/metrics')).status).toBe(404);
  });
});

describe('metrics configuration', () => {
  const base = { NODE_ENV: 'test', DATABASE_URL: 'sqlite::memory:', JWT_SECRET: 'x'.repeat(32) };

  test('off by default', () => {
    const config = loadConfig(base);
    expect(config.metricsPort).toBeNull();
    expect(config.metricsToken).toBeNull();
  });

  test('METRICS_PORT, METRICS_HOST (default HOST) and METRICS_TOKEN are read', () => {
    const config = loadConfig({
      ...base,
      HOST: '0.0.0.0',
      METRICS_PORT: '9464',
      METRICS_TOKEN: TOKEN,
    });
    expect(config.metricsPort).toBe(9464);
    expect(config.metricsHost).toBe('0.0.0.0');
    expect(config.metricsToken).toBe(TOKEN);
    expect(
      loadConfig({ ...base, METRICS_PORT: '9464', METRICS_HOST: '10.0.0.5' }).metricsHost,
    ).toBe('10.0.0.5');
  });

  test('bad values are refused with a clear message', () => {
    expect(() => loadConfig({ ...base, METRICS_PORT: 'abc' })).toThrow(/METRICS_PORT/);
    expect(() => loadConfig({ ...base, METRICS_PORT: '4000', PORT: '4000' })).toThrow(
      /METRICS_PORT must differ from PORT/,
    );
    expect(() => loadConfig({ ...base, METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    expect(() => loadConfig({ ...base, METRICS_TOKEN: 'has a space in it ok' })).toThrow(
      /METRICS_TOKEN/,
    );
  });
});
