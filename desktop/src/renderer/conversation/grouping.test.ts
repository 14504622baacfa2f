import { describe, expect, it } from 'vitest';
import type { LocalMessage } from '../../shared/bridge';
import { locateFirstUnread, rowLayout, type ReadPosition } from './grouping';

let next = 1;
function msg(senderId: string, createdAt: Date, extra: Partial<LocalMessage> = {}): LocalMessage {
  const n = next++;
  return {
    key: `${senderId}:c${n}`,
    conversationId: 'c',
    clientId: `c${n}`,
    senderId,
    body: `message ${n}`,
    createdAt: createdAt.toISOString(),
    id: `m${n}`,
    seq: n,
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

const day1 = (h: number, m: number) => new Date(2026, 10, 25, h, m);
const day2 = (h: number, m: number) => new Date(2026, 10, 26, h, m);

describe('rowLayout', () => {
  it('groups consecutive messages of one sender and breaks on another sender', () => {
    const list = [msg('a', day1(10, 0)), msg('a', day1(10, 1)), msg('b', day1(10, 2))];
    expect(rowLayout(list, 0, null)).toEqual({
      newDay: true,
      unreadDivider: false,
      groupStart: true,
      groupEnd: false,
    });
    expect(rowLayout(list, 1, null)).toMatchObject({
      newDay: false,
      groupStart: false,
      groupEnd: true,
    });
    expect(rowLayout(list, 2, null)).toMatchObject({ groupStart: true, groupEnd: true });
  });

  it('starts a new day, and a new group, at local midnight', () => {
    const list = [msg('a', day1(23, 59)), msg('a', day2(0, 1))];
    expect(rowLayout(list, 0, null)).toMatchObject({ groupEnd: true });
    expect(rowLayout(list, 1, null)).toMatchObject({ newDay: true, groupStart: true });
  });

  it('breaks a group after a long pause by the same sender', () => {
    const list = [msg('a', day1(10, 0)), msg('a', day1(10, 30))];
    expect(rowLayout(list, 1, null)).toMatchObject({ newDay: false, groupStart: true });
  });

  it('puts the unread divider above the first unread message and breaks the group there', () => {
    const list = [msg('a', day1(10, 0)), msg('a', day1(10, 1)), msg('a', day1(10, 2))];
    const first = locateFirstUnread(list, false, opened(list, list[0]?.seq ?? 0, 2));
    expect(first).toEqual({ where: 'loaded', key: list[1]?.key });
    const unread = first.where === 'loaded' ? first.key : null;
    expect(rowLayout(list, 0, unread)).toMatchObject({ groupEnd: true, unreadDivider: false });
    expect(rowLayout(list, 1, unread)).toMatchObject({ unreadDivider: true, groupStart: true });
  });

  it('never marks the caller’s own or unsent messages as unread', () => {
    const list = [
      msg('me', day1(10, 0)),
      msg('me', day1(10, 1), { seq: null, id: null, state: 'pending', outboxOrder: 1 }),
    ];
    expect(locateFirstUnread(list, false, opened(list, 0, 0))).toEqual({ where: 'none' });
  });
});

/** A run of messages from `a` with seqs from..to, as a page of history holds them. */
function page(from: number, to: number, senderId = 'a'): LocalMessage[] {
  return Array.from({ length: to - from + 1 }, (_, i) =>
    msg(senderId, day1(9, 0), { seq: from + i, key: `${senderId}:s${from + i}` }),
  );
}

function opened(
  list: readonly LocalMessage[],
  lastReadSeq: number,
  unreadCount: number,
): ReadPosition {
  return { lastReadSeq, unreadCount, latestSeq: list.findLast((m) => m.seq !== null)?.seq ?? 0 };
}

describe('locateFirstUnread', () => {
  it('says the first unread message is older when the page starts after the watermark', () => {
    // 260 unread, the first page held the latest 200 of them.
    const list = page(61, 260);
    expect(locateFirstUnread(list, true, opened(list, 0, 260))).toEqual({
      where: 'older',
      loaded: 200,
    });
  });

  it('finds it once the message right after the watermark is held', () => {
    const list = page(31, 260);
    expect(locateFirstUnread(list, true, opened(list, 30, 230))).toEqual({
      where: 'loaded',
      key: 'a:s31',
    });
  });

  it('finds it at the beginning of the history, whatever the count said', () => {
    const list = page(1, 100);
    expect(locateFirstUnread(list, false, opened(list, 0, 500))).toEqual({
      where: 'loaded',
      key: 'a:s1',
    });
  });

  it('trusts the unread count when the unheld older messages are the user’s own', () => {
    // Bob wrote 281…300 after the user's own 1…280; only 20 were unread.
    const list = [...page(251, 280, 'me'), ...page(281, 300, 'b')];
    const position = opened(list, 0, 20);
    expect(locateFirstUnread(list, true, position)).toEqual({ where: 'loaded', key: 'b:s281' });
  });

  it('does not count messages that arrived after the conversation was opened', () => {
    const atOpen = page(41, 100);
    const position = opened(atOpen, 100, 0);
    const later = [...atOpen, ...page(101, 102, 'b')];
    expect(locateFirstUnread(later, true, position)).toEqual({ where: 'none' });
  });

  it('puts the divider on the first unread message once older pages bring it in', () => {
    const position = opened(page(61, 260), 10, 250);
    expect(locateFirstUnread(page(61, 260), true, position).where).toBe('older');
    const all = [...page(1, 60), ...page(61, 260)];
    expect(locateFirstUnread(all, false, position)).toEqual({ where: 'loaded', key: 'a:s11' });
  });
});
