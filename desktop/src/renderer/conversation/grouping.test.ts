import { describe, expect, it } from 'vitest';
import type { LocalMessage } from '../../shared/bridge';
import { firstUnreadKey, rowLayout } from './grouping';

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
    const unread = firstUnreadKey(list, list[0]?.seq ?? 0);
    expect(unread).toBe(list[1]?.key);
    expect(rowLayout(list, 0, unread)).toMatchObject({ groupEnd: true, unreadDivider: false });
    expect(rowLayout(list, 1, unread)).toMatchObject({ unreadDivider: true, groupStart: true });
  });

  it('never marks the caller’s own or unsent messages as unread', () => {
    const list = [
      msg('me', day1(10, 0)),
      msg('me', day1(10, 1), { seq: null, id: null, state: 'pending', outboxOrder: 1 }),
    ];
    expect(firstUnreadKey(list, 0)).toBeNull();
  });
});
