import { closeSync, existsSync, openSync, readdirSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aliceAndBobSearching, watchedSqliteStore } from '../../test/fixtures';
import { checkpointFile, damageSearchFile, lockSearchFile, writeOver } from '../../test/helpers';
import { openSqliteStore, type SqliteStore } from '../store/sqlite';
import { checkSearchFile } from '../store/sqlite/search-file';
import { StoreUnavailable } from '../store/types';

/**
 * A damaged search file (SQLITE_NOTADB, SQLITE_CORRUPT) heals without a restart: the store
 * moves it aside and builds the index again from the messages while they keep being stored,
 * and searches answer 503 meanwhile, never a part of the messages. The files are damaged for
 * real here, by writing over their bytes.
 */

let dir: string;
let store: SqliteStore | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chat-search-damage-'));
});
let lock: { release(): void } | undefined;
/** A second store on the same file, where a test opens one. */
let other: SqliteStore | undefined;
afterEach(async () => {
  lock?.release();
  await store?.close();
  await other?.close();
  store = undefined;
  other = undefined;
  await rm(dir, { recursive: true, force: true });
});

const path = () => join(dir, 'chat.db');
const searchPath = () => `${path()}.search`;

/**
 * Writes garbage over the pages of the search file's index, keeping the header, the schema
 * and the marks' page: a thread with nothing to index reads only those, a search the rest.
 */
function writeOverIndexPages(file: string): void {
  const db = new Database(file, { readonly: true });
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pages = db.pragma('page_count', { simple: true }) as number;
  const marks = db
    .prepare<[], number>("SELECT rootpage FROM sqlite_schema WHERE name = 'search_state'")
    .pluck(true)
    .get();
  db.close();
  const fd = openSync(file, 'r+');
  try {
    for (let page = 2; page <= pages; page++) {
      if (page !== marks)
        writeSync(fd, Buffer.alloc(pageSize, 0x5a), 0, pageSize, (page - 1) * pageSize);
    }
  } finally {
    closeSync(fd);
  }
}

/** The names damaged search files were moved to (without their WALs). */
const movedAside = () =>
  readdirSync(dir).filter((name) => /\.search\.damaged-[\dTZ-]+Z$/.test(name));

/** A store whose search failures and damages arrive as promises, closed after the test. */
function openWatched() {
  const watched = watchedSqliteStore(path(), 500);
  store = watched.store;
  return watched;
}

/** A store of `count` messages, closed (so its search file is whole), and their bodies. */
async function storeOf(count: number): Promise<string[]> {
  const first = openSqliteStore(path());
  const { send } = await aliceAndBobSearching(first);
  const bodies = Array.from({ length: count }, (_, i) => `lantern ${i}`);
  for (const body of bodies) await send(body);
  await first.searchIndexed;
  await first.close();
  return bodies.reverse();
}

