import { describe, expect, it } from 'vitest';
import type { ConversationView, LocalMessage, SessionInfo } from '../../shared/bridge';
import {
  FIRST_ITEM_INDEX,
  initialState,
  reducer,
  sortedConversations,
  type Action,
  type ChatUiState,
} from './reducer';

function stored(seq: number, senderId = 'other', extra: Partial<LocalMessage> = {}): LocalMessage {
  return {
    key: `${senderId}:c${seq}`,
    conversationId: 'c1',
    clientId: `c${seq}`,
    senderId,
    body: `message ${seq}`,
    createdAt: new Date(Date.UTC(2026, 10, 26, 10, seq)).toISOString(),
    id: `m${seq}`,
    seq,
    outboxOrder: null,
    mine: senderId === 'me',
    state: 'sent',
    error: null,
    kind: 'text',
    editedAt: null,
    deletedAt: null,
    replyTo: null,
    reactions: [],
    mentions: [],
    ...extra,
  };
}

function pending(order: number): LocalMessage {
  return {
    ...stored(0, 'me'),
    key: `me:p${order}`,
    clientId: `p${order}`,
    id: null,
    seq: null,
    outboxOrder: order,
    state: 'pending',
  };
}

function run(actions: Action[], state: ChatUiState = initialState): ChatUiState {
  return actions.reduce(reducer, state);
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => stored(from + i));

const keys = (state: ChatUiState) => state.messages.c1?.items.map((m) => m.key) ?? [];

describe('reducer: messages', () => {
  it('prepending older history lowers firstItemIndex by exactly the messages added', () => {
    const state = run([
      {
        type: 'history-loaded',
        conversationId: 'c1',
        page: { messages: range(51, 100), hasMore: true },
        older: false,
      },
      {
        type: 'history-loaded',
        conversationId: 'c1',
        page: { messages: range(1, 50), hasMore: false },
        older: true,
      },
    ]);
    const list = state.messages.c1;
    expect(list?.items).toHaveLength(100);
    expect(list?.items.map((m) => m.seq)).toEqual(range(1, 100).map((m) => m.seq));
    expect(list?.firstItemIndex).toBe(FIRST_ITEM_INDEX - 50);
    expect(list?.hasMore).toBe(false);
  });

  it('older messages announced as events before their page lands still count as prepended', () => {
    const older = range(1, 50);
    const state = run([
      {
        type: 'history-loaded',
        conversationId: 'c1',
        page: { messages: range(51, 100), hasMore: true },
        older: false,
      },
      // The core emits a `message` event for each message it merges, then answers the call.
      ...older.map((message): Action => ({ type: 'event', event: { type: 'message', message } })),
      {
        type: 'history-loaded',
        conversationId: 'c1',
        page: { messages: older, hasMore: false },
        older: true,
      },
    ]);
    expect(state.messages.c1?.items).toHaveLength(100);
    expect(state.messages.c1?.firstItemIndex).toBe(FIRST_ITEM_INDEX - 50);
  });

  it('new messages at the end do not move firstItemIndex', () => {
    const state = run([
      {
        type: 'history-loaded',
        conversationId: 'c1',
        page: { messages: range(1, 10), hasMore: false },
        older: false,
      },
      { type: 'event', event: { type: 'message', message: stored(11) } },
      { type: 'event', event: { type: 'message', message: pending(1) } },
    ]);
    expect(state.messages.c1?.firstItemIndex).toBe(FIRST_ITEM_INDEX);
  });

  it('a page overlapping what is held adds no duplicates and counts only new older ones', () => {
    const state = run([
      {
        type: 'history-loaded',
        conversationId: 'c1',
        page: { messages: range(10, 20), hasMore: true },
        older: false,
      },
      {
        type: 'history-loaded',
        conversationId: 'c1',
        page: { messages: range(5, 12), hasMore: true },
        older: true,
      },
    ]);
    expect(state.messages.c1?.items).toHaveLength(16);
    expect(state.messages.c1?.firstItemIndex).toBe(FIRST_ITEM_INDEX - 5);
  });

  it('a pending message becomes the stored one in place (same key), unsent ones stay last', () => {
    const mine = pending(1);
    const state = run([
      {
        type: 'history-loaded',
        conversationId: 'c1',
        page: { messages: range(1, 3), hasMore: false },
        older: false,
      },
      { type: 'event', event: { type: 'message', message: mine } },
      { type: 'event', event: { type: 'message', message: pending(2) } },
      {
        type: 'event',
        event: {
          type: 'message',
          message: { ...mine, seq: 4, id: 'm4', state: 'sent', outboxOrder: null },
        },
      },
    ]);
    expect(keys(state)).toEqual(['other:c1', 'other:c2', 'other:c3', 'me:p1', 'me:p2']);
    expect(state.messages.c1?.items[3]?.state).toBe('sent');
  });

  it('a message arriving before the history page is kept when the page lands', () => {
    const state = run([
      { type: 'event', event: { type: 'message', message: stored(11) } },
      {
        type: 'history-loaded',
        conversationId: 'c1',
        page: { messages: range(1, 10), hasMore: false },
        older: false,
      },
    ]);
    expect(state.messages.c1?.items.map((m) => m.seq)).toEqual(range(1, 11).map((m) => m.seq));
  });

  it('delivery watermarks raise own messages’ ticks and never lower them', () => {
    const own = [1, 2, 3].map((seq) => stored(seq, 'me'));
    const state = run([
      {
        type: 'history-loaded',
        conversationId: 'c1',
        page: { messages: own, hasMore: false },
        older: false,
      },
      {
        type: 'event',
        event: { type: 'delivery', conversationId: 'c1', upToSeq: 2, state: 'read' },
      },
      {
        type: 'event',
        event: { type: 'delivery', conversationId: 'c1', upToSeq: 3, state: 'delivered' },
      },
    ]);
    expect(state.messages.c1?.items.map((m) => m.state)).toEqual(['read', 'read', 'delivered']);
  });

  it('a discarded failed message disappears', () => {
    const failed = { ...pending(1), state: 'failed' as const };
    const state = run([
      { type: 'event', event: { type: 'message', message: failed } },
      { type: 'event', event: { type: 'message-removed', conversationId: 'c1', key: failed.key } },
    ]);
    expect(keys(state)).toEqual([]);
  });
});

