import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalMessage } from '../shared/bridge';
import {
  makeClient,
  signUp,
  startRestartableApi,
  unwrap,
  type RestartableApi,
  type TestClient,
} from './testing/harness';
import { startProxy, type TcpProxy } from './testing/proxy';

/** The latest state of every message this client announced, by key. */
function messagesOf(t: TestClient, conversationId: string): Map<string, LocalMessage> {
  const byKey = new Map<string, LocalMessage>();
  for (const e of t.events) {
    if (e.type === 'message' && e.message.conversationId === conversationId) {
      byKey.set(e.message.key, e.message);
    }
  }
  return byKey;
}

/** What the server holds, as another member sees it (all pages). */
async function serverBodies(t: TestClient, conversationId: string, senderId: string) {
  const page = unwrap(await t.client.loadHistory({ conversationId, limit: 200 }));
  const mine = page.messages.filter((m) => m.senderId === senderId && m.seq !== null);
  return { bodies: mine.map((m) => m.body), clientIds: mine.map((m) => m.clientId) };
}

describe('client core against the real API (network faults through a TCP proxy)', () => {
  let api: RestartableApi;
  let proxy: TcpProxy;
  let alice: TestClient;
  let bob: TestClient;
  let aliceId: string;
  let bobId: string;
  let conversationId: string;

  beforeAll(async () => {
    api = await startRestartableApi();
    proxy = await startProxy(api.port);
    alice = makeClient({ ackTimeoutMs: 2_000 });
    bob = makeClient();
    aliceId = await signUp(alice, proxy.url);
    bobId = await signUp(bob, api.url);
    conversationId = unwrap(await alice.client.openDirect({ userId: bobId })).id;
    // An empty direct conversation reaches Bob only with its first message: he opens it too.
    unwrap(await bob.client.openDirect({ userId: aliceId }));
  });

  afterAll(async () => {
    alice.client.close();
    bob.client.close();
    await proxy.close();
    await api.close();
  });

  it('20 messages written offline are all delivered once, in order, after reconnecting', async () => {
    const mark = alice.events.length;
    proxy.cut();
    await alice.until(
      () =>
        alice.events
          .slice(mark)
          .some((e) => e.type === 'connection' && e.status === 'reconnecting'),
      'alice notices she is offline',
    );
    const clientIds: string[] = [];
    for (let i = 1; i <= 20; i++) {
      const sent = unwrap(await alice.client.sendMessage({ conversationId, body: `offline ${i}` }));
      expect(sent.message.state).toBe('pending');
      clientIds.push(sent.clientId);
    }
    expect(alice.outboxStorage.snapshot()).toHaveLength(20);

    proxy.restore();
    await alice.until(
      () =>
        clientIds.every(
          (id) => messagesOf(alice, conversationId).get(`${aliceId}:${id}`)?.seq != null,
        ),
      'all 20 acknowledged',
      20_000,
    );

    const onServer = await serverBodies(bob, conversationId, aliceId);
    const expected = Array.from({ length: 20 }, (_, i) => `offline ${i + 1}`);
    expect(onServer.bodies.filter((b) => b.startsWith('offline '))).toEqual(expected);
    expect(new Set(onServer.clientIds).size).toBe(onServer.clientIds.length);
    expect(alice.outboxStorage.snapshot()).toEqual([]);
    // Bob received them live, each once.
    await bob.until(
      () =>
        [...messagesOf(bob, conversationId).values()].filter((m) => m.body.startsWith('offline '))
          .length === 20,
      'bob has all 20',
    );
  });

  it('a connection lost between send and ack leaves exactly one stored copy', async () => {
    const mark = alice.events.length;
    proxy.loseNextReply(300);
    const sent = unwrap(await alice.client.sendMessage({ conversationId, body: 'exactly once' }));

    await alice.until(
      () => messagesOf(alice, conversationId).get(`${aliceId}:${sent.clientId}`)?.seq != null,
      'acknowledged after the reconnect',
      20_000,
    );
    // The fault really happened: the connection dropped after the send.
    expect(
      alice.events.slice(mark).some((e) => e.type === 'connection' && e.status === 'reconnecting'),
    ).toBe(true);
    const onServer = await serverBodies(bob, conversationId, aliceId);
    expect(onServer.bodies.filter((b) => b === 'exactly once')).toHaveLength(1);
  });

  it('offline: retries every few seconds, unsent messages say they wait, and catchUp connects at once', async () => {
    const mark = alice.events.length;
    const refusedBefore = proxy.refusedAt.length;
    proxy.cut();
    const sent = unwrap(await alice.client.sendMessage({ conversationId, body: 'waits' }));
    const key = `${aliceId}:${sent.clientId}`;
    // After the ack timeout (2 s here) without a connection, no longer just "sending".
    await alice.until(
      () => messagesOf(alice, conversationId).get(key)?.state === 'waiting',
      'the message says it waits for the connection',
    );
    // Written while waiting: says so at once.
    const later = unwrap(await alice.client.sendMessage({ conversationId, body: 'waits too' }));
    expect(later.message.state).toBe('waiting');

    // The backoff grows, but never beyond a few seconds between attempts.
    await alice.until(
      () => proxy.refusedAt.length - refusedBefore >= 5,
      'five refused attempts',
      30_000,
    );
    const attempts = proxy.refusedAt.slice(refusedBefore);
    const gaps = attempts.slice(1).map((at, i) => at - (attempts[i] ?? at));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(3_500);

    // The next attempt is ~3 s away; catchUp (Retry now, the network is back) goes now.
    proxy.restore();
    const asked = Date.now();
    unwrap(await alice.client.catchUp());
    await alice.until(
      () => messagesOf(alice, conversationId).get(key)?.seq != null,
      'sent right after reconnecting',
    );
    expect(Date.now() - asked).toBeLessThan(2_500);
    expect(
      alice.events
        .slice(mark)
        .some(
          (e) => e.type === 'message' && e.message.key === key && e.message.state === 'pending',
        ),
    ).toBe(true);
  });

  it('after an API restart, catch-up fills the gap of what was sent while away', async () => {
    proxy.cut();
    await api.stop();
    await api.start();
    await bob.waitFor((e) => e.type === 'connection' && e.status === 'online', 15_000);
    for (let i = 1; i <= 3; i++) {
      unwrap(await bob.client.sendMessage({ conversationId, body: `while away ${i}` }));
    }
    await bob.until(
      () =>
        [...messagesOf(bob, conversationId).values()].filter(
          (m) => m.body.startsWith('while away') && m.seq !== null,
        ).length === 3,
      'bob sent 3',
    );

    proxy.restore();
    await alice.until(
      () =>
        [...messagesOf(alice, conversationId).values()].filter((m) =>
          m.body.startsWith('while away'),
        ).length === 3,
      'alice caught up',
      20_000,
    );
    const seqs = [...messagesOf(alice, conversationId).values()]
      .flatMap((m) => (m.seq === null ? [] : [m.seq]))
      .sort((a, b) => a - b);
    // Merged by seq: no gaps, no repeats.
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    await alice.waitFor((e) => e.type === 'connection' && e.status === 'online');
  });

  it('the outbox survives a client restart: a new instance with the same storage sends what was pending', async () => {
    const first = makeClient({ ackTimeoutMs: 2_000 });
    const carolId = await signUp(first, proxy.url);
    const direct = unwrap(await first.client.openDirect({ userId: bobId })).id;
    proxy.cut();
    for (let i = 1; i <= 3; i++)
      unwrap(await first.client.sendMessage({ conversationId: direct, body: `kept ${i}` }));
    first.client.close();
    expect(first.outboxStorage.snapshot().map((e) => e.body)).toEqual([
      'kept 1',
      'kept 2',
      'kept 3',
    ]);

    const second = makeClient({
      sessionStorage: first.sessionStorage,
      outboxStorage: first.outboxStorage,
    });
    proxy.restore();
    expect((await second.client.start())?.user.id).toBe(carolId);
    await second.until(
      () => second.outboxStorage.snapshot().length === 0,
      'outbox drained',
      20_000,
    );

    const onServer = await serverBodies(bob, direct, carolId);
    expect(onServer.bodies).toEqual(['kept 1', 'kept 2', 'kept 3']);
    second.client.close();
  });

  it('receipts: what bob receives and reads shows as delivered, then read, on alice', async () => {
    const sent = unwrap(
      await alice.client.sendMessage({ conversationId, body: 'did you read this?' }),
    );
    const stored = await alice.waitFor(
      (e) => e.type === 'message' && e.message.clientId === sent.clientId && e.message.seq !== null,
    );
    const seq = stored.type === 'message' ? (stored.message.seq ?? 0) : 0;
    await alice.waitFor(
      (e) =>
        e.type === 'delivery' &&
        e.conversationId === conversationId &&
        e.upToSeq >= seq &&
        e.state === 'delivered',
    );
    unwrap(await bob.client.markRead({ conversationId, seq }));
    await alice.waitFor(
      (e) =>
        e.type === 'delivery' &&
        e.conversationId === conversationId &&
        e.upToSeq >= seq &&
        e.state === 'read',
    );
    const view = unwrap(await bob.client.listConversations()).find((c) => c.id === conversationId);
    expect(view?.unreadCount).toBe(0);
  });

  it('bad input gets a clear error and sends nothing', async () => {
    const empty = await alice.client.sendMessage({ conversationId, body: '   ' });
    expect(!empty.ok && empty.error.code).toBe('invalid_request');
    const long = await alice.client.sendMessage({ conversationId, body: 'x'.repeat(4001) });
    expect(!long.ok && long.error.code).toBe('payload_too_large');
    const unknown = await alice.client.sendMessage({ conversationId: 'nope', body: 'hi' });
    expect(!unknown.ok && unknown.error.code).toBe('not_found');
  });
});
