import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Message } from '@chat/protocol';
import { disconnection, emitWithAck, login, sleep } from '../../test/helpers';
import { arrives, connect, createConversation, history, person, record } from '../../test/clients';
import { createCluster, type Cluster, type Instance } from '../../test/cluster';

let cluster: Cluster;
let one: Instance;
let two: Instance;

beforeAll(async () => {
  cluster = createCluster();
  // One after the other: the first creates the SQLite schema.
  one = await cluster.start();
  two = await cluster.start();
}, 60_000);
afterAll(async () => {
  await cluster.close();
});

describe('two instances behind one address act as one', () => {
  test('people on different instances chat both ways, with conversation:new, typing, receipts and presence', async () => {
    const ann = await person(one);
    const bob = await person(two);
    const bobSocket = await connect(two, bob.accessToken);
    const bobGot = {
      conversations: record(bobSocket, 'conversation:new'),
      messages: record(bobSocket, 'message:new'),
      typing: record(bobSocket, 'typing'),
      presence: record(bobSocket, 'presence'),
    };

    const direct = await createConversation(one, ann.accessToken, {
      type: 'direct',
      userId: bob.user.id,
    });

    const annSocket = await connect(one, ann.accessToken);
    const annGot = {
      messages: record(annSocket, 'message:new'),
      receipts: record(annSocket, 'receipt'),
    };
    await arrives(bobGot.presence, (p) => p.userId === ann.user.id && p.online);

    const hello = await emitWithAck(annSocket, 'message:send', {
      conversationId: direct.id,
      clientId: 'ann-1',
      body: 'hello from instance one',
    });
    expect(hello.ok).toBe(true);
    await arrives(bobGot.messages, (m) => m.body === 'hello from instance one');
    // An empty direct conversation reaches Bob with its first message, across instances too.
    await arrives(bobGot.conversations, (c) => c.id === direct.id && c.lastMessage?.seq === 1);
    const reply = await emitWithAck(bobSocket, 'message:send', {
      conversationId: direct.id,
      clientId: 'bob-1',
      body: 'hi from instance two',
    });
    expect(reply.ok).toBe(true);
    const received = await arrives(annGot.messages, (m) => m.body === 'hi from instance two');
    expect(received.seq).toBe(2);

    // Bob reads on instance two; Ann hears it on instance one.
    expect(
      (await emitWithAck(bobSocket, 'receipt', { conversationId: direct.id, type: 'read', seq: 1 }))
        .ok,
    ).toBe(true);
    await arrives(
      annGot.receipts,
      (r) => r.userId === bob.user.id && r.type === 'read' && r.seq === 1,
    );

    // Typing held by instance one is ended by a send that instance two takes.
    expect(
      (await emitWithAck(annSocket, 'typing', { conversationId: direct.id, typing: true })).ok,
    ).toBe(true);
    await arrives(bobGot.typing, (t) => t.userId === ann.user.id && t.typing);
    const posted = await two.http.post(`/api/conversations/${direct.id}/messages`, {
      token: ann.accessToken,
      body: { clientId: 'ann-2', body: 'sent over REST to instance two' },
    });
    expect(posted.status).toBe(201);
    await arrives(bobGot.typing, (t) => t.userId === ann.user.id && !t.typing, 2_000);

    // A typing that is not renewed expires once, not once per instance.
    const typingBefore = bobGot.typing.length;
    const typingSince = (typing: boolean, nth: number) => (t: { typing: boolean }) =>
      bobGot.typing.slice(typingBefore).filter((e) => e.typing === typing)[nth] === t;
    await emitWithAck(annSocket, 'typing', { conversationId: direct.id, typing: true });
    await arrives(bobGot.typing, typingSince(false, 0), 5_000 + 3_000, 'typing expiry');
    // A marker after it: an expiry on the other instance too would have come first.
    await emitWithAck(annSocket, 'typing', { conversationId: direct.id, typing: true });
    await arrives(bobGot.typing, typingSince(true, 1));
    expect(bobGot.typing.slice(typingBefore)).toEqual([
      { conversationId: direct.id, userId: ann.user.id, typing: true },
      { conversationId: direct.id, userId: ann.user.id, typing: false },
      { conversationId: direct.id, userId: ann.user.id, typing: true },
    ]);

    // Presence: announced once each way, and both instances report the same person.
    annSocket.disconnect();
    const offline = await arrives(
      bobGot.presence,
      (p) => p.userId === ann.user.id && !p.online,
      5_000 + 3_000,
    );
    expect(offline.lastSeenAt).not.toBeNull();
    // A marker after it, through the other instance: someone else coming online. An
    // offline announced by the other instance as well would have come first.
    const witness = await person(two);
    await createConversation(two, witness.accessToken, { type: 'direct', userId: bob.user.id });
    const witnessSocket = await connect(two, witness.accessToken);
    await arrives(bobGot.presence, (p) => p.userId === witness.user.id && p.online);
    witnessSocket.disconnect();
    expect(bobGot.presence.filter((p) => p.userId === ann.user.id)).toEqual([
      { userId: ann.user.id, online: true, lastSeenAt: null },
      { userId: ann.user.id, online: false, lastSeenAt: offline.lastSeenAt },
    ]);
    for (const instance of [one, two]) {
      const seen = await instance.http.get(`/api/users/${ann.user.id}`, { token: bob.accessToken });
      expect(seen.body).toMatchObject({ online: false, lastSeenAt: offline.lastSeenAt });
    }
    bobSocket.disconnect();
  }, 30_000);

  test('concurrent senders on both instances: every member sees one gapless order', async () => {
    const [ann, bob, cat] = await Promise.all([person(one), person(two), person(one)]);
    const group = await createConversation(one, ann.accessToken, {
      type: 'group',
      title: 'race',
      memberIds: [bob.user.id, cat.user.id],
    });
    const sockets = {
      ann: await connect(one, ann.accessToken),
      bob: await connect(two, bob.accessToken),
      cat: await connect(two, cat.accessToken),
    };
    const got = {
      ann: record(sockets.ann, 'message:new'),
      bob: record(sockets.bob, 'message:new'),
      cat: record(sockets.cat, 'message:new'),
    };
    const perSender = 25;
    const send = (who: 'ann' | 'bob', i: number) =>
      emitWithAck(sockets[who], 'message:send', {
        conversationId: group.id,
        clientId: `${who}-${i}`,
        body: `${who} ${i}`,
      });
    const acks = await Promise.all(
      Array.from({ length: perSender }, (_, i) => [send('ann', i), send('bob', i)]).flat(),
    );
    const own = { ann: [] as Message[], bob: [] as Message[] };
    acks.forEach((ack, i) => {
      if (!ack.ok) throw new Error(JSON.stringify(ack));
      own[i % 2 === 0 ? 'ann' : 'bob'].push(ack.message as Message);
    });
    const total = perSender * 2;
    const seqs = Array.from({ length: total }, (_, i) => i + 1);
    const views: Record<'ann' | 'bob' | 'cat', Message[]> = {
      ann: [...own.ann, ...got.ann],
      bob: [...own.bob, ...got.bob],
      cat: got.cat,
    };
    const deadline = Date.now() + 5_000;
    while (Object.values(views).some((v) => v.length < total) && Date.now() < deadline) {
      await sleep(20);
      views.ann = [...own.ann, ...got.ann];
      views.bob = [...own.bob, ...got.bob];
      views.cat = got.cat;
    }
    const orderOf = (messages: Message[]) =>
      [...messages].sort((a, b) => a.seq - b.seq).map((m) => `${m.seq}:${m.id}`);
    const reference = orderOf(views.cat);
    expect(reference.map((entry) => Number(entry.split(':')[0]))).toEqual(seqs);
    expect(orderOf(views.ann)).toEqual(reference);
    expect(orderOf(views.bob)).toEqual(reference);
    // The stored history is the same order, whichever instance serves it.
    expect(orderOf(await history(one, cat.accessToken, group.id))).toEqual(reference);
    expect(orderOf(await history(two, ann.accessToken, group.id))).toEqual(reference);
    for (const socket of Object.values(sockets)) socket.disconnect();
  });

  test('logout on one instance disconnects the session on the other within 1 s', async () => {
    const ann = await person(one);
    const other = await login(one, ann.user.username, ann.password);
    const socket = await connect(two, ann.accessToken);
    const otherSession = await connect(two, other.accessToken);
    // Instance two has now seen (and cached) the session as live.
    expect((await two.http.get('/api/users/me', { token: ann.accessToken })).status).toBe(200);
    const gone = disconnection(socket, 1_000);
    expect((await one.http.post('/api/auth/logout', { token: ann.accessToken })).status).toBe(204);
    expect(await gone).toBe('io server disconnect');
    expect((await two.http.get('/api/users/me', { token: ann.accessToken })).status).toBe(401);
    expect(decodeJwt(other.accessToken).sid).not.toBe(decodeJwt(ann.accessToken).sid);
    expect(otherSession.connected).toBe(true);
    otherSession.disconnect();
  });

  test('failed sign-ins are counted across instances', async () => {
    const ann = await person(one);
    const attempt = (instance: Instance) =>
      instance.http.post('/api/auth/login', {
        body: { username: ann.user.username, password: 'wrong password' },
      });
    for (let i = 0; i < 10; i += 1) {
      expect((await attempt(i % 2 === 0 ? one : two)).status).toBe(401);
    }
    for (const instance of [one, two]) {
      const locked = await instance.http.post('/api/auth/login', {
        body: { username: ann.user.username, password: ann.password },
      });
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });
});
