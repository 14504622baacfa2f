import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawnApi, type ApiProcess } from '../test/api-process';
import { login, registerUser } from '../test/helpers';

/**
 * Password hashing and WAL checkpoints run on worker threads. Node gives a worker its
 * parent's flags unless told otherwise, and a TypeScript preload (a probe, a profiler
 * hook) cannot load in a worker that has no TypeScript loader: every login then failed
 * with a 500. The workers are plain JavaScript started without the parent's flags.
 */
describe('worker threads under an API started with extra Node flags', () => {
  let api: ApiProcess;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chat-workers-'));
    api = await spawnApi(
      { DATABASE_URL: `sqlite:${join(dir, 'chat.sqlite')}`, JWT_SECRET: 'w'.repeat(48) },
      { nodeArgs: ['--import', './api/test/preload-marker.ts'] },
    );
  });

  afterAll(async () => {
    api.kill('SIGTERM');
    await api.exited;
    await rm(dir, { recursive: true, force: true });
  });

  test('registers and logs in: the hashing thread starts', async () => {
    const user = await registerUser(api);
    const session = await login(api, user.user.username, user.password);
    expect(session.user.id).toBe(user.user.id);
    expect(api.output()).not.toMatch(/ERR_UNKNOWN_FILE_EXTENSION|request failed/);
  });
});
