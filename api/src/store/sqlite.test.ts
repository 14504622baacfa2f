import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/api-process';
import { openSqliteStore } from './sqlite';
import { BACKSTOP_AUTOCHECKPOINT_PAGES } from './sqlite/checkpointer';
import type { SqliteStore } from './sqlite';
import { MIGRATIONS, migrate } from './sqlite/migrations';
import { escapeLike } from './sqlite/users';
import { describeStoreContract } from '../../test/store-contract';
import { StoreUnavailable } from './types';
import type { Store } from './types';

const PASSWORD_HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'chat-sqlite-'));
}

const contractDirs = new Map<Store, string>();
describeStoreContract(
  'sqlite',
  async () => {
    const dir = await tempDir();
    const store = openSqliteStore(join(dir, 'chat.db'));
    contractDirs.set(store, dir);
    return store;
  },
  async (store) => {
    const dir = contractDirs.get(store);
    contractDirs.delete(store);
    if (dir) await rm(dir, { recursive: true, force: true });
  },
  (store) => {
    const dir = contractDirs.get(store);
    if (!dir) throw new Error('not a store of this suite');
    return Promise.resolve(openSqliteStore(join(dir, 'chat.db')));
  },
);

describe('sqlite store', () => {
  let dir: string;
  let path: string;
  const opened: SqliteStore[] = [];

  const open = (options?: Parameters<typeof openSqliteStore>[1]) => {
    const store = openSqliteStore(path, options);
    opened.push(store);
    return store;
  };

  async function seed(store: Store) {
    const alice = await store.users.create({
      username: 'alice',
      displayName: 'Alice',
      passwordHash: PASSWORD_HASH,
    });
    const bob = await store.users.create({
      username: 'bob',
      displayName: 'Bob',
      passwordHash: PASSWORD_HASH,
    });
    const { conversation } = await store.conversations.findOrCreateDirect(alice.id, bob.id);
    return { alice, bob, conversation };
  }

  beforeEach(async () => {
    dir = await tempDir();
    path = join(dir, 'chat.db');
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps everything across close and reopen', async () => {
    const first = open();
    const { alice, bob, conversation } = await seed(first);
    const session = await first.sessions.create({
      userId: alice.id,
      refreshExpiresAt: new Date(Date.now() + 60_000),
    });
    const sent = await first.messages.append({
      conversationId: conversation.id,
      senderId: alice.id,
      clientId: 'c1',
      body: 'survives',
    });
    await first.receipts.advance(conversation.id, bob.id, 'read', 1);
    await first.close();

    const second = open();
    expect(await second.users.findById(alice.id)).toEqual(alice);
    expect(await second.sessions.findById(session.id)).toEqual(session);
    expect(await second.messages.list(conversation.id, { limit: 10 })).toEqual([sent.message]);
    const summary = await second.conversations.summaryFor(conversation.id, bob.id);
    expect(summary?.conversation.lastSeq).toBe(1);
    expect(summary?.watermarks).toEqual([
      { userId: alice.id, deliveredSeq: 0, readSeq: 0 },
      { userId: bob.id, deliveredSeq: 1, readSeq: 1 },
    ]);
    // The seq carries on from the file, not from a fresh counter.
    const next = await second.messages.append({
      conversationId: conversation.id,
      senderId: bob.id,
      clientId: 'c2',
      body: 'next',
    });
    expect(next.message.seq).toBe(2);
  });

  it('records each migration once and does not re-run it on reopen', async () => {
    const applied = () => {
      const db = new Database(path, { readonly: true });
      try {
        return db
          .prepare<[], { version: number; name: string; applied_at: number }>(
            'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
          )
          .all();
      } finally {
        db.close();
      }
    };
    await open().close();
    const first = applied();
    expect(first.map((m) => m.version)).toEqual(MIGRATIONS.map((m) => m.version));
    await open().close();
    expect(applied()).toEqual(first);
  });

  it('applies only the new step when a migration is added', async () => {
    await open().close();
    const db = new Database(path);
    try {
      const next = {
        version: (MIGRATIONS.at(-1)?.version ?? 0) + 1,
        name: 'add a test table',
        sql: 'CREATE TABLE later_step (id INTEGER PRIMARY KEY)',
      };
      migrate(db, [...MIGRATIONS, next]);
      migrate(db, [...MIGRATIONS, next]);
      const versions = db
        .prepare<[], { version: number }>('SELECT version FROM schema_migrations ORDER BY version')
        .all()
        .map((r) => r.version);
      expect(versions).toEqual([...MIGRATIONS.map((m) => m.version), next.version]);
      // Now newer than this build: opening refuses with a clear message instead of guessing.
    } finally {
      db.close();
    }
    expect(() => open()).toThrow(/newer than this build/);
  });

  it('keeps empty direct conversations made before they were hidden listed for both members', async () => {
    // A database as the first release left it: schema version 1, one empty direct chat.
    const db = new Database(path);
    try {
      migrate(db, MIGRATIONS.slice(0, 1));
      const now = Date.now();
      for (const id of ['u1', 'u2']) {
        db.prepare(
          `INSERT INTO users (id, username, display_name, display_name_lower, password_hash, created_at)
           VALUES (?, ?, ?, ?, ?, ?)`,
        ).run(id, id, id, id, PASSWORD_HASH, now);
      }
      db.prepare(
        `INSERT INTO conversations (id, type, title, direct_key, created_at, last_seq, last_activity_at)
         VALUES ('c1', 'direct', NULL, '["u1","u2"]', ?, 0, ?)`,
      ).run(now, now);
      db.prepare(
        `INSERT INTO conversation_members (conversation_id, user_id, position)
         VALUES ('c1', 'u1', 0), ('c1', 'u2', 1)`,
      ).run();
    } finally {
      db.close();
    }
    const store = open();
    for (const member of ['u1', 'u2']) {
      const listed = await store.conversations.listForMember(member);
      expect(listed.map((s) => s.conversation.id)).toEqual(['c1']);
    }
  });

  it('rolls back a failing migration step entirely', () => {
    const db = new Database(path);
    try {
      const broken = {
        version: (MIGRATIONS.at(-1)?.version ?? 0) + 1,
        name: 'broken',
        sql: 'CREATE TABLE half_done (id INTEGER); SELECT no_such_function()',
      };
      expect(() => migrate(db, [...MIGRATIONS, broken])).toThrow();
      const tables = db
        .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE name = 'half_done'")
        .all();
      expect(tables).toEqual([]);
      const versions = db
        .prepare<[], { version: number }>('SELECT version FROM schema_migrations')
        .all()
        .map((r) => r.version);
      expect(versions).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      db.close();
    }
  });

  it('runs with WAL, synchronous=FULL, foreign keys and a busy timeout', () => {
    const store = open({ busyTimeoutMs: 1234 });
    const db = store.database;
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // 2 = FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
    // WAL is a property of the file: a plain new connection sees it too.
    const other = new Database(path);
    try {
      expect(other.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      other.close();
    }
  });

  it('writes a burst of appends in one transaction and a lone append right away', async () => {
    const store = open();
    const { alice, conversation } = await seed(store);
    const before = store.groupCommits;
    const burst = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        store.messages.append({
          conversationId: conversation.id,
          senderId: alice.id,
          clientId: `burst-${i}`,
          body: `burst ${i}`,
        }),
      ),
    );
    expect(burst.map((r) => r.message.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(store.groupCommits - before).toBe(1);

    const lone = await store.messages.append({
      conversationId: conversation.id,
      senderId: alice.id,
      clientId: 'lone',
      body: 'lone',
    });
    expect(lone.message.seq).toBe(101);
    expect(store.groupCommits - before).toBe(2);
  });

  it('rejects only the bad append of a batch and stores the rest', async () => {
    const store = open();
    const { alice, conversation } = await seed(store);
    const append = (conversationId: string, clientId: string) =>
      store.messages.append({ conversationId, senderId: alice.id, clientId, body: clientId });
    const results = await Promise.allSettled([
      append(conversation.id, 'a'),
      append('no-such-conversation', 'b'),
      append(conversation.id, 'c'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const stored = await store.messages.list(conversation.id, { limit: 10 });
    expect(stored.map((m) => [m.seq, m.clientId])).toEqual([
      [1, 'a'],
      [2, 'c'],
    ]);
  });

  it('commits messages, receipts and session writes of one moment in one transaction', async () => {
    const store = open();
    const { alice, bob, conversation } = await seed(store);
    const before = store.groupCommits;
    const [first, session, second] = await Promise.all([
      store.messages.append({
        conversationId: conversation.id,
        senderId: alice.id,
        clientId: 'm1',
        body: 'one',
      }),
      store.sessions.create({ userId: bob.id, refreshExpiresAt: new Date(Date.now() + 60_000) }),
      store.messages.append({
        conversationId: conversation.id,
        senderId: alice.id,
        clientId: 'm2',
        body: 'two',
      }),
    ]);
    // Queued after both appends in the same turn, so it sees seq 2 as the newest.
    const [read, rotated, unknown] = await Promise.allSettled([
      store.receipts.advance(conversation.id, bob.id, 'read', 99),
      store.sessions.rotate(session.id, 0, new Date(Date.now() + 60_000)),
      store.receipts.advance('no-such-conversation', bob.id, 'read', 1),
    ]);
    expect([first.message.seq, second.message.seq]).toEqual([1, 2]);
    expect(read).toMatchObject({ status: 'fulfilled', value: { readSeq: 2, deliveredSeq: 2 } });
    expect(rotated).toEqual({ status: 'fulfilled', value: true });
    expect(unknown).toMatchObject({ status: 'fulfilled', value: { moved: false } });
    expect(store.groupCommits - before).toBe(2);
    expect((await store.sessions.findById(session.id))?.refreshGeneration).toBe(1);
  });

  it('fails every write of a group, and acknowledges none, when the database refuses it', async () => {
    const store = open();
    const { alice, bob, conversation } = await seed(store);
    const blocker = new Database(path, { timeout: 0 });
    store.database.pragma('busy_timeout = 0');
    blocker.exec('BEGIN IMMEDIATE');
    try {
      const results = await Promise.allSettled([
        store.messages.append({
          conversationId: conversation.id,
          senderId: alice.id,
          clientId: 'locked',
          body: 'locked',
        }),
        store.sessions.create({ userId: bob.id, refreshExpiresAt: new Date(Date.now() + 60_000) }),
        store.receipts.advance(conversation.id, bob.id, 'read', 1),
      ]);
      for (const result of results) {
        expect(result.status).toBe('rejected');
        expect((result as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailable);
      }
    } finally {
      blocker.exec('ROLLBACK');
      blocker.close();
    }
    expect(await store.messages.list(conversation.id, { limit: 10 })).toEqual([]);
  });

  it('keeps seq gapless when two store instances append into one conversation', async () => {
    const one = open();
    const two = open();
    const { alice, bob, conversation } = await seed(one);
    const rounds = await Promise.all(
      [one, two].flatMap((store, s) =>
        Array.from({ length: 60 }, (_, i) =>
          store.messages.append({
            conversationId: conversation.id,
            senderId: s === 0 ? alice.id : bob.id,
            clientId: `p${s}-${i}`,
            body: `from instance ${s}`,
          }),
        ),
      ),
    );
    const seqs = rounds.map((r) => r.message.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect((await two.conversations.findById(conversation.id))?.lastSeq).toBe(120);
  });

  it('keeps seq gapless when two OS processes append into one conversation', async () => {
    const store = open();
    const { alice, bob, conversation } = await seed(store);
    const fixture = fileURLToPath(new URL('./sqlite/append-worker.fixture.ts', import.meta.url));
    const rounds = 5;
    const perRound = 20;
    const workers = [alice.id, bob.id].map((senderId) =>
      fork(fixture, [path, conversation.id, senderId, String(rounds), String(perRound)], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    const ready = workers.map(
      (worker) => new Promise<void>((resolve) => worker.once('message', () => resolve())),
    );
    const done = workers.map(
      (worker) =>
        new Promise<number[]>((resolve, reject) => {
          worker.on('message', (message: unknown) => {
            if (typeof message === 'object' && message !== null && 'seqs' in message) {
              resolve((message as { seqs: number[] }).seqs);
            }
          });
          worker.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
          worker.once('error', reject);
        }),
    );
    await Promise.all(ready);
    for (const worker of workers) worker.send('go');
    const seqs = (await Promise.all(done)).flat().sort((a, b) => a - b);
    const total = 2 * rounds * perRound;
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const stored = await store.messages.list(conversation.id, { limit: 200 });
    expect(stored.map((m) => m.seq)).toEqual(seqs);
  }, 60_000);

  it('rejects appends on a read-only file with StoreUnavailable and stores nothing', async () => {
    const writer = open();
    const { alice, conversation } = await seed(writer);
    await writer.close();
    await chmod(path, 0o444);
    // root ignores file modes, so also ask SQLite for a read-only connection there.
    const runningAsRoot = process.getuid?.() === 0;
    const reader = open({ readonly: runningAsRoot });
    const attempts = await Promise.allSettled([
      reader.messages.append({
        conversationId: conversation.id,
        senderId: alice.id,
        clientId: 'ro-1',
        body: 'lost?',
      }),
      reader.messages.append({
        conversationId: conversation.id,
        senderId: alice.id,
        clientId: 'ro-2',
        body: 'lost?',
      }),
    ]);
    for (const attempt of attempts) {
      expect(attempt.status).toBe('rejected');
      if (attempt.status === 'rejected') expect(attempt.reason).toBeInstanceOf(StoreUnavailable);
    }
    await expect(
      reader.users.create({ username: 'carol', displayName: 'Carol', passwordHash: PASSWORD_HASH }),
    ).rejects.toBeInstanceOf(StoreUnavailable);
    // Reads still work, and show nothing was stored.
    expect(await reader.messages.list(conversation.id, { limit: 10 })).toEqual([]);
    expect((await reader.conversations.findById(conversation.id))?.lastSeq).toBe(0);
    await reader.close();
    await chmod(path, 0o644);
  });

  it('rejects appends with StoreUnavailable while another process holds the write lock', async () => {
    const store = open({ busyTimeoutMs: 50 });
    const { alice, conversation } = await seed(store);
    const other = new Database(path);
    try {
      other.prepare('BEGIN IMMEDIATE').run();
      // A whole batch waits on the lock; when its transaction fails, every append in it
      // is rejected, none is acknowledged.
      const blocked = await Promise.allSettled(
        ['blocked', 'also-blocked', 'third'].map((clientId) =>
          store.messages.append({
            conversationId: conversation.id,
            senderId: alice.id,
            clientId,
            body: 'waits',
          }),
        ),
      );
      expect(store.groupCommits).toBe(0);
      for (const result of blocked) {
        expect(result.status).toBe('rejected');
        if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(StoreUnavailable);
      }
      other.prepare('ROLLBACK').run();
    } finally {
      other.close();
    }
    expect(await store.messages.list(conversation.id, { limit: 10 })).toEqual([]);
    // The same clientId goes through once the lock is gone: the retry loses nothing.
    const retried = await store.messages.append({
      conversationId: conversation.id,
      senderId: alice.id,
      clientId: 'blocked',
      body: 'waits',
    });
    expect(retried).toMatchObject({ created: true, message: { seq: 1 } });
  });

  describe('WAL checkpoints off the event loop', () => {
    async function appendMany(store: SqliteStore, count: number) {
      const { alice, conversation } = await seed(store);
      await Promise.all(
        Array.from({ length: count }, (_, i) =>
          store.messages.append({
            conversationId: conversation.id,
            senderId: alice.id,
            clientId: `wal-${i}`,
            body: `message ${i} `.repeat(20),
          }),
        ),
      );
      return conversation;
    }

    /** Resolves once the worker reports a WAL whose every frame is in the database file. */
    function fullCheckpoint(store: SqliteStore) {
      return waitFor(
        () => {
          const s = store.checkpoints;
          return s && s.walFrames > 0 && s.checkpointedFrames === s.walFrames ? s : undefined;
        },
        {
          timeoutMs: 10_000,
          what: () => `a full checkpoint (${JSON.stringify(store.checkpoints)})`,
        },
      );
    }

    /** Messages in a database file read on its own (a copy has no WAL beside it). */
    function messagesInFile(file: string): number {
      const alone = new Database(file, { readonly: true });
      try {
        return alone.prepare<[], { n: number }>('SELECT count(*) AS n FROM messages').get()?.n ?? 0;
      } finally {
        alone.close();
      }
    }

    it('copies committed messages into the database file from its own thread', async () => {
      const store = open();
      expect(store.database.pragma('wal_autocheckpoint', { simple: true })).toBe(
        BACKSTOP_AUTOCHECKPOINT_PAGES,
      );
      await appendMany(store, 500);
      // The database file alone, without its WAL, comes to hold every message. Waited for
      // as such: the worker's report of a full checkpoint can be one about the WAL before
      // the appends (the seed's), read by the loop only after them.
      const copy = join(dir, 'copy.db');
      const inFile = await waitFor(
        async () => {
          await copyFile(path, copy);
          try {
            const n = messagesInFile(copy);
            return n === 500 ? n : undefined;
          } catch {
            return undefined; // Copied halfway through a checkpoint's writes.
          }
        },
        {
          timeoutMs: 10_000,
          what: () => `every message in the file (${JSON.stringify(store.checkpoints)})`,
        },
      );
      expect(inFile).toBe(500);
      // The writer never checkpointed (its threshold is far above this WAL), so the
      // worker did.
      const stats = store.checkpoints;
      expect(stats?.running).toBe(true);
      expect(stats?.runs).toBeGreaterThan(0);
      expect(stats?.lastError).toBeNull();
      expect(stats?.walFrames).toBeLessThan(BACKSTOP_AUTOCHECKPOINT_PAGES);
    });

    it('starts the WAL over once everything in it is checkpointed', async () => {
      const store = open();
      await appendMany(store, 500);
      const full = (await fullCheckpoint(store)).walFrames;
      // The next write transaction restarts the WAL from its first frame, so the worker
      // soon reports a WAL far shorter than before instead of one that keeps growing.
      await store.users.create({
        username: 'carol',
        displayName: 'Carol',
        passwordHash: PASSWORD_HASH,
      });
      const restarted = await waitFor(
        () => {
          const s = store.checkpoints;
          return s && s.walFrames < full ? s.walFrames : undefined;
        },
        // The worker's next pass may wait behind a busy machine: allow it most of the test's time.
        { timeoutMs: 25_000, what: () => `a restarted WAL (${JSON.stringify(store.checkpoints)})` },
      );
      expect(restarted).toBeLessThan(full);
    });

    it('stops the thread on close, so the last connection folds the WAL in and removes it', async () => {
      const store = open();
      await appendMany(store, 50);
      await store.close();
      expect(store.checkpoints?.running).toBe(false);
      expect(existsSync(`${path}-wal`)).toBe(false);
      expect(messagesInFile(path)).toBe(50);
    });

    it('has no checkpointer on a read-only store', async () => {
      const writer = open();
      await appendMany(writer, 5);
      await writer.close();
      const reader = open({ readonly: true });
      expect(reader.checkpoints).toBeNull();
    });
  });

  it('refuses to open a file that is not a database with StoreUnavailable', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path, 'this is not a database, just text that is long enough'.repeat(20));
    expect(() => open()).toThrow(StoreUnavailable);
  });
});

describe('escapeLike', () => {
  it('makes LIKE wildcards and the escape character literal', () => {
    expect(escapeLike('50%_off\\')).toBe('50\\%\\_off\\\\');
    expect(escapeLike('plain')).toBe('plain');
  });
});
