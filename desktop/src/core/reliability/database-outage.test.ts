/**
 * The database refuses writes (another connection holds `BEGIN EXCLUSIVE` on the SQLite
 * file, as a backup tool or a stuck process would). The API must answer with a clear,
 * generic error (503 unavailable: try again) and acknowledge nothing it did not store; the client outbox keeps the
 * messages and delivers each exactly once when the database is back.
 *
 * (A read-only file would be the other way to refuse writes, but tests run as root in CI,
 * and root ignores file modes.)
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectSocket,
  emitWithAck,
  EventLog,
  openSqliteStore,
  RestClient,
  startTestApi,
  type ChatClientSocket,
  type SqliteStore,
  type TestApi,
} from '@chat/api/testing';
import { makeClient, signUp, unwrap, type TestClient } from '../testing/harness';

const UNAVAILABLE = 'A service the API depends on cannot be reached right now. Try again shortly.';

let api: TestApi<SqliteStore>;
let store: SqliteStore;
let url: string;
let locker: Database.Database;

/** Holds the write lock until `release()`. */
function lockWrites(): { release(): void } {
  locker.exec('BEGIN EXCLUSIVE');
  return { release: () => locker.exec('ROLLBACK') };
}

beforeAll(async () => {
  api = await startTestApi({
    config: { rateLimits: false },
    // A short busy wait: the default 5 s would only make the test slower, not different.
    openStore: (file) => openSqliteStore(file, { busyTimeoutMs: 100 }),
  });
  store = api.store;
  url = api.url;
  locker = new Database(api.databaseFile, { timeout: 5_000 });
});

afterAll(async () => {
  if (locker.inTransaction) locker.exec('ROLLBACK');
  locker.close();
  await api.close();
});

function messageCount(conversationId: string): number {
  return (
    store.database
      .prepare<[string], { n: number }>(
        'SELECT count(*) AS n FROM messages WHERE conversation_id = ?',
      )
      .get(conversationId)?.n ?? -1
  );
}

describe('the database refuses writes', () => {
  let alice: TestClient;
  let bob: TestClient;
  let aliceId: string;
  let conversationId: string;

  beforeAll(async () => {
    alice = makeClient({ ackTimeoutMs: 3_000 });
    bob = makeClient();
    aliceId = await signUp(alice, url);
    const bobId = await signUp(bob, url);
    conversationId = unwrap(await alice.client.openDirect({ userId: bobId })).id;
    // An empty direct conversation reaches Bob only with its first message: he opens it too.
    unwrap(await bob.client.openDirect({ userId: aliceId }));
  });

  afterAll(() => {
    alice.client.close();
    bob.client.close();
  });

  it('REST and socket sends get a generic 503 unavailable, nothing is stored or announced', async () => {
    const http = new RestClient(url);
    const auth = unwrap(await alice.client.getSession());
    expect(auth).not.toBeNull();
    // A raw session of its own, so the assertions see the wire format.
    const login = await http.post<{ accessToken: string }>('/api/auth/register', {
      body: { username: `raw_${Date.now()}`, password: 'correct horse battery' },
    });
    const bobSession = unwrap(await bob.client.getSession());
    const raw = login.body.accessToken;
    const group = await http.post<{ id: string }>('/api/conversations', {
      token: raw,
      body: { type: 'group', title: 'Outage', memberIds: [bobSession?.user.id] },
    });
    const socket: ChatClientSocket = await connectSocket(url, raw);
    const before = messageCount(group.body.id);

    const lock = lockWrites();
    try {
      const clientId = randomUUID();
      const rest = await http.post(`/api/conversations/${group.body.id}/messages`, {
        token: raw,
        body: { clientId, body: 'during the outage' },
      });
      // Unavailable, not a bug: the client may send again (same clientId) shortly.
      expect(rest.status).toBe(503);
      expect(rest.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(rest.body).toEqual({ error: { code: 'unavailable', message: UNAVAILABLE } });
      expect(JSON.stringify(rest.body)).not.toMatch(/sqlite|busy|locked/i);

      const ack = await emitWithAck(socket, 'message:send', {
        conversationId: group.body.id,
        clientId,
        body: 'during the outage',
      });
      expect(ack).toEqual({ ok: false, error: { code: 'unavailable', message: UNAVAILABLE } });
      // Reads still work while writes are refused (WAL readers are not blocked).
      const history = await http.get(`/api/conversations/${group.body.id}/messages`, {
        token: raw,
      });
      expect(history.status).toBe(200);
      expect(messageCount(group.body.id)).toBe(before);
    } finally {
      lock.release();
    }

    // Back: the same clientId is stored once, now.
    const newMessages = new EventLog(socket, 'message:new');
    const retry = await emitWithAck(socket, 'message:send', {
      conversationId: group.body.id,
      clientId: 'after-outage',
      body: 'after the outage',
    });
    expect(retry).toMatchObject({ ok: true, message: { seq: before + 1 } });
    expect(messageCount(group.body.id)).toBe(before + 1);
    // The sender's own socket gets the ack, never a message:new for it.
    expect(newMessages.events).toEqual([]);
    socket.disconnect();
  });

  it('the client outbox keeps what was written during the outage and delivers it once, in order', async () => {
    // Sends as the server receives them from Alice, to wait for refused attempts by.
    let attempts = 0;
    const count = (event: string) => {
      if (event === 'message:send') attempts += 1;
    };
    const alices = [...api.app.io.of('/').sockets.values()].filter(
      (s) => s.data.userId === aliceId,
    );
    for (const socket of alices) socket.onAny(count);
    const lock = lockWrites();
    const clientIds: string[] = [];
    try {
      for (let i = 1; i <= 5; i++) {
        const sent = unwrap(
          await alice.client.sendMessage({ conversationId, body: `outage ${i}` }),
        );
        clientIds.push(sent.clientId);
      }
      // Several attempts are refused while the lock is held (one in flight per
      // conversation: the seventh arrives once six were refused); nothing gets a seq.
      await alice.until(() => attempts >= 7, 'seven attempts during the outage', 20_000);
      for (const socket of alices) socket.offAny(count);
      expect(alice.outboxStorage.snapshot()).toHaveLength(5);
      expect(messageCount(conversationId)).toBe(0);
      const failed = alice.events.filter(
        (e) => e.type === 'message' && e.message.state === 'failed',
      );
      // A database outage is not the message's fault: it stays pending, never "failed".
      expect(failed).toEqual([]);
    } finally {
      lock.release();
    }

    await alice.until(
      () => alice.outboxStorage.snapshot().length === 0,
      'the outbox drains after the outage',
      20_000,
    );
    const rows = store.database
      .prepare<[string], { seq: number; client_id: string; sender_id: string; body: string }>(
        'SELECT seq, client_id, sender_id, body FROM messages WHERE conversation_id = ? ORDER BY seq',
      )
      .all(conversationId);
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(rows.map((r) => r.client_id)).toEqual(clientIds);
    expect(rows.map((r) => r.body)).toEqual([1, 2, 3, 4, 5].map((i) => `outage ${i}`));
    expect(new Set(rows.map((r) => r.sender_id))).toEqual(new Set([aliceId]));
    // And Bob sees exactly those five.
    await bob.until(
      () =>
        new Set(
          bob.events.flatMap((e) =>
            e.type === 'message' && e.message.conversationId === conversationId && e.message.seq
              ? [e.message.seq]
              : [],
          ),
        ).size === 5,
      'bob receives the five messages',
    );
  });
});
