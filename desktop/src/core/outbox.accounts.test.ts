import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONNECTED,
  makeClient,
  signUp,
  startRestartableApi,
  uniqueName,
  unwrap,
  type RestartableApi,
  type TestClient,
} from './testing/harness';
import { startProxy, type TcpProxy } from './testing/proxy';

const PASSWORD = 'correct horse battery';

/**
 * One device (one outbox storage) used by two people in turn: an unsent message belongs
 * to whoever wrote it, is never sent as anyone else, and is dropped at sign-out only when
 * its writer says so.
 */
describe('the outbox across accounts on one device', () => {
  let api: RestartableApi;
  let proxy: TcpProxy;
  let device: TestClient;
  let bob: TestClient;
  let alice: string;
  let carol: string;
  let aliceId: string;
  let conversationId: string;

  beforeAll(async () => {
    api = await startRestartableApi();
    proxy = await startProxy(api.port);
    bob = makeClient();
    const bobId = await signUp(bob, api.url);
    device = makeClient();
    alice = uniqueName('alice');
    carol = uniqueName('carol');
    const other = makeClient();
    await signUp(other, proxy.url, carol);
    other.client.close();
    aliceId = await signUp(device, proxy.url, alice);
    conversationId = unwrap(await device.client.openDirect({ userId: bobId })).id;
    unwrap(await bob.client.openDirect({ userId: aliceId }));
  });

  afterAll(async () => {
    device.client.close();
    bob.client.close();
    await proxy.close();
    await api.close();
  });

  const bodiesOnServer = async () =>
    unwrap(await bob.client.loadHistory({ conversationId, limit: 100 }))
      .messages.filter((m) => m.senderId === aliceId && m.seq !== null)
      .map((m) => m.body);

  async function writeOffline(body: string): Promise<string> {
    const mark = device.events.length;
    proxy.cut();
    await device.until(
      () =>
        device.events
          .slice(mark)
          .some((e) => e.type === 'connection' && !CONNECTED.includes(e.status)),
      'the device notices it is offline',
    );
    return unwrap(await device.client.sendMessage({ conversationId, body })).clientId;
  }

  async function signIn(username: string): Promise<void> {
    const mark = device.events.length;
    unwrap(await device.client.signIn({ serverUrl: proxy.url, username, password: PASSWORD }));
    await device.until(
      () =>
        device.events
          .slice(mark)
          .some((e) => e.type === 'connection' && CONNECTED.includes(e.status)),
      `${username} is online`,
    );
    // Their conversations are held again (a message can be written in them).
    unwrap(await device.client.listConversations());
  }

  it('kept at sign-out, a message waits through another account and is sent when its writer returns', async () => {
    const clientId = await writeOffline('written before signing out');
    expect(unwrap(await device.client.countUnsent())).toBe(1);
    unwrap(await device.client.signOut({ unsent: 'keep' }));
    proxy.restore();

    await signIn(carol);
    expect(unwrap(await device.client.countUnsent())).toBe(0);
    // Carol's own message goes out over the same connection and outbox; Alice's stays.
    const carolsChat = unwrap(await device.client.openDirect({ userId: aliceId })).id;
    const own = unwrap(await device.client.sendMessage({ conversationId: carolsChat, body: 'hi' }));
    await device.until(
      () =>
        device.events.some(
          (e) =>
            e.type === 'message' && e.message.clientId === own.clientId && e.message.seq !== null,
        ),
      "carol's message is stored",
    );
    expect(device.outboxStorage.snapshot().map((e) => e.clientId)).toEqual([clientId]);
    expect(await bodiesOnServer()).not.toContain('written before signing out');
    unwrap(await device.client.signOut({ unsent: 'keep' }));

    await signIn(alice);
    await bob.until(
      () =>
        bob.events.some(
          (e) => e.type === 'message' && e.message.body === 'written before signing out',
        ),
      'bob receives the kept message from alice',
    );
    // Bob may hear of it before the server's answer reaches Alice's device.
    await device.until(
      () =>
        device.events.some(
          (e) => e.type === 'message' && e.message.clientId === clientId && e.message.seq !== null,
        ),
      "alice's device has the server's answer",
    );
    expect(device.outboxStorage.snapshot()).toEqual([]);
  });

  it('discarded at sign-out, a message is gone and never sent', async () => {
    await writeOffline('changed my mind');
    expect(unwrap(await device.client.countUnsent())).toBe(1);
    unwrap(await device.client.signOut({ unsent: 'discard' }));
    expect(device.outboxStorage.snapshot()).toEqual([]);
    proxy.restore();

    await signIn(alice);
    expect(unwrap(await device.client.countUnsent())).toBe(0);
    // A message written now is stored after anything the outbox would have sent first.
    const later = unwrap(await device.client.sendMessage({ conversationId, body: 'after' }));
    await device.until(
      () =>
        device.events.some(
          (e) =>
            e.type === 'message' && e.message.clientId === later.clientId && e.message.seq !== null,
        ),
      'the new message is stored',
    );
    expect(await bodiesOnServer()).not.toContain('changed my mind');
  });
});
