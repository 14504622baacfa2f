import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { waitFor } from '../test/api-process';
import { photoJpeg } from '../test/images';

/** Images at nice 10 wait for spare CPU: a busy test machine makes these slow, not wrong. */
const SLOW_MS = 90_000;

const API_DIR = resolve(import.meta.dirname, '..');
// Inside api/ (ignored by git as dist/), so the bundle's package imports resolve from the
// repository's node_modules exactly as api/dist/main.js's do.
const outDir = join(API_DIR, 'dist', `build-test-${process.pid}`);
let dataDir: string;
/** Every built API a test started, stopped in afterAll should its test not get there. */
const started: ChildProcess[] = [];

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
  // A test that timed out never reached its own kill: no built API (and its image
  // process) may outlive the run.
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  rmSync(outDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

/** Whether a process exists and is not a zombie waiting to be reaped (Linux). */
function alive(pid: number): boolean {
  if (!existsSync(`/proc/${pid}/stat`)) return false;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(') ') + 2, stat.lastIndexOf(') ') + 3) !== 'Z';
}

/** The processes `pid` started that run the image compressor (Linux). */
function imageProcesses(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`)
    .flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean),
    )
    .map(Number)
    .filter((child) => {
      try {
        return readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('image-worker.mjs');
      } catch {
        return false;
      }
    });
}

describe('the production build (npm run build -w @chat/api)', () => {
  test('is one module plus the three worker threads and the image process beside it', () => {
    for (const file of [
      'main.js',
      'hash-worker.mjs',
      'checkpoint-worker.mjs',
      'search-worker.mjs',
      'image-worker.mjs',
    ]) {
      expect(existsSync(join(outDir, file)), file).toBe(true);
    }
  });

  test(
    'starts with plain node (no TypeScript loader), answers health, hashes a password, compresses an image and stops on SIGTERM, ending its image process',
    async () => {
      const api = startBuilt('sigterm.sqlite');
      let imageChildren: number[] = [];
      try {
        const base = await api.listening;
        const health = await fetch(`${base}/api/health`);
        expect(health.status).toBe(200);
        expect(await health.json()).toEqual({ status: 'ok' });
        expect((await fetch(`${base}/api/health/ready`)).status).toBe(200);
        // Registration hashes in the worker thread copied beside the bundle; the image is
        // compressed by the child process started from beside it.
        await uploadImage(base);
        if (process.platform === 'linux') {
          imageChildren = imageProcesses(api.child.pid ?? 0);
          expect(imageChildren).toHaveLength(1);
        }
      } finally {
        api.child.kill('SIGTERM');
      }
      expect(await api.exited, api.output()).toBe(0);
      // No orphan: the shutdown ended the image process before the API exited.
      for (const pid of imageChildren) expect(alive(pid), `image process ${pid}`).toBe(false);
    },
    SLOW_MS,
  );

  test.runIf(process.platform === 'linux')(
    'an API killed with SIGKILL leaves no image process behind',
    async () => {
      const api = startBuilt('sigkill.sqlite');
      let imageChildren: number[] = [];
      try {
        await uploadImage(await api.listening);
        imageChildren = imageProcesses(api.child.pid ?? 0);
        expect(imageChildren).toHaveLength(1);
      } finally {
        api.child.kill('SIGKILL');
      }
      await api.exited;
      // Its channel to the API closed: the image process ends itself.
      await waitFor(() => (imageChildren.some(alive) ? undefined : true), {
        timeoutMs: 10_000,
        what: () => `image processes ${imageChildren.join(', ')} to end`,
      });
    },
    SLOW_MS,
  );
});

/** The built API on a free port with its own SQLite file in the test's data folder. */
function startBuilt(databaseFile: string) {
  const child = spawn(process.execPath, [join(outDir, 'main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      DATABASE_URL: `sqlite:${join(dataDir, databaseFile)}`,
      ARGON2_MEMORY_KIB: '256',
      ARGON2_TIME_COST: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const listening = waitFor(() => /API listening on http:\/\/[\d.]+:(\d+)/.exec(output)?.[1], {
    timeoutMs: 30_000,
    what: () => `the built API to listen; output:\n${output}`,
    gone: child,
  }).then((port) => `http://127.0.0.1:${port}`);
  return { child, exited, listening, output: () => output };
}

/** Registers a user and uploads a photo as them: 201, compressed to WebP with a thumbnail. */
async function uploadImage(base: string): Promise<void> {
  const register = await fetch(`${base}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'built_user', password: 'password-123' }),
  });
  expect(register.status, await register.clone().text()).toBe(201);
  const { accessToken } = (await register.json()) as { accessToken: string };
  const form = new FormData();
  form.append('file', new Blob([await photoJpeg(1200, 900)]), 'photo.jpg');
  const upload = await fetch(`${base}/api/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}` },
    body: form,
  });
  expect(upload.status, await upload.clone().text()).toBe(201);
  expect(await upload.json()).toMatchObject({
    contentType: 'image/webp',
    width: 1200,
    height: 900,
    thumbnail: true,
  });
}
