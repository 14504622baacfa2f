import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { waitFor } from '../test/api-process';

const API_DIR = resolve(import.meta.dirname, '..');
// Inside api/ (ignored by git as dist/), so the bundle's package imports resolve from the
// repository's node_modules exactly as api/dist/main.js's do.
const outDir = join(API_DIR, 'dist', `build-test-${process.pid}`);
let dataDir: string;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'chat-built-'));
  const build = spawnSync(
    process.execPath,
    [join(API_DIR, 'scripts', 'build.mjs'), '--outdir', outDir],
    {
      encoding: 'utf8',
    },
  );
  expect(build.status, build.stderr).toBe(0);
});
afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the production build (npm run build -w @chat/api)', () => {
  test('is one module plus the two worker threads beside it', () => {
    for (const file of ['main.js', 'hash-worker.mjs', 'checkpoint-worker.mjs']) {
      expect(existsSync(join(outDir, file)), file).toBe(true);
    }
  });

  test('starts with plain node (no TypeScript loader), answers health, hashes a password and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [join(outDir, 'main.js')], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'info',
        DATABASE_URL: `sqlite:${join(dataDir, 'chat.sqlite')}`,
        ARGON2_MEMORY_KIB: '256',
        ARGON2_TIME_COST: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    try {
      const port = await waitFor(() => /API listening on http:\/\/[\d.]+:(\d+)/.exec(output)?.[1], {
        timeoutMs: 30_000,
        what: () => `the built API to listen; output:\n${output}`,
        gone: child,
      });
      const base = `http://127.0.0.1:${port}`;
      const health = await fetch(`${base}/api/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      expect((await fetch(`${base}/api/health/ready`)).status).toBe(200);
      // Registration hashes in the worker thread copied beside the bundle.
      const register = await fetch(`${base}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'built_user', password: 'password-123' }),
      });
      expect(register.status, await register.clone().text()).toBe(201);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, output).toBe(0);
  });
});