describe('reducer: session and list', () => {
  const alice: SessionInfo = {
    user: {
      id: 'a',
      username: 'alice',
      displayName: 'Alice',
      createdAt: '2026-11-26T10:00:00.000Z',
    },
    serverUrl: 'http://127.0.0.1:4000',
  };

  it('forgets the previous user’s conversations when the session ends', () => {
    const state = run([
      { type: 'event', event: { type: 'session', session: alice, reason: 'signed-in' } },
      { type: 'event', event: { type: 'message', message: stored(1) } },
      { type: 'select', conversationId: 'c1' },
      { type: 'event', event: { type: 'session', session: null, reason: 'expired' } },
    ]);
    expect(state.session).toBeNull();
    expect(state.sessionEnded).toBe('expired');
    expect(state.messages).toEqual({});
    expect(state.activeId).toBeNull();
  });

  it('sorts conversations by last activity, newest first', () => {
    const conversation = (id: string, at: string): ConversationView => ({
      id,
      type: 'group',
      title: id,
      members: [],
      createdAt: at,
      lastMessage: null,
      lastReadSeq: 0,
      unreadCount: 0,
      receipts: [],
      lastActivityAt: at,
      admins: [],
    });
    const state = run([
      {
        type: 'conversations-loaded',
        conversations: [
          conversation('old', '2026-01-01T00:00:00.000Z'),
          conversation('new', '2026-02-01T00:00:00.000Z'),
        ],
      },
      {
        type: 'event',
        event: {
          type: 'conversation',
          conversation: conversation('old', '2026-03-01T00:00:00.000Z'),
        },
      },
    ]);
    expect(sortedConversations(state.conversations).map((c) => c.id)).toEqual(['old', 'new']);
  });
});

