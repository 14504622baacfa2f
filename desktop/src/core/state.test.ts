import { describe, expect, it } from 'vitest';
import type { Conversation, Message } from '@chat/protocol';
import type { ChatEvent } from '../shared/bridge';
import type { Clock } from './clock';
import { ChatState } from './state';

/** A clock whose timers run only when the test advances time. */
function manualClock() {
  let now = 0;
  let timers: { at: number; cb: () => void; id: number }[] = [];
  let nextId = 1;
  const clock: Clock & { advance(ms: number): void } = {
    now: () => now,
    setTimeout: (cb, ms) => {
      const id = nextId++;
      timers.push({ at: now + ms, cb, id });
      return id;
    },
    clearTimeout: (id) => {
      timers = timers.filter((t) => t.id !== id);
    },
    advance(ms) {
      now += ms;
      const due = timers.filter((t) => t.at <= now);
      timers = timers.filter((t) => t.at > now);
      for (const t of due) t.cb();
    },
  };
  return clock;
}

const T = '2026-11-26T10:00:00.000Z';
const me = { id: 'me', username: 'me', displayName: 'Me', createdAt: T };
const bob = { id: 'bob', username: 'bob', displayName: 'Bob', createdAt: T };

function conversation(over: Partial<Conversation> = {}): Conversation {
  return {
    id: 'c1',
    type: 'direct',
    title: null,
    members: [me, bob],
    createdAt: T,
    lastMessage: null,
    lastReadSeq: 0,
    unreadCount: 0,
    receipts: [],
    ...over,
  };
}

function message(seq: number, senderId: string, clientId = `${senderId}-${seq}`): Message {
  return {
    id: `id${seq}`,
    conversationId: 'c1',
    seq,
    senderId,
    clientId,
    body: `b${seq}`,
    createdAt: T,
    attachments: [],
  };
}

function setup() {
  const events: ChatEvent[] = [];
  const clock = manualClock();
  const state = new ChatState((e) => events.push(e), clock);
  state.reset('me');
  state.upsertConversation(conversation());
  events.length = 0;
  return { state, events, clock };
}

describe('ChatState', () => {
  it('merges by (sender, clientId) and seq: repeats and overlapping pages add nothing', () => {
    const { state } = setup();
    expect(state.mergeMessages([message(1, 'bob'), message(2, 'bob')]).added).toHaveLength(2);
    expect(state.mergeMessages([message(2, 'bob'), message(3, 'bob')]).added).toHaveLength(1);
    expect(state.mergeMessages([message(1, 'bob')]).added).toHaveLength(0);
    expect(state.heldMessages('c1', undefined, 50).map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(state.contiguousFrom('c1', 0)).toBe(3);
  });

  it('a pending message becomes the stored one under the same key: one entry, not two', () => {
    const { state, events } = setup();
    const pending = state.upsertUnsent({
      clientId: 'k1',
      conversationId: 'c1',
      body: 'hi',
      createdAt: T,
      order: 1,
      failed: null,
    });
    expect(pending?.state).toBe('pending');
    state.mergeMessages([message(1, 'me', 'k1')]);
    const held = state.heldMessages('c1', undefined, 50);
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ key: 'me:k1', seq: 1, state: 'sent' });
    const keys = events.flatMap((e) => (e.type === 'message' ? [e.message.key] : []));
    expect(new Set(keys)).toEqual(new Set(['me:k1']));
  });

  it("counts others' messages after the read watermark as unread, never one's own", () => {
    const { state } = setup();
    state.upsertConversation(conversation({ unreadCount: 2, lastMessage: message(2, 'bob') }));
    state.mergeMessages([message(3, 'bob'), message(4, 'me')]);
    expect(state.conversationView('c1')?.unreadCount).toBe(3);
    state.markRead('c1', 4);
    expect(state.conversationView('c1')?.unreadCount).toBe(0);
    // A stale snapshot never moves the watermark down.
    state.upsertConversation(conversation({ lastReadSeq: 1, unreadCount: 3 }));
    expect(state.conversationView('c1')?.lastReadSeq).toBe(4);
  });

  it('receipts move own messages to delivered then read with one compact event each', () => {
    const { state, events } = setup();
    state.mergeMessages([message(1, 'me'), message(2, 'me')]);
    events.length = 0;
    state.applyReceipt({ conversationId: 'c1', userId: 'bob', type: 'delivered', seq: 2 });
    state.applyReceipt({ conversationId: 'c1', userId: 'bob', type: 'read', seq: 1 });
    state.applyReceipt({ conversationId: 'c1', userId: 'bob', type: 'delivered', seq: 1 });
    expect(events.filter((e) => e.type === 'delivery')).toEqual([
      { type: 'delivery', conversationId: 'c1', upToSeq: 2, state: 'delivered' },
      { type: 'delivery', conversationId: 'c1', upToSeq: 1, state: 'read' },
    ]);
    expect(state.heldMessages('c1', undefined, 50).map((m) => m.state)).toEqual([
      'read',
      'delivered',
    ]);
  });

  it('typing expires after 5 s without renewal, and stops when the typist sends', () => {
    const { state, events, clock } = setup();
    state.applyTyping({ conversationId: 'c1', userId: 'bob', typing: true });
    clock.advance(4_999);
    expect(events.at(-1)).toEqual({ type: 'typing', conversationId: 'c1', userIds: ['bob'] });
    clock.advance(1);
    expect(events.at(-1)).toEqual({ type: 'typing', conversationId: 'c1', userIds: [] });

    state.applyTyping({ conversationId: 'c1', userId: 'bob', typing: true });
    state.mergeMessages([message(1, 'bob')]);
    expect(events.filter((e) => e.type === 'typing').at(-1)).toEqual({
      type: 'typing',
      conversationId: 'c1',
      userIds: [],
    });
  });
});
