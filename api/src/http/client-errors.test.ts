import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createApp, type App } from '../app';
import { openStore } from '../store/index';
import type { Store } from '../store/types';
import { testConfig } from '../../test/helpers';
import { createLogger } from './logging';

let app: App;
let store: Store;
let dir: string;
let port: number;
const logLines: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chat-client-errors-'));
  const webRoot = join(dir, 'web');
  mkdirSync(join(webRoot, 'assets'), { recursive: true });
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>Chat</title>');
  // Big enough that the response is still streaming when the client hangs up.
  writeFileSync(join(webRoot, 'assets', 'big-abc.js'), Buffer.alloc(32 * 1024 * 1024, 0x61));
  const config = testConfig(dir);
  store = await openStore(config.databaseUrl);
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  app = createApp({ config, store, logger: createLogger('debug', destination), webRoot });
  port = (await app.listen(0, '127.0.0.1')).port;
});
afterAll(async () => {
  await app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes raw bytes and resolves with everything the server answers before closing. */
function raw(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let reply = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (reply += chunk));
    socket.on('end', () => resolve(reply));
    socket.on('error', reject);
  });
}

function parseReply(reply: string): { status: number; type: string; body: unknown } {
  const [head = '', body = ''] = reply.split('\r\n\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  const type = /content-type: ([^\r\n]+)/i.exec(head)?.[1] ?? '';
  return { status, type, body: JSON.parse(body) as unknown };
}

describe("Node's own refusals carry the contract's error body", () => {
  test('431 for oversized headers', async () => {
    const reply = parseReply(
      await raw(`GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`),
    );
    expect(reply.status).toBe(431);
    expect(reply.type).toMatch(/^application\/json/);
    expect(reply.body).toEqual({
      error: { code: 'invalid_request', message: expect.any(String) as string },
    });
  });

  test('400 for a malformed request', async () => {
    const reply = parseReply(await raw('NOT HTTP AT ALL\r\n\r\n'));
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({
      error: { code: 'invalid_request', message: expect.any(String) as string },
    });
  });
});

test('a client hanging up mid-download leaves at most one JSON log line and nothing on stderr', async () => {
  const stderr = vi.spyOn(console, 'error').mockImplementation(() => {});
  const before = logLines.length;
  try {
    const closed = new Promise<void>((resolve) => {
      app.server.once('request', (_req, res: import('node:http').ServerResponse) =>
        res.once('close', () => resolve()),
      );
    });
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () =>
        socket.write('GET /assets/big-abc.js HTTP/1.1\r\nHost: x\r\n\r\n'),
      );
      socket.once('data', () => {
        socket.destroy();
        resolve();
      });
      socket.on('error', reject);
    });
    await closed;
    // The server has said what it will say once it notes the hang-up (or printed to stderr).
    await expect
      .poll(
        () =>
          stderr.mock.calls.length > 0 ||
          logLines.slice(before).some((line) => line.includes('client went away')),
      )
      .toBe(true);
    const lines = logLines.slice(before);
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    const problems = lines.filter((line) => (JSON.parse(line) as { level: number }).level >= 40);
    expect(problems.length).toBeLessThanOrEqual(1);
    expect(stderr).not.toHaveBeenCalled();
  } finally {
    stderr.mockRestore();
  }
});
