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

/** The latest copy of a message this client announced, by seq. */
function latest(t: TestClient, conversationId: string, seq: number): LocalMessage | undefined {
  let found: LocalMessage | undefined;
  for (const e of t.events) {
    if (e.type === 'message' && e.message.conversationId === conversationId) {
      if (e.message.seq === seq) found = e.message;
    }
  }
  return found;
}

describe('client core: edits, deletions, replies and reactions (version 2)', () => {
  let api: RestartableApi;
  let proxy: TcpProxy;
  let alice: TestClient;
  let bob: TestClient;
  let aliceId: string;
  let conversationId: string;

  beforeAll(async () => {
    api = await startRestartableApi();
    proxy = await startProxy(api.port);
    alice = makeClient();
    bob = makeClient();
    aliceId = await signUp(alice, api.url);
    // Bob goes through the proxy so he can be cut off.
    const bobId = await signUp(bob, proxy.url);
    conversationId = unwrap(await alice.client.openDirect({ userId: bobId })).id;
    unwrap(await bob.client.openDirect({ userId: aliceId }));
  });

  afterAll(async () => {
    alice.client.close();
    bob.client.close();
    await proxy.close();
    await api.close();
  });

  async function stored(t: TestClient, body: string, replyToSeq?: number): Promise<number> {
    const sent = unwrap(await t.client.sendMessage({ conversationId, body, replyToSeq }));
    const seqOf = () =>
      t.events.findLast(
        (e) => e.type === 'message' && e.message.key === sent.message.key && e.message.seq !== null,
      );
    await t.until(() => seqOf() !== undefined, `${body} stored`);
    const event = seqOf();
    if (event?.type !== 'message' || event.message.seq === null) throw new Error('not stored');
    return event.message.seq;
  }

  it('a reply carries its quote; edits, reactions and a deletion reach the other live', async () => {
    const seq = await stored(alice, 'lunch at 12?');
    const reply = await stored(bob, 'yes!', seq);
    expect(latest(bob, conversationId, reply)?.replyTo).toMatchObject({
      seq,
      senderId: aliceId,
      excerpt: 'lunch at 12?',
    });
    await alice.until(() => latest(alice, conversationId, reply)?.replyTo?.seq === seq, 'reply');
    // Jumping to a quote loads the messages around it.
    const around = unwrap(await bob.client.loadAround({ conversationId, seq, limit: 3 }));
    expect(around.map((m) => m.seq)).toContain(seq);
    expect(around.every((m) => m.conversationId === conversationId)).toBe(true);

    const edited = unwrap(
      await alice.client.editMessage({ conversationId, seq, body: 'lunch at 1?' }),
    );
    expect(edited).toMatchObject({ body: 'lunch at 1?', seq });
    expect(edited.editedAt).not.toBeNull();
    await bob.until(() => latest(bob, conversationId, seq)?.body === 'lunch at 1?', 'edit seen');
    expect(latest(bob, conversationId, seq)?.editedAt).not.toBeNull();

    unwrap(await bob.client.react({ conversationId, seq, emoji: '👍', on: true }));
    await alice.until(
      () => latest(alice, conversationId, seq)?.reactions[0]?.userIds.length === 1,
      'reaction seen',
    );
    unwrap(await bob.client.react({ conversationId, seq, emoji: '👍', on: false }));
    await alice.until(
      () => latest(alice, conversationId, seq)?.reactions.length === 0,
      'reaction taken back',
    );

    unwrap(await alice.client.deleteMessage({ conversationId, seq }));
    await bob.until(() => latest(bob, conversationId, seq)?.deletedAt != null, 'tombstone');
    expect(latest(bob, conversationId, seq)?.body).toBe('');
    // The reply's quote is erased with it.
    await bob.until(() => latest(bob, conversationId, reply)?.replyTo?.deleted === true, 'quote');
  });

  it("someone else's message cannot be edited: the call resolves with forbidden", async () => {
    const seq = await stored(alice, 'mine');
    const refused = await bob.client.editMessage({ conversationId, seq, body: 'theirs' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('a client that was away catches up on edits, deletions and reactions with changedAfter', async () => {
    const kept = await stored(alice, 'will be edited');
    const gone = await stored(alice, 'will be deleted');
    await bob.until(() => latest(bob, conversationId, gone) !== undefined, 'bob holds both');
    const mark = bob.events.length;
    proxy.cut();
    await bob.until(
      () =>
        bob.events.slice(mark).some((e) => e.type === 'connection' && e.status === 'reconnecting'),
      'bob is offline',
    );
    unwrap(
      await alice.client.editMessage({ conversationId, seq: kept, body: 'edited while away' }),
    );
    unwrap(await alice.client.react({ conversationId, seq: kept, emoji: '🎉', on: true }));
    unwrap(await alice.client.deleteMessage({ conversationId, seq: gone }));
    proxy.restore();
    await bob.until(
      () =>
        latest(bob, conversationId, kept)?.body === 'edited while away' &&
        latest(bob, conversationId, kept)?.reactions[0]?.emoji === '🎉' &&
        latest(bob, conversationId, gone)?.deletedAt != null,
      'bob caught up on the changes',
      20_000,
    );
  });

  it('changes made offline show at once, pending, and are applied once on reconnect; a refused one reverts with the reason', async () => {
    const own = await stored(bob, 'bob wrote this');
    const theirs = await stored(alice, 'alice wrote this');
    const doomed = await stored(bob, 'bob will delete this');
    await bob.until(() => latest(bob, conversationId, theirs) !== undefined, 'bob holds all');
    const mark = bob.events.length;
    proxy.cut();
    await bob.until(
      () =>
        bob.events.slice(mark).some((e) => e.type === 'connection' && e.status === 'reconnecting'),
      'bob is offline',
    );

    const edited = unwrap(
      await bob.client.editMessage({ conversationId, seq: own, body: 'bob fixed this' }),
    );
    expect(edited).toMatchObject({ body: 'bob fixed this', changePending: true });
    unwrap(await bob.client.react({ conversationId, seq: theirs, emoji: '👀', on: true }));
    unwrap(await bob.client.deleteMessage({ conversationId, seq: doomed }));
    // Only the sender may edit: the server will refuse this one.
    unwrap(await bob.client.editMessage({ conversationId, seq: theirs, body: 'not bob’s' }));
    expect(latest(bob, conversationId, theirs)).toMatchObject({
      body: 'not bob’s',
      changePending: true,
      reactions: [{ emoji: '👀', userIds: [expect.any(String)] }],
    });
    expect(latest(bob, conversationId, doomed)).toMatchObject({ body: '', changePending: true });
    expect(bob.outboxStorage.snapshotChanges()).toHaveLength(4);

    proxy.restore();
    await alice.until(
      () =>
        latest(alice, conversationId, own)?.body === 'bob fixed this' &&
        latest(alice, conversationId, theirs)?.reactions[0]?.emoji === '👀' &&
        latest(alice, conversationId, doomed)?.deletedAt != null,
      'alice sees every change',
      20_000,
    );
    await bob.until(
      () => latest(bob, conversationId, theirs)?.changeError?.code === 'forbidden',
      'the refused edit reverts',
      20_000,
    );
    expect(latest(bob, conversationId, theirs)).toMatchObject({ body: 'alice wrote this' });
    expect(latest(bob, conversationId, theirs)?.changePending).toBeUndefined();
    expect(latest(bob, conversationId, own)).toMatchObject({ body: 'bob fixed this' });
    expect(latest(bob, conversationId, own)?.changePending).toBeUndefined();
    expect(bob.outboxStorage.snapshotChanges()).toEqual([]);
    // Applied once: an edit applied twice would reach alice as two revisions.
    const aliceEdits = alice.events.filter(
      (e) => e.type === 'message' && e.message.seq === own && e.message.body === 'bob fixed this',
    );
    expect(aliceEdits).toHaveLength(1);
    expect(latest(alice, conversationId, theirs)?.reactions).toHaveLength(1);
  });
});