describe('reducer: presence', () => {
  const person = (online: boolean) => ({
    id: 'u2',
    username: 'bob',
    displayName: 'Bob',
    createdAt: '',
    online,
    lastSeenAt: null,
  });

  it('forgets who is online while disconnected; the server’s answer restores it', () => {
    const connected = run([
      { type: 'event', event: { type: 'connection', status: 'online' } },
      { type: 'people', people: [person(true)] },
    ]);
    expect(connected.presence.u2?.online).toBe(true);

    const lost = run(
      [{ type: 'event', event: { type: 'connection', status: 'reconnecting' } }],
      connected,
    );
    expect(lost.presence.u2).toBeUndefined();

    const back = run(
      [
        { type: 'event', event: { type: 'connection', status: 'catching-up' } },
        { type: 'event', event: { type: 'connection', status: 'online' } },
        { type: 'people', people: [person(true)] },
      ],
      lost,
    );
    expect(back.presence.u2?.online).toBe(true);
  });

  it('keeps a presence event over an answer asked for before it arrived', () => {
    const online = {
      type: 'event' as const,
      event: { type: 'presence' as const, userId: 'u2', online: true, lastSeenAt: null },
    };
    // Asked while Bob was offline; Bob came online; then the (older) answer arrived.
    const crossed = run([
      { type: 'event', event: { type: 'connection', status: 'online' } },
      online,
      { type: 'people', people: [person(false)], asOf: 0 },
    ]);
    expect(crossed.presence.u2?.online).toBe(true);
    // An answer asked for after the event is the newer news.
    const later = run([{ type: 'people', people: [person(false)], asOf: 1 }], crossed);
    expect(later.presence.u2?.online).toBe(false);
  });

  it('keeps presence while catching up (the socket is up)', () => {
    const state = run([
      { type: 'people', people: [person(true)] },
      { type: 'event', event: { type: 'connection', status: 'catching-up' } },
    ]);
    expect(state.presence.u2?.online).toBe(true);
  });
});

describe('groups in the renderer state (issue #17)', () => {
  const person = (id: string, displayName: string) => ({
    id,
    username: displayName.toLowerCase(),
    displayName,
    createdAt: '',
  });
  const group = (members: ReturnType<typeof person>[], title = 'Team'): ConversationView => ({
    id: 'g1',
    type: 'group',
    title,
    members,
    createdAt: '2026-01-01T00:00:00.000Z',
    lastMessage: null,
    lastReadSeq: 0,
    unreadCount: 0,
    receipts: [],
    lastActivityAt: '2026-01-01T00:00:00.000Z',
    admins: [],
    notifications: 'all',
  });
  const conversationEvent = (conversation: ConversationView): Action => ({
    type: 'event',
    event: { type: 'conversation', conversation },
  });
  it('keeps the name of someone who left, so the history can still name them', () => {
    const state = run([
      conversationEvent(group([person('a', 'Alice'), person('b', 'Bob')])),
      conversationEvent(group([person('a', 'Alice')])),
    ]);
    expect(state.conversations.g1?.members).toHaveLength(1);
    expect(state.names).toEqual({ a: 'Alice', b: 'Bob' });
    // A new name replaces the old one.
    const renamed = run([conversationEvent(group([person('a', 'Alicia')]))], state);
    expect(renamed.names.a).toBe('Alicia');
  });

  it('a rename replaces the title in place', () => {
    const state = run([
      conversationEvent(group([person('a', 'Alice')])),
      conversationEvent(group([person('a', 'Alice')], 'Trip')),
    ]);
    expect(state.conversations.g1?.title).toBe('Trip');
  });

  it('removed from the open conversation: it goes, the empty state says why, until dismissed', () => {
    const state = run([
      conversationEvent(group([person('a', 'Alice')])),
      { type: 'select', conversationId: 'g1' },
      {
        type: 'event',
        event: { type: 'message', message: { ...stored(1), conversationId: 'g1' } },
      },
      { type: 'event', event: { type: 'conversation-removed', conversationId: 'g1' } },
    ]);
    expect(state.conversations.g1).toBeUndefined();
    expect(state.messages.g1).toBeUndefined();
    expect(state.activeId).toBeNull();
    expect(state.notice).toBe('You are no longer a member of “Team”.');
    expect(reducer(state, { type: 'dismiss-notice' }).notice).toBeNull();
    expect(reducer(state, { type: 'select', conversationId: 'c1' }).notice).toBeNull();
  });

  it('removed from a conversation that is not open: it goes quietly', () => {
    const state = run([
      conversationEvent(group([person('a', 'Alice')])),
      { type: 'select', conversationId: 'c1' },
      { type: 'event', event: { type: 'conversation-removed', conversationId: 'g1' } },
    ]);
    expect(state.conversations.g1).toBeUndefined();
    expect(state.activeId).toBe('c1');
    expect(state.notice).toBeNull();
  });
});

