import { once } from 'node:events';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registerUser, startTestApi, type TestApi } from '../../test/helpers';
import { accessLogger, createLogger } from './logging';

interface Line {
  level?: number;
  msg?: string;
  err?: { message?: string };
  reqId?: string;
  req?: { method?: string; path?: string; headers?: unknown };
  res?: { status?: number };
  route?: string;
  clientAddress?: string;
  responseTime?: number;
}

const lines: Line[] = [];
/** The lines as written: JSON.parse would hide a key written twice. */
const raw: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const text of chunk.toString('utf8').split('\n')) {
      if (text.trim() === '') continue;
      raw.push(text);
      lines.push(JSON.parse(text) as Line);
    }
    sink.emit('line');
    done();
  },
});

/** Resolves with the access-log line of the request with this id, once it is written. */
async function lineOf(reqId: string): Promise<Line> {
  for (;;) {
    const line = lines.find((l) => l.msg === 'request' && l.reqId === reqId);
    if (line) return line;
    await once(sink, 'line');
  }
}

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({
    logger: createLogger('info', sink),
    config: { trustProxy: ['loopback'] },
  });
});
afterAll(async () => {
  await api.close();
});

describe('request logs', () => {
  test('an incoming X-Request-Id is honoured, echoed and logged', async () => {
    const response = await api.http.get('/api/health', {
      headers: { 'x-request-id': 'edge-4f2a.7:1' },
    });
    expect(response.headers.get('x-request-id')).toBe('edge-4f2a.7:1');
    const line = await lineOf('edge-4f2a.7:1');
    expect(line.req).toEqual({ method: 'GET', path: '/api/health' });
    expect(line.res).toEqual({ status: 200 });
    expect(line.route).toBe('health');
    expect(typeof line.responseTime).toBe('number');
  });

  test('an id that is not tame (too long, odd characters) is replaced by a new one', async () => {
    for (const incoming of ['x'.repeat(129), 'has space', 'semi;colon', '']) {
      const response = await api.http.get('/api/health', { headers: { 'x-request-id': incoming } });
      const id = response.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(id).not.toBe(incoming);
    }
  });

  test('no query string, header or body is logged; the client address follows TRUST_PROXY', async () => {
    const alice = await registerUser(api);
    const response = await api.http.get('/api/users', {
      token: alice.accessToken,
      query: { q: 'secret search words' },
      headers: { 'x-forwarded-for': '203.0.113.9', 'x-request-id': 'search-1' },
    });
    expect(response.status).toBe(200);
    const line = await lineOf('search-1');
    expect(line.req?.path).toBe('/api/users');
    expect(line.route).toBe('searchUsers');
    expect(line.clientAddress).toBe('203.0.113.9');
    const written = raw.find(
      (text) => text.includes('"reqId":"search-1"') && text.includes('"msg":"request"'),
    );
    expect(written?.match(/"clientAddress"/g)).toHaveLength(1);
    expect(written?.match(/"route"/g)).toHaveLength(1);
    const text = JSON.stringify(lines);
    expect(text).not.toContain('secret search words');
    expect(text).not.toContain(alice.accessToken);
    expect(text).not.toContain('authorization');
  });

  test('the access logger writes a line as the redacting logger does, and redacts nothing else', () => {
    const written: string[] = [];
    const logger = createLogger('info', {
      write: (text: string) => written.push(text),
    } as unknown as NodeJS.WritableStream);
    const line = {
      reqId: 'same-1',
      req: { method: 'GET', path: '/api/conversations/x/messages' },
      clientAddress: '127.0.0.1',
      route: 'listMessages',
      res: { status: 200 },
      responseTime: 3,
    };
    logger.info(line, 'request');
    accessLogger(logger).info(line, 'request');
    const [redacting, access] = written.map(
      (text) => JSON.parse(text) as Record<string, unknown> & { time?: number },
    );
    expect(Object.keys(access ?? {})).toEqual(Object.keys(redacting ?? {}));
    expect({ ...access, time: 0 }).toEqual({ ...redacting, time: 0 });
    // Everything else the app logs is still redacted.
    logger.info({ user: { password: 'hunter2' } }, 'other');
    expect(written.at(-1)).not.toContain('hunter2');
  });

  // Last: it closes the store under the app.
  test('a 5xx answer is logged as a warning naming its status', async () => {
    const ok = await api.http.get('/api/health', { headers: { 'x-request-id': 'fine-1' } });
    expect(ok.status).toBe(200);
    expect((await lineOf('fine-1')).level).toBe(30);
    await api.store.close();
    const response = await api.http.get('/api/health/ready', {
      headers: { 'x-request-id': 'down-1' },
    });
    expect(response.status).toBe(503);
    const line = await lineOf('down-1');
    expect(line.level).toBe(40);
    expect(line.res).toEqual({ status: 503 });
    expect(line.err?.message).toBe('failed with status code 503');
  });
});
