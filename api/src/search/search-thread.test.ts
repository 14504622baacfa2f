import { createHook } from 'node:async_hooks';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  errorOf,
  lockSearchFile,
  openDirect,
  postMessage,
  registerUser,
  SCHED_IDLE,
  startTestApi,
  threadPolicies,
  type TestApi,
} from '../../test/helpers';
import { aliceAndBobSearching, watchedSqliteStore } from '../../test/fixtures';
import { openSqliteStore, type SqliteStore } from '../store/sqlite';
import { searchTerms } from '../store/search-terms';
import { StoreUnavailable } from '../store/types';

/**
 * The search index's thread (search-file.ts) fails for real here: another connection holds
 * the search file's write lock, so the thread's next step gives up after the busy timeout
 * with SQLITE_BUSY and the thread ends, as it would on SQLITE_FULL or an I/O error. The
 * store starts it again after a pause; meanwhile a search waits for it or fails, and never
 * answers from an index that may lack acknowledged messages.
 */

let dir: string;
let store: SqliteStore | undefined;
let lock: { release(): void } | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chat-search-thread-'));
});
afterEach(async () => {
  lock?.release();
  lock = undefined;
  await store?.close();
  store = undefined;
  await rm(dir, { recursive: true, force: true });
});

const path = () => join(dir, 'chat.db');

/** Takes the search file's write lock (see the helper), released after each test. */
function lockSearch(file: string): { release(): void } {
  lock = lockSearchFile(file);
  return lock;
}

/** A store with a short busy timeout whose thread failures arrive in order, as promises. */
function openWatched() {
  const watched = watchedSqliteStore(path(), 200);
  store = watched.store;
  return watched;
}

describe("the search index's thread", () => {
  it.runIf(process.platform === 'linux')(
    'indexes under SCHED_IDLE, leaving the event loop thread under the normal policy',
    async () => {
      const before = threadPolicies().filter((p) => p === SCHED_IDLE).length;
      const { store: opened } = openWatched();
      const { send, found } = await aliceAndBobSearching(opened);
      await send('an idle thread indexed this');
      // The thread lowers its priority before its first step, and a search waits for one.
      expect(await found('idle')).toEqual(['an idle thread indexed this']);
      const after = threadPolicies();
      expect(after.filter((p) => p === SCHED_IDLE).length).toBe(before + 1);
      expect(after[0]).toBe(0);
    },
  );

  it('is started again after a failure: the backfill completes and a search waiting meanwhile finds the message sent', async () => {
    const first = openSqliteStore(path());
    const before = await aliceAndBobSearching(first);
    for (let i = 0; i < 5; i++) await before.send(`beacon ${i}`);
    await first.close();
    // The next opening backfills these five, with a thread that fails before it can.
    await rm(`${path()}.search`);
    const watched = openWatched();
    const held = lockSearch(path());
    const { send, found } = await aliceAndBobSearching(watched.store);
    await send('while failing');
    const waiting = found('failing');

    const failure = await watched.failure(1);
    expect(failure?.error).toMatch(/locked|busy/i);
    expect(failure?.restartInMs).toBe(1_000);
    expect(watched.store.searchThread?.running).toBe(false);
    held.release();

    // Asked again of the next thread, not failed, not answered from the stale index.
    expect(await waiting).toEqual(['while failing']);
    await watched.store.searchIndexed;
    expect(await found('beacon')).toEqual([4, 3, 2, 1, 0].map((i) => `beacon ${i}`));
    expect(watched.store.searchThread).toMatchObject({ running: true, failures: 1 });
    expect(watched.store.searchThread?.lastError).toMatch(/locked|busy/i);
  });

  it('closes during the pause before a restart with no timer left, failing the waiting search', async () => {
    const live = new Set<number>();
    const hook = createHook({
      init(asyncId, type) {
        if (type !== 'Timeout') return;
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 50;
        const stack = new Error().stack ?? '';
        Error.stackTraceLimit = limit;
        if (stack.includes('search-file')) live.add(asyncId);
      },
      destroy(asyncId) {
        live.delete(asyncId);
      },
    }).enable();
    try {
      const watched = openWatched();
      const { send, found } = await aliceAndBobSearching(watched.store);
      await send('first');
      expect(await found('first')).toEqual(['first']);
      lockSearch(path());
      await send('second');
      const waiting = found('second');
      waiting.catch(() => undefined);
      await watched.failure(1);
      // The restart's timer and the search's deadline run now.
      expect(live.size).toBeGreaterThanOrEqual(2);

      await watched.store.close();
      await expect(waiting).rejects.toBeInstanceOf(StoreUnavailable);
      expect(watched.store.searchThread).toMatchObject({ running: false, failures: 1 });
      // Destroy hooks run a little after clearTimeout; the restart was due a second later.
      const until = Date.now() + 500;
      while (live.size > 0 && Date.now() < until) await new Promise((r) => setImmediate(r));
      expect(live.size).toBe(0);
    } finally {
      hook.disable();
    }
  });
});

describe('GET /api/search while the thread cannot come back', () => {
  let api: TestApi<SqliteStore>;
  afterEach(async () => {
    lock?.release();
    lock = undefined;
    await api.close();
  });

  it('answers 503 unavailable, not a page without the new message', async () => {
    api = await startTestApi<SqliteStore>({
      config: { rateLimits: false },
      openStore: (file) => openSqliteStore(file, { busyTimeoutMs: 200 }),
    });
    const [ann, ben] = await Promise.all([registerUser(api), registerUser(api)]);
    const direct = await openDirect(api, ann.accessToken, ben.user.id);
    await postMessage(api, ben.accessToken, direct.id, 'harbour one');
    const search = () =>
      api.http.get('/api/search', { token: ann.accessToken, query: { q: 'harbour' } });
    expect((await search()).status).toBe(200);

    // Held for good: every thread started fails at its first step.
    lockSearch(api.databaseFile);
    await postMessage(api, ben.accessToken, direct.id, 'harbour two');
    const response = await search();
    expect(response.status).toBe(503);
    expect(errorOf(response).code).toBe('unavailable');
    expect(response.headers.get('retry-after')).toBe('5');
    expect(api.store.searchThread?.failures).toBeGreaterThanOrEqual(1);
    await expect(
      api.store.messages.search({ userId: ann.user.id, terms: searchTerms('harbour'), limit: 10 }),
    ).rejects.toBeInstanceOf(StoreUnavailable);
  });
});
