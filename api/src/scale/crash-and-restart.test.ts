import { afterEach, describe, expect, test } from 'vitest';
import { Message, type Conversation } from '@chat/protocol';
import { emitWithAck, sleep } from '../../test/helpers';
import { arrives, connect, createConversation, history, person, record } from '../../test/clients';
import { createCluster, privateRedis, type Cluster, type PrivateRedis } from '../../test/cluster';

let cluster: Cluster | undefined;
let redis: PrivateRedis | undefined;
afterEach(async () => {
  await cluster?.close();
  await redis?.stop();
  cluster = undefined;
  redis = undefined;
});

describe('failures', () => {
  test('kill -9 of an instance: its users go offline for the others, and reconnect elsewhere with nothing lost', async () => {
    cluster = createCluster({ heartbeatTtlMs: 2_000 });
    const one = await cluster.start();
    const two = await cluster.start();
    const ann = await person(one);
    const bob = await person(two);
    const direct = await createConversation(one, ann.accessToken, {
      type: 'direct',
      userId: bob.user.id,
    });
    const bobSocket = await connect(two, bob.accessToken);
    const presence = record(bobSocket, 'presence');
    const annSocket = await connect(one, ann.accessToken);
    await arrives(presence, (p) => p.userId === ann.user.id && p.online);
    const first = await emitWithAck(annSocket, 'message:send', {
      conversationId: direct.id,
      clientId: 'before-crash',
      body: 'before the crash',
    });
    expect(first.ok).toBe(true);
    const annHolds = Message.parse((first as { message?: unknown }).message).seq;

    one.kill('SIGKILL');
    const killedAt = Date.now();
    // Bob keeps writing while Ann has nowhere to be.
    for (const i of [1, 2]) {
      const ack = await emitWithAck(bobSocket, 'message:send', {
        conversationId: direct.id,
        clientId: `away-${i}`,
        body: `while you were away ${i}`,
      });
      expect(ack.ok).toBe(true);
    }
    const offline = await arrives(presence, (p) => p.userId === ann.user.id && !p.online, 30_000);
    // The production bound is 30 s; with a 2 s heartbeat TTL it is about 8 s.
    expect(Date.now() - killedAt).toBeLessThan(2_000 + 2_000 / 3 + 5_000 + 3_000);
    expect(offline.lastSeenAt).not.toBeNull();

    // Ann's client reconnects through the balancer, now to instance two, and catches up.
    const back = await connect(two, ann.accessToken);
    await arrives(
      presence,
      (p) =>
        p.userId === ann.user.id && p.online && presence.indexOf(p) > presence.indexOf(offline),
    );
    const listed = await two.http.get<{ conversations: Conversation[] }>('/api/conversations', {
      token: ann.accessToken,
    });
    const moved = listed.body.conversations.find((c) => c.id === direct.id);
    expect(moved?.lastMessage?.seq).toBe(annHolds + 2);
    const missed = await history(two, ann.accessToken, direct.id, annHolds);
    expect(missed.map((m) => m.body)).toEqual(['while you were away 1', 'while you were away 2']);
    // Offline was announced once, by one instance.
    expect(presence.filter((p) => p.userId === ann.user.id && !p.online)).toHaveLength(1);
    back.disconnect();
    bobSocket.disconnect();
  }, 45_000);

  test('Redis restarted mid-traffic (losing its data): delivery resumes, nothing stored is lost, clients catch up', async () => {
    redis = await privateRedis();
    cluster = createCluster({ redisUrl: redis.url });
    const one = await cluster.start();
    const two = await cluster.start();
    const ann = await person(one);
    const bob = await person(two);
    const direct = await createConversation(one, ann.accessToken, {
      type: 'direct',
      userId: bob.user.id,
    });
    const annSocket = await connect(one, ann.accessToken);
    const bobSocket = await connect(two, bob.accessToken);
    const bobGot = record(bobSocket, 'message:new');
    const sent: Message[] = [];
    let n = 0;
    const send = async () => {
      n += 1;
      const ack = await emitWithAck(annSocket, 'message:send', {
        conversationId: direct.id,
        clientId: `m-${n}`,
        body: `message ${n}`,
      });
      if (!ack.ok) throw new Error(JSON.stringify(ack));
      sent.push(Message.parse(ack.message));
    };
    await send();
    await arrives(bobGot, (m) => m.body === 'message 1');

    await redis.stop();
    // Sending goes on: the message is stored, only the fan-out to instance two is missed.
    for (let i = 0; i < 3; i += 1) await send();
    await redis.start();

    // Delivery resumes once the instances are back on Redis.
    const deadline = Date.now() + 15_000;
    let resumed: Message | undefined;
    while (!resumed && Date.now() < deadline) {
      await send();
      const last = sent.at(-1);
      await sleep(300);
      resumed = bobGot.find((m) => m.id === last?.id);
    }
    expect(resumed).toBeDefined();

    // Bob catches up on what the fan-out missed; everything Ann was told is stored is there.
    // What a client does: it holds every seq up to its first gap, and fetches after that.
    const received = new Set(bobGot.map((m) => m.seq));
    let heldByBob = 0;
    while (received.has(heldByBob + 1)) heldByBob += 1;
    const caughtUp = await history(two, bob.accessToken, direct.id, heldByBob);
    const known = new Map([...bobGot, ...caughtUp].map((m) => [m.seq, m.id]));
    for (const message of sent) expect(known.get(message.seq)).toBe(message.id);
    const stored = await history(one, ann.accessToken, direct.id);
    expect(stored.map((m) => m.id)).toEqual(sent.map((m) => m.id));
    expect(stored.map((m) => m.seq)).toEqual(sent.map((_, i) => i + 1));

    // Logging out still reaches the other instance after the restart.
    expect((await one.http.post('/api/auth/logout', { token: bob.accessToken })).status).toBe(204);
    await arrives([bobSocket], (s) => s.disconnected, 2_000, 'disconnect');
    annSocket.disconnect();
  }, 60_000);
});
