import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Ack, Conversation } from '@chat/protocol';
import {
  EventLog,
  createGroup,
  emitWithAck,
  openDirect,
  registerUser,
  startTestApi,
  type ChatClientSocket,
  type RegisteredUser,
  type TestApi,
} from '../../test/helpers';
import { TYPING_EVENTS_PER_SECOND } from './socket';

let api: TestApi;
let ann: RegisteredUser;
let ben: RegisteredUser;
let cat: RegisteredUser;
let dan: RegisteredUser;
let group: Conversation;
let bystanders: Conversation;

beforeAll(async () => {
  api = await startTestApi();
  [ann, ben, cat, dan] = await Promise.all([
    registerUser(api),
    registerUser(api),
    registerUser(api),
    registerUser(api),
  ]);
  group = await createGroup(api, ann.accessToken, [ben.user.id], 'Typing flood');
  bystanders = await openDirect(api, cat.accessToken, dan.user.id);
});
afterAll(async () => {
  await api.close();
});

/** Emits `count` typing events without waiting, and resolves with every ack. */
function typingFlood(
  socket: ChatClientSocket,
  count: number,
  typing: (i: number) => boolean,
): Promise<Ack[]> {
  return Promise.all(
    Array.from(
      { length: count },
      (_, i) =>
        new Promise<Ack>((resolve) => {
          socket.emit('typing', { conversationId: group.id, typing: typing(i) }, resolve);
        }),
    ),
  );
}

async function sendAckMs(socket: ChatClientSocket, n: number): Promise<number> {
  const start = performance.now();
  const ack = await emitWithAck(socket, 'message:send', {
    conversationId: bystanders.id,
    clientId: `bystander-${n}`,
    body: `message ${n}`,
  });
  expect(ack.ok).toBe(true);
  return performance.now() - start;
}

describe('a typing flood from one socket', () => {
  test('relays one state change, refuses the excess, and leaves a bystander’s sends prompt', async () => {
    const annSocket = await api.connect(ann.accessToken);
    const benLog = new EventLog(await api.connect(ben.accessToken), 'typing');
    const catSocket = await api.connect(cat.accessToken);
    const baseline = Math.max(
      ...(await Promise.all([1, 2, 3].map((n) => sendAckMs(catSocket, n)))),
    );

    const flood = typingFlood(annSocket, 2_000, () => true);
    const during = await sendAckMs(catSocket, 4);
    const acks = await flood;
    const refused = acks.flatMap((a) => (a.ok ? [] : [a.error.code]));
    expect(refused.length).toBeGreaterThanOrEqual(2_000 - 2 * TYPING_EVENTS_PER_SECOND * 5);
    expect(new Set(refused)).toEqual(new Set(['rate_limited']));
    // A flood of renewals is one state change for the others: typing, then (on a message)
    // not typing. Before the fix Ben received every one of the 2,000.
    await emitWithAck(annSocket, 'typing', { conversationId: group.id, typing: false }).catch(
      () => undefined,
    );
    await emitWithAck(annSocket, 'message:send', {
      conversationId: group.id,
      clientId: 'after-flood',
      body: 'done typing',
    });
    await benLog.waitFor((e) => !e.typing);
    expect(benLog.events.filter((e) => e.typing).length).toBeLessThanOrEqual(2);
    // Generous: the same test process also carries the 2,000 emits.
    expect(during).toBeLessThan(40 * baseline + 1_000);
    console.info(
      `bystander ack during a 2,000-event typing flood: ${during.toFixed(0)} ms (baseline ${baseline.toFixed(0)} ms)`,
    );
  });

  test('alternating true and false is capped per socket', async () => {
    const annSocket = await api.connect(ann.accessToken);
    const benSocket = await api.connect(ben.accessToken);
    const benLog = new EventLog(benSocket, 'typing');
    const benInbox = new EventLog(benSocket, 'message:new');
    const start = performance.now();
    const acks = await typingFlood(annSocket, 500, (i) => i % 2 === 0);
    const seconds = Math.ceil((performance.now() - start) / 1000) + 1;
    const accepted = acks.filter((a) => a.ok).length;
    expect(accepted).toBeLessThanOrEqual(seconds * TYPING_EVENTS_PER_SECOND);
    // Events reach Ben in order: once the message is there, every relayed typing is too.
    await emitWithAck(annSocket, 'message:send', {
      conversationId: group.id,
      clientId: 'after-alternating',
      body: 'sent',
    });
    await benInbox.waitFor((m) => m.clientId === 'after-alternating');
    // Ben hears at most the accepted changes (and the message's typing:false), not 500.
    expect(benLog.events.length).toBeLessThanOrEqual(accepted + 1);
  });
});
