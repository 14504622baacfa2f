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
    rev: 0,
    admins: [],
    notifications: 'all',
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
    kind: 'text',
    system: null,
    rev: seq,
    editedAt: null,
    deletedAt: null,
    replyTo: null,
    reactions: [],
    mentions: [],
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

  it('a changed message replaces the held copy only when its rev is higher', () => {
    const { state } = setup();
    state.mergeMessages([message(1, 'bob')]);
    const edited = { ...message(1, 'bob'), body: 'edited', rev: 5 };
    const older = { ...message(1, 'bob'), body: 'older edit', rev: 3 };
    state.applyUpdate(edited);
    state.applyUpdate(older);
    expect(state.heldMessages('c1', undefined, 50).map((m) => m.body)).toEqual(['edited']);
    // A change to a message not held yet is taken in; one of an unknown conversation is reported.
    state.applyUpdate({ ...message(2, 'bob'), rev: 6 });
    expect(state.heldMessages('c1', undefined, 50).map((m) => m.seq)).toEqual([1, 2]);
    expect(state.applyUpdate({ ...message(3, 'bob'), conversationId: 'c9' })).toEqual({
      unknownConversation: true,
    });
  });

  it('the conversation preview follows an edit and a deletion of the last message', () => {
    const { state } = setup();
    state.mergeMessages([message(1, 'bob'), message(2, 'bob')]);
    state.applyUpdate({ ...message(2, 'bob'), body: 'edited', rev: 7, editedAt: T });
    const lastView = () => state.conversationView('c1')?.lastMessage;
    expect(lastView()).toMatchObject({ seq: 2, body: 'edited' });
    state.applyUpdate({ ...message(2, 'bob'), body: '', rev: 8, deletedAt: T });
    expect(lastView()).toMatchObject({ seq: 2, body: '', deletedAt: T });
  });

  it('a queued change shows at once, pending; a refusal shows the server copy with the reason', () => {
    const { state, events } = setup();
    state.mergeMessages([message(1, 'me'), message(2, 'bob')]);
    state.upsertChange('c1', {
      id: 'x1',
      change: { kind: 'edit', seq: 1, body: 'fixed' },
      createdAt: T,
    });
    state.upsertChange('c1', {
      id: 'x2',
      change: { kind: 'react', seq: 2, emoji: '👍', on: true },
      createdAt: T,
    });
    expect(state.heldBySeq('c1', 1)).toMatchObject({
      body: 'fixed',
      editedAt: T,
      changePending: true,
    });
    expect(state.heldBySeq('c1', 2)?.reactions).toEqual([{ emoji: '👍', userIds: ['me'] }]);
    expect(state.conversationView('c1')?.lastMessage?.reactions).toHaveLength(1);
    const shown = events.findLast((e) => e.type === 'message');
    expect(shown?.type === 'message' && shown.message.changePending).toBe(true);

    state.removeChange('c1', 'x1', { code: 'forbidden', message: 'not yours' });
    expect(state.heldBySeq('c1', 1)).toMatchObject({
      body: 'b1',
      editedAt: null,
      changeError: { code: 'forbidden' },
    });
    expect(state.heldBySeq('c1', 1)?.changePending).toBeUndefined();
    // Applied: the server's copy arrives, the overlay goes.
    state.applyUpdate({
      ...message(2, 'bob'),
      rev: 9,
      reactions: [{ emoji: '👍', userIds: ['me'] }],
    });
    state.removeChange('c1', 'x2');
    expect(state.heldBySeq('c1', 2)).toMatchObject({
      reactions: [{ emoji: '👍', userIds: ['me'] }],
    });
    expect(state.heldBySeq('c1', 2)?.changePending).toBeUndefined();
  });

  it('accept starts the synced watermark at the newest page and moves it over what is held', () => {
    const { state } = setup();
    // Live messages before any page: nothing to resume from yet.
    expect(state.accept([message(7, 'bob')]).behind).toEqual([]);
    expect(state.syncedSeq('c1')).toBeNull();
    state.accept([message(4, 'bob'), message(5, 'bob')], { conversationId: 'c1', newest: 5 });
    // 7 is held, 6 is not: the watermark stops before the hole.
    expect(state.syncedSeq('c1')).toBe(5);
    // A later newest page does not move an existing watermark.
    state.accept([], { conversationId: 'c1', newest: 9 });
    expect(state.syncedSeq('c1')).toBe(5);
    expect(state.accept([message(6, 'me')]).behind).toEqual([]);
    expect(state.syncedSeq('c1')).toBe(7);
  });

  it('accept reports a conversation where a message arrived beyond a hole', () => {
    const { state } = setup();
    state.accept([message(1, 'bob')], { conversationId: 'c1', through: 1 });
    expect(state.accept([message(3, 'bob')]).behind).toEqual(['c1']);
    expect(state.syncedSeq('c1')).toBe(1);
    // Catch-up fills the hole: everything through 2 is held, and 3 was already.
    expect(state.accept([message(2, 'bob')], { conversationId: 'c1', through: 2 }).behind).toEqual(
      [],
    );
    expect(state.syncedSeq('c1')).toBe(3);
  });

  it('accept leaves messages of unknown conversations to the caller', () => {
    const { state } = setup();
    const result = state.accept([{ ...message(1, 'bob'), conversationId: 'c2' }]);
    expect(result).toEqual({ added: [], unknownConversations: ['c2'], behind: [] });
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

  it('unsent messages say they wait once the connection has been down for the ack timeout; a refused one stays not sent', () => {
    const { state, clock } = setup();
    const unsent = (clientId: string, order: number, failed = false) =>
      state.upsertUnsent({
        clientId,
        conversationId: 'c1',
        body: clientId,
        createdAt: T,
        order,
        failed: failed ? { code: 'forbidden', message: 'Refused.' } : null,
      });
    const stateOf = (clientId: string) =>
      state.heldMessages('c1', undefined, 50).find((m) => m.clientId === clientId)?.state;
    state.setConnectionStatus('online');
    unsent('k1', 1);
    unsent('refused', 2, true);
    state.setConnectionStatus('reconnecting');
    clock.advance(9_999);
    expect(stateOf('k1')).toBe('pending');
    clock.advance(1);
    expect(stateOf('k1')).toBe('waiting');
    expect(stateOf('refused')).toBe('failed');
    // Written while waiting: says so at once.
    expect(unsent('k2', 3)?.state).toBe('waiting');

    state.setConnectionStatus('catching-up');
    expect([stateOf('k1'), stateOf('k2'), stateOf('refused')]).toEqual([
      'pending',
      'pending',
      'failed',
    ]);
    // A short blip never shows it.
    state.setConnectionStatus('reconnecting');
    clock.advance(5_000);
    state.setConnectionStatus('online');
    clock.advance(10_000);
    expect(stateOf('k1')).toBe('pending');
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
