import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { searchTerms } from './search-terms';
import { openSqliteStore, type SqliteStore } from './sqlite';
import { TURN_HOLDER, TURN_THREAD, TURN_WANTED, createWriteTurn } from './sqlite/write-turn';

/**
 * The search index merged by the checkpointer's thread (search-merge.ts) under the write
 * turn shared with the event loop (write-turn.ts): real files, a real thread.
 */

let dir: string;
let path: string;
const opened: SqliteStore[] = [];
const open = () => {
  const store = openSqliteStore(path);
  opened.push(store);
  return store;
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chat-search-merge-'));
  path = join(dir, 'chat.db');
});
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  await rm(dir, { recursive: true, force: true });
});

const automerge = (db: Database.Database) =>
  db.prepare("SELECT v FROM messages_fts_config WHERE k = 'automerge'").pluck().get();
const segments = (db: Database.Database) =>
  db.prepare('SELECT count(DISTINCT segid) FROM messages_fts_idx').pluck().get() as number;
const integrityCheck = (db: Database.Database) =>
  db.exec("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)");

/** Appends `count` messages, `perCommit` at a time (each batch a group commit of its own). */
async function send(store: SqliteStore, count: number, perCommit: number) {
  const alice = await store.users.create({
    username: `a${randomUUID().slice(0, 8)}`,
    displayName: 'A',
    passwordHash: 'x',
  });
  const bob = await store.users.create({
    username: `b${randomUUID().slice(0, 8)}`,
    displayName: 'B',
    passwordHash: 'x',
  });
  const { conversation } = await store.conversations.findOrCreateDirect(alice.id, bob.id);
  for (let sent = 0; sent < count; sent += perCommit) {
    await Promise.all(
      Array.from({ length: Math.min(perCommit, count - sent) }, (_, i) =>
        store.messages.append({
          conversationId: conversation.id,
          senderId: alice.id,
          clientId: randomUUID(),
          body: `harbour message ${sent + i}`,
        }),
      ),
    );
  }
  return alice;
}

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('search index merging on the checkpointer thread', () => {
  it('turns automerge off and merges the segments off the event loop, never making it wait in the busy handler', async () => {
    const store = open();
    expect(automerge(store.database)).toBe(0);
    const alice = await send(store, 6_000, 100);
    await until(() => (store.checkpoints?.mergeSteps ?? 0) > 0);
    // Merged down: 60 commits each wrote a segment, the thread merges them (usermerge 4).
    await until(() => segments(store.database) < 20);
    expect(store.checkpoints?.lastError).toBeNull();
    expect(store.writeTurn.waits).toBe(0);
    expect(store.writeTurn.timeouts).toBe(0);
    const found = await store.messages.search({
      userId: alice.id,
      terms: searchTerms('harbour'),
      limit: 50,
    });
    expect(found).toHaveLength(50);
    integrityCheck(store.database);
  });

  it('closes cleanly while merging, and the file is whole', async () => {
    const store = open();
    await send(store, 4_000, 100);
    await until(() => (store.checkpoints?.mergeSteps ?? 0) > 0);
    await store.close();
    expect(store.checkpoints?.running).toBe(false);
    const db = new Database(path);
    try {
      integrityCheck(db);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
    // Opened again, the thread takes up the merging where it was left.
    const again = open();
    const alice = await send(again, 200, 100);
    const found = await again.messages.search({
      userId: alice.id,
      terms: searchTerms('harbour'),
      limit: 10,
    });
    expect(found).toHaveLength(10);
    integrityCheck(again.database);
  });

  it('leaves automerge as it is on an in-memory store (no thread to merge)', () => {
    const store = openSqliteStore(':memory:');
    opened.push(store);
    expect(store.checkpoints).toBeNull();
    expect(automerge(store.database)).toBeUndefined();
  });
});

describe('write turn', () => {
  it('runs work at once when the turn is free, and after the step when the thread holds it', async () => {
    const turn = createWriteTurn();
    const slots = new Int32Array(turn.buffer);
    expect(turn.later(() => Atomics.load(slots, TURN_HOLDER))).toBe(1);
    expect(Atomics.load(slots, TURN_HOLDER)).toBe(0);
    Atomics.store(slots, TURN_HOLDER, TURN_THREAD);
    const done = turn.later(() => Atomics.load(slots, TURN_HOLDER));
    expect(done).toBeInstanceOf(Promise);
    // The thread is kept from starting another step until the loop has written.
    expect(Atomics.load(slots, TURN_WANTED)).toBe(1);
    setTimeout(() => {
      Atomics.store(slots, TURN_HOLDER, 0);
      Atomics.notify(slots, TURN_HOLDER);
    }, 30);
    expect(await done).toBe(1);
    expect(Atomics.load(slots, TURN_WANTED)).toBe(0);
    expect(Atomics.load(slots, TURN_HOLDER)).toBe(0);
    expect(turn.stats.deferrals).toBe(1);
    expect(turn.stats.waits).toBe(0);
  });

  it('writes anyway after waiting its longest for a thread that never lets go', () => {
    const turn = createWriteTurn();
    const slots = new Int32Array(turn.buffer);
    Atomics.store(slots, TURN_HOLDER, TURN_THREAD);
    expect(turn.hold(() => 'written')).toBe('written');
    expect(turn.stats.timeouts).toBe(1);
    // Not its turn to give back.
    expect(Atomics.load(slots, TURN_HOLDER)).toBe(TURN_THREAD);
  });

  it('is reentrant', () => {
    const turn = createWriteTurn();
    expect(turn.hold(() => turn.hold(() => 2))).toBe(2);
    expect(Atomics.load(new Int32Array(turn.buffer), TURN_HOLDER)).toBe(0);
  });
});