describe('reducer: a detached window of history (jumping far back)', () => {
  const event = (message: LocalMessage): Action => ({
    type: 'event',
    event: { type: 'message', message },
  });
  const seqs = (items: readonly LocalMessage[] | undefined) => items?.map((m) => m.seq) ?? [];
  /** The live tail holds 251–300; a window is opened around 10 (1–20, as `around` answers). */
  const detached = (): ChatUiState =>
    run([
      {
        type: 'history-loaded',
        conversationId: 'c1',
        page: { messages: range(251, 300), hasMore: true },
        older: false,
      },
      // `loadAround` makes the core announce what it merged before the call answers.
      ...range(1, 20).map(event),
      { type: 'window-opened', conversationId: 'c1', targetSeq: 10, messages: range(1, 20) },
    ]);

  it('opening a window around a seq shows it apart from the tail, which keeps no hole', () => {
    const list = detached().messages.c1;
    expect(seqs(list?.window?.items)).toEqual(range(1, 20).map((m) => m.seq));
    expect(list?.window).toMatchObject({ targetSeq: 10, hasOlder: false, hasNewer: true });
    expect(seqs(list?.items)).toEqual(range(251, 300).map((m) => m.seq));
    expect(list?.view).toBe(1);
  });

  it('older pages grow a window with its rows kept in place; a page asked for by a closed window is dropped', () => {
    const state = run(
      [
        { type: 'window-loading', conversationId: 'c1', view: 1, direction: 'newer' },
        ...range(21, 120).map(event),
        {
          type: 'window-page',
          conversationId: 'c1',
          view: 1,
          direction: 'newer',
          page: { messages: range(21, 120), hasMore: true },
        },
      ],
      run(
        [
          {
            type: 'window-opened',
            conversationId: 'c1',
            targetSeq: 150,
            messages: range(141, 160),
          },
          {
            type: 'window-page',
            conversationId: 'c1',
            view: 2,
            direction: 'older',
            page: { messages: range(41, 140), hasMore: true },
          },
        ],
        detached(),
      ),
    );
    const window = state.messages.c1?.window;
    expect(seqs(window?.items)).toEqual(range(41, 160).map((m) => m.seq));
    expect(window?.firstItemIndex).toBe(FIRST_ITEM_INDEX - 100);
    expect(window?.hasOlder).toBe(true);
    // The page of view 1 came after the window of view 2 was opened: dropped.
    expect(window?.loading).toBeNull();
    expect(seqs(state.messages.c1?.items)).toEqual(range(251, 300).map((m) => m.seq));
  });

  it('live messages while detached go to the tail, changes of window messages to the window', () => {
    const state = run(
      [
        event(stored(301)),
        event(pending(1)),
        event(stored(5, 'other', { body: 'edited', editedAt: '2026-11-26T11:00:00.000Z' })),
      ],
      detached(),
    );
    const list = state.messages.c1;
    expect(seqs(list?.items).slice(-2)).toEqual([301, null]);
    expect(list?.window?.items.find((m) => m.seq === 5)?.body).toBe('edited');
    expect(seqs(list?.window?.items)).not.toContain(301);
    expect(seqs(list?.items)).not.toContain(5);
  });

  it('newer pages join the live tail once they meet it; the rows shown keep their indexes', () => {
    let state = detached();
    const before = state.messages.c1?.window?.firstItemIndex;
    for (let from = 21; from <= 221; from += 100) {
      const to = Math.min(from + 99, 260);
      state = reducer(state, {
        type: 'window-page',
        conversationId: 'c1',
        view: 1,
        direction: 'newer',
        page: { messages: range(from, to), hasMore: true },
      });
      if (to < 250) expect(state.messages.c1?.window).not.toBeNull();
    }
    const list = state.messages.c1;
    expect(list?.window).toBeNull();
    expect(seqs(list?.items)).toEqual(range(1, 300).map((m) => m.seq));
    expect(list?.firstItemIndex).toBe(before);
    expect(list?.hasMore).toBe(false);
    expect(list?.view).toBe(1);
  });

  it('a newer page saying there is no more joins too, with the live messages that came meanwhile', () => {
    const state = run(
      [
        event(stored(301)),
        {
          type: 'window-page',
          conversationId: 'c1',
          view: 1,
          direction: 'newer',
          page: { messages: range(21, 300), hasMore: false },
        },
      ],
      detached(),
    );
    expect(state.messages.c1?.window).toBeNull();
    expect(seqs(state.messages.c1?.items)).toEqual(range(1, 301).map((m) => m.seq));
  });

  it('a window around a message next to the tail joins it at once', () => {
    const state = run(
      [{ type: 'window-opened', conversationId: 'c1', targetSeq: 240, messages: range(230, 250) }],
      detached(),
    );
    expect(state.messages.c1?.window).toBeNull();
    expect(seqs(state.messages.c1?.items)).toEqual(range(230, 300).map((m) => m.seq));
  });

  it('"Jump to latest" drops the window and shows the tail afresh; its late pages are ignored', () => {
    const state = run(
      [
        { type: 'window-closed', conversationId: 'c1' },
        {
          type: 'window-page',
          conversationId: 'c1',
          view: 1,
          direction: 'newer',
          page: { messages: range(21, 120), hasMore: true },
        },
      ],
      detached(),
    );
    const list = state.messages.c1;
    expect(list?.window).toBeNull();
    expect(list?.view).toBe(2);
    expect(seqs(list?.items)).toEqual(range(251, 300).map((m) => m.seq));
  });

  it('a failed page is told to the window and cleared by the next attempt', () => {
    let state = run(
      [
        { type: 'window-loading', conversationId: 'c1', view: 1, direction: 'newer' },
        {
          type: 'window-failed',
          conversationId: 'c1',
          view: 1,
          direction: 'newer',
          message: 'offline',
        },
      ],
      detached(),
    );
    expect(state.messages.c1?.window).toMatchObject({ loading: null, error: 'offline' });
    state = reducer(state, {
      type: 'window-loading',
      conversationId: 'c1',
      view: 1,
      direction: 'newer',
    });
    expect(state.messages.c1?.window).toMatchObject({ loading: 'newer', error: null });
  });

  it('a removed message and delivery ticks reach the window too', () => {
    const mine = stored(15, 'me');
    const state = run(
      [
        {
          type: 'window-opened',
          conversationId: 'c1',
          targetSeq: 15,
          messages: [...range(10, 14), mine],
        },
        {
          type: 'event',
          event: { type: 'delivery', conversationId: 'c1', upToSeq: 15, state: 'read' },
        },
        {
          type: 'event',
          event: { type: 'message-removed', conversationId: 'c1', key: 'other:c12' },
        },
      ],
      detached(),
    );
    const window = state.messages.c1?.window;
    expect(window?.items.find((m) => m.seq === 15)?.state).toBe('read');
    expect(seqs(window?.items)).toEqual([10, 11, 13, 14, 15]);
  });
});
