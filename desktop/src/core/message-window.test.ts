import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeClient,
  signUp,
  startRestartableApi,
  unwrap,
  type RestartableApi,
  type TestClient,
  uniqueName,
} from './testing/harness';
import { startProxy, type TcpProxy } from './testing/proxy';

const COUNT = 40;

describe('client core: a window of history away from the latest page (around, then newer)', () => {
  let api: RestartableApi;
  let proxy: TcpProxy;
  let alice: TestClient;
  let bob: TestClient;
  let conversationId: string;

  beforeAll(async () => {
    api = await startRestartableApi();
    proxy = await startProxy(api.port);
    alice = makeClient();
    bob = makeClient();
    const aliceId = await signUp(alice, api.url);
    const bobId = await signUp(bob, proxy.url);
    conversationId = unwrap(await alice.client.openDirect({ userId: bobId })).id;
    for (let i = 1; i <= COUNT; i++) {
      unwrap(await alice.client.sendMessage({ conversationId, body: `message ${i}` }));
    }
    await alice.until(
      () => alice.events.some((e) => e.type === 'message' && e.message.seq === COUNT),
      'all stored',
      20_000,
    );
    unwrap(await bob.client.openDirect({ userId: aliceId }));
  });

  afterAll(async () => {
    alice.client.close();
    bob.client.close();
    await proxy.close();
    await api.close();
  });

  it('loads around a seq, then newer pages until there are no more', async () => {
    const latest = unwrap(await bob.client.loadHistory({ conversationId, limit: 5 }));
    expect(latest.messages.map((m) => m.seq)).toEqual([36, 37, 38, 39, 40]);

    const around = unwrap(await bob.client.loadAround({ conversationId, seq: 10, limit: 6 }));
    const aroundSeqs = around.map((m) => m.seq);
    expect(aroundSeqs).toContain(10);
    const last = aroundSeqs.at(-1) ?? 0;

    const newer = unwrap(await bob.client.loadNewer({ conversationId, afterSeq: last, limit: 10 }));
    expect(newer.messages.map((m) => m.seq)).toEqual(
      Array.from({ length: 10 }, (_, i) => last + 1 + i),
    );
    expect(newer.hasMore).toBe(true);
    const end = unwrap(await bob.client.loadNewer({ conversationId, afterSeq: 30, limit: 20 }));
    expect(end.messages.map((m) => m.seq)).toEqual([31, 32, 33, 34, 35, 36, 37, 38, 39, 40]);
    expect(end.hasMore).toBe(false);
    expect(end.messages[0]).toMatchObject({ body: 'message 31', conversationId });
  });

  it('offline, an older page of the live tail stops at the first seq not held instead of skipping to a window', async () => {
    // A reader that was away while the messages were written (else it would hold them all
    // from the socket), back on a fresh device, through the proxy so it can be cut off.
    const away = makeClient();
    const name = uniqueName();
    const readerId = await signUp(away, api.url, name);
    away.client.close();
    const opened = unwrap(await alice.client.createGroup({ title: 'w', memberIds: [readerId] }));
    for (let i = 1; i <= 20; i++) {
      unwrap(await alice.client.sendMessage({ conversationId: opened.id, body: `g ${i}` }));
    }
    await alice.until(
      () =>
        alice.events.some(
          (e) => e.type === 'message' && e.message.body === 'g 20' && e.message.seq !== null,
        ),
      'group stored',
      20_000,
    );
    const reader = makeClient();
    unwrap(
      await reader.client.signIn({
        serverUrl: proxy.url,
        username: name,
        password: 'correct horse battery',
      }),
    );
    try {
      const tail = unwrap(await reader.client.loadHistory({ conversationId: opened.id, limit: 5 }));
      const tailOldest = tail.messages[0]?.seq ?? 0;
      expect(tailOldest).toBeGreaterThan(10);
      unwrap(await reader.client.loadAround({ conversationId: opened.id, seq: 5, limit: 4 }));
      const mark = reader.events.length;
      proxy.cut();
      await reader.until(
        () =>
          reader.events
            .slice(mark)
            .some((e) => e.type === 'connection' && e.status === 'reconnecting'),
        'reader is offline',
      );
      const oldest = unwrap(
        await reader.client.loadHistory({ conversationId: opened.id, limit: 5 }),
      ).messages[0]?.seq;
      expect(oldest).toBe(tailOldest);
      const older = unwrap(
        await reader.client.loadHistory({
          conversationId: opened.id,
          beforeSeq: tailOldest,
          limit: 50,
        }),
      );
      expect(older.messages).toEqual([]);
      expect(older.hasMore).toBe(true);
    } finally {
      proxy.restore();
      reader.client.close();
    }
  });
});
