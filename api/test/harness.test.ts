import { afterEach, describe, expect, test } from 'vitest';
import { spawnApi, type ApiProcess } from './api-process';
import { startWithDirect } from './fixtures';
import { postMessage, registerUser, startTestApi, type TestApi } from './helpers';

let api: TestApi | ApiProcess | null = null;
afterEach(async () => {
  await api?.close();
  api = null;
});

describe('the in-process API harness', () => {
  test('a restart keeps the port, the data and the signing secret', async () => {
    const started = await startTestApi();
    api = started;
    const before = await registerUser(started);
    await started.stop();
    expect(started.isRunning).toBe(false);
    expect(() => started.app).toThrow('the API is stopped');
    await expect(fetch(`${started.url}/api/health`)).rejects.toThrow();

    await started.start();
    expect(started.isRunning).toBe(true);
    const me = await started.http.get('/api/users/me', { token: before.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toEqual(before.user);
  });

  test('the shared fixture: ann and ben share a direct conversation, eve is outside it', async () => {
    const fixture = await startWithDirect();
    api = fixture.api;
    const sent = await postMessage(fixture.api, fixture.ben.accessToken, fixture.direct.id, 'hi');
    expect(sent.senderId).toBe(fixture.ben.user.id);
    const outsider = await fixture.api.http.get(
      `/api/conversations/${fixture.direct.id}/messages`,
      { token: fixture.eve.accessToken },
    );
    expect(outsider.status).toBe(404);
  });
});

describe('the API process harness', () => {
  test('a restart after kill -9 keeps the port, the data and the signing secret', async () => {
    const started = await spawnApi();
    api = started;
    const before = await registerUser(started);
    const firstPid = started.pid;
    started.kill('SIGKILL');
    await started.exited;
    expect(() => started.pid).toThrow('not running');

    await started.start();
    expect(started.pid).not.toBe(firstPid);
    const me = await started.http.get('/api/users/me', { token: before.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toEqual(before.user);
    // Two cold process starts (TypeScript loader, database, hashing threads): on a busy
    // two-core machine each can take most of the default 30 s.
  }, 120_000);
});
