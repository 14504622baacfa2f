import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { AuthResponse } from '@chat/protocol';
import { waitFor } from '../test/api-process';
import { damageSearchFile } from '../test/helpers';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chat-main-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill: (signal: NodeJS.Signals) => void;
}

const unix = process.platform !== 'win32';

function run(
  command: string,
  args: string[],
  env: Record<string, string>,
  options: { processGroup?: boolean } = {},
): Run {
  const group = options.processGroup === true;
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    detached: group,
    env: { ...process.env, NODE_ENV: '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.on('exit', (code, signal) => done({ code, signal }));
  });
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    kill: (signal) => {
      if (child.pid === undefined) return;
      try {
        // A terminal's Ctrl-C, systemd and container runtimes signal the whole group.
        if (group) process.kill(-child.pid, signal);
        else child.kill(signal);
      } catch {
        // Already gone.
      }
    },
  };
}

async function listeningUrl(api: Run): Promise<string> {
  return waitFor(() => /API listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(api.stdout())?.[1], {
    timeoutMs: 20_000,
    what: () => `the API to log its address; it wrote: ${api.stdout()}${api.stderr()}`,
  });
}

/** The API's JSON log lines (pino) so far. */
function logLines(api: Run): Record<string, unknown>[] {
  return api
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function logged(api: Run, msg: string): Promise<Record<string, unknown>> {
  return waitFor(() => logLines(api).find((line) => line.msg === msg), {
    timeoutMs: 20_000,
    what: () => `the API to log "${msg}"; it wrote: ${api.stdout()}${api.stderr()}`,
  });
}

describe('npm run api', () => {
  test.runIf(unix)(
    'starts, logs its address, serves, and stops cleanly when its process group gets SIGTERM',
    async () => {
      const api = run(
        'npm',
        ['run', '--silent', 'api'],
        { DATABASE_URL: `sqlite:${join(dir, 'chat.sqlite')}`, PORT: '0' },
        { processGroup: true },
      );
      try {
        const url = await listeningUrl(api);
        const health = await fetch(`${url}/api/health`);
        expect(health.status).toBe(200);
        expect(await health.json()).toEqual({ status: 'ok' });
        const started = Date.now();
        api.kill('SIGTERM');
        await api.exited;
        // npm ends by the signal it relays; the API itself logs a clean stop. Its exit
        // code is checked on the bare process below.
        await waitFor(() => (api.stdout().includes('"msg":"stopped"') ? true : undefined), {
          timeoutMs: 5_000,
          what: () => 'the API to log its clean stop',
        });
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(api.stderr()).toBe('');
      } finally {
        api.kill('SIGKILL');
      }
    },
  );

  test('the API process exits 0 within 5 s of SIGTERM, with clients still connected', async () => {
    const api = run(process.execPath, ['--import', 'tsx', 'api/src/main.ts'], {
      DATABASE_URL: `sqlite:${join(dir, 'chat.sqlite')}`,
      PORT: '0',
    });
    const sockets: Socket[] = [];
    try {
      const url = await listeningUrl(api);
      const registered = await fetch(`${url}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'shutdown_test', password: 'password1' }),
      });
      const { accessToken } = AuthResponse.parse(await registered.json());
      const socket = ioClient(url, {
        auth: { token: accessToken },
        transports: ['websocket'],
        reconnection: false,
      });
      sockets.push(socket);
      await new Promise<void>((done, fail) => {
        socket.once('connect', done);
        socket.once('connect_error', fail);
      });
      const started = Date.now();
      api.kill('SIGTERM');
      const exit = await api.exited;
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(api.stdout()).toContain('"msg":"stopped"');
      expect(api.stderr()).toBe('');
      expect(api.stdout()).not.toContain('password1');
      expect(api.stdout()).not.toContain(accessToken);
    } finally {
      for (const socket of sockets) socket.disconnect();
      api.kill('SIGKILL');
    }
  });

  test('logs a failure of the search index thread, and a damaged search file moved aside and rebuilt', async () => {
    const database = join(dir, 'chat.sqlite');
    const api = run(process.execPath, ['--import', 'tsx', 'api/src/main.ts'], {
      DATABASE_URL: `sqlite:${database}`,
      PORT: '0',
    });
    try {
      const url = await listeningUrl(api);
      // The thread reads the file at its next poll (a fraction of a second) and fails.
      damageSearchFile(`${database}.search`);

      const failure = await logged(api, 'the search index thread failed; restarting it');
      expect(failure).toMatchObject({ level: 50, restartInMs: 1_000 });
      expect(failure.error, api.stdout() + api.stderr()).toMatch(/not a database|malformed/i);
      const damage = await logged(
        api,
        'the search index file was damaged; moved it aside and rebuilding the index',
      );
      expect(damage).toMatchObject({ level: 50, error: failure.error });
      expect(damage.movedTo).toMatch(/chat\.sqlite\.search\.damaged-[\dTZ-]+Z$/);
      expect(existsSync(String(damage.movedTo))).toBe(true);

      // Serving all along, and search comes back by itself.
      await waitFor(
        async () => {
          const ready = await fetch(`${url}/api/health/ready`);
          const body = (await ready.json()) as { checks?: { search?: { status?: string } } };
          return ready.status === 200 && body.checks?.search?.status === 'ok' ? true : undefined;
        },
        { timeoutMs: 20_000, what: () => 'search to be ok again after the rebuild' },
      );
      api.kill('SIGTERM');
      expect(await api.exited).toEqual({ code: 0, signal: null });
      expect(api.stderr()).toBe('');
    } finally {
      api.kill('SIGKILL');
    }
  });

  test.each([
    ['an invalid PORT', { PORT: 'eighty' }, /^chat-api: configuration error: PORT must be/],
    [
      'a malformed DATABASE_URL',
      { DATABASE_URL: 'postgres://db/chat' },
      /^chat-api: configuration error: DATABASE_URL must be/,
    ],
    ['a short JWT_SECRET', { JWT_SECRET: 'short' }, /^chat-api: configuration error: JWT_SECRET/],
  ])('refuses %s with one line on stderr and exit code 1', async (_name, env, message) => {
    const api = run(process.execPath, ['--import', 'tsx', 'api/src/main.ts'], {
      DATABASE_URL: `sqlite:${join(dir, 'chat.sqlite')}`,
      ...env,
    });
    const exit = await api.exited;
    expect(exit.code).toBe(1);
    expect(api.stderr()).toMatch(message);
    expect(api.stderr().trim().split('\n')).toHaveLength(1);
  });

  test('an unopenable database is one line on stderr and exit code 1', async () => {
    // A folder where the SQLite file should be.
    const api = run(process.execPath, ['--import', 'tsx', 'api/src/main.ts'], {
      DATABASE_URL: `sqlite:${dir}`,
      JWT_SECRET: 'x'.repeat(32),
    });
    const exit = await api.exited;
    expect(exit.code).toBe(1);
    expect(api.stderr()).toMatch(/^chat-api: cannot open the database sqlite:/);
    expect(api.stderr().trim().split('\n')).toHaveLength(1);
  });
});