describe('a damaged search file', () => {
  it('found on opening is moved aside and rebuilt; searches answer 503 until every message is back', async () => {
    const bodies = await storeOf(12);
    writeOver(searchPath());

    const watched = openWatched();
    // Asked before the new thread can have indexed anything: never the part rebuilt so far.
    const early = watched.store.messages.search({ userId: 'x', terms: ['lantern'], limit: 10 });
    const damage = watched.damages[0];
    expect(damage?.error).toMatch(/not a database|malformed/i);
    expect(damage?.movedTo).toMatch(/chat\.db\.search\.damaged-\d{4}-\d\d-\d\dT[\d-]+Z$/);
    expect(existsSync(damage?.movedTo ?? '')).toBe(true);
    expect(watched.store.searchThread).toMatchObject({ rebuilding: true, rebuilds: 1 });
    await expect(early).rejects.toBeInstanceOf(StoreUnavailable);

    const { b, send, found } = await aliceAndBobSearching(watched.store);
    await send('lantern sent meanwhile');
    await watched.store.searchIndexed;
    expect(watched.store.searchThread).toMatchObject({ rebuilding: false, failures: 0 });
    expect(await found('lantern')).toEqual(['lantern sent meanwhile', ...bodies.slice(0, 9)]);
    expect(await found('meanwhile')).toEqual(['lantern sent meanwhile']);
    const all = await watched.store.messages.search({
      userId: b.id,
      terms: ['lantern'],
      limit: 100,
    });
    expect(all).toHaveLength(13);
    checkSearchFile(path());
  });

  it('while the store runs, the thread meets it: moved aside and rebuilt, with the messages sent meanwhile', async () => {
    const bodies = await storeOf(8);
    const watched = openWatched();
    const { send, found } = await aliceAndBobSearching(watched.store);
    await watched.store.searchIndexed;
    expect(await found('lantern')).toEqual(bodies);

    damageSearchFile(searchPath());
    const damage = await watched.damage();

    expect(damage?.error).toMatch(/not a database|malformed/i);
    expect(movedAside()).toHaveLength(1);
    // The thread failed on it (told and logged as a failure), and is started again.
    expect(watched.failures[0]?.error).toBe(damage?.error);
    await send('lantern after the damage');
    await watched.store.searchIndexed;
    expect(await found('lantern')).toEqual(['lantern after the damage', ...bodies]);
    expect(watched.store.searchThread).toMatchObject({
      rebuilding: false,
      rebuilds: 1,
      failures: 1,
      running: true,
    });
    checkSearchFile(path());
  });

  it('damaged while no thread runs: the next thread meets it as it opens, and it is rebuilt', async () => {
    const bodies = await storeOf(5);
    const watched = openWatched();
    const { send, found } = await aliceAndBobSearching(watched.store);
    await watched.store.searchIndexed;
    // The thread fails on the lock (SQLITE_BUSY), and is started again a second later.
    lock = lockSearchFile(path());
    await send('lantern while down');
    expect((await watched.failure(1))?.error).toMatch(/locked|busy/i);
    lock.release();
    damageSearchFile(searchPath());

    const damage = await watched.damage();
    expect(damage?.error).toMatch(/not a database/i);
    expect(watched.failures).toHaveLength(2);
    expect(movedAside()).toHaveLength(1);
    await watched.store.searchIndexed;
    expect(await found('lantern')).toEqual(['lantern while down', ...bodies]);
  });

  it('while the store runs, a search meets it in the index pages: moved aside and rebuilt', async () => {
    const bodies = await storeOf(300);
    const watched = openWatched();
    const { send, found } = await aliceAndBobSearching(watched.store);
    await watched.store.searchIndexed;
    const twentyNines = bodies.filter((b) => b.startsWith('lantern 29')).slice(0, 10);
    expect(await found('lantern 29')).toEqual(twentyNines);

    checkpointFile(searchPath());
    writeOverIndexPages(searchPath());
    const failed = found('lantern 29');
    await expect(failed).rejects.toBeInstanceOf(StoreUnavailable);
    const damage = await watched.damage();

    expect(damage?.error).toMatch(/malformed|corrupt/i);
    expect(movedAside()).toHaveLength(1);
    await send('lantern 29 again');
    await watched.store.searchIndexed;
    expect(await found('lantern 29')).toEqual(['lantern 29 again', ...twentyNines.slice(0, 9)]);
    checkSearchFile(path());
  });

  it('two stores on one file: the first to meet it moves it aside, the other follows to the new file, and neither answers from the old one', async () => {
    const bodies = await storeOf(6);
    const first = openWatched();
    const second = watchedSqliteStore(path(), 500);
    other = second.store;
    const one = await aliceAndBobSearching(first.store);
    const two = await aliceAndBobSearching(second.store);
    await Promise.all([first.store.searchIndexed, second.store.searchIndexed]);
    expect(await two.found('lantern')).toEqual(bodies);

    damageSearchFile(searchPath());
    // Whichever thread meets it first: one damage told, by one store.
    await Promise.race([first.damage(), second.damage()]);
    await two.send('lantern after the damage');

    /**
     * A search through `store` once its index is whole again: 503 until then, and each 503
     * is followed by the rebuild the store reports done (a few at most: the damage, then the
     * new file followed).
     */
    const settled = async (store: SqliteStore, found: (text: string) => Promise<string[]>) => {
      for (let attempt = 0; attempt < 4; attempt++) {
        try {
          return await found('lantern');
        } catch (error) {
          if (!(error instanceof StoreUnavailable)) throw error;
          await store.searchIndexed;
        }
      }
      throw new Error('search still unavailable after the rebuilds the store reported done');
    };
    const expected = ['lantern after the damage', ...bodies];
    expect(await settled(second.store, two.found)).toEqual(expected);
    expect(await settled(first.store, one.found)).toEqual(expected);
    expect(first.damages.length + second.damages.length).toBe(1);
    expect(movedAside()).toHaveLength(1);
    checkSearchFile(path());
  });
});
