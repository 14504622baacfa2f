import { describe, expect, it } from 'vitest';
import type { ConversationView } from '../../shared/bridge';
import { unreadTitle } from './title';

function conversation(id: string, unreadCount: number): ConversationView {
  return {
    id,
    type: 'direct',
    title: null,
    members: [],
    createdAt: '2026-01-01T00:00:00.000Z',
    lastMessage: null,
    lastReadSeq: 0,
    unreadCount,
    receipts: [],
    lastActivityAt: '2026-01-01T00:00:00.000Z',
    admins: [],
  };
}

const byId = (...list: ConversationView[]) => Object.fromEntries(list.map((c) => [c.id, c]));

describe('the tab title', () => {
  it('counts every unread message: "(3) Chat"', () => {
    expect(unreadTitle(byId(conversation('a', 2), conversation('b', 1)))).toBe('(3) Chat');
  });

  it('is plain "Chat" when nothing is unread', () => {
    expect(unreadTitle(byId(conversation('a', 0)))).toBe('Chat');
    expect(unreadTitle({})).toBe('Chat');
  });

  it('leaves muted conversations (level "Nothing") out, not those at "Mentions"', () => {
    const muted = { ...conversation('a', 5), notifications: 'none' as const };
    expect(unreadTitle(byId(muted, conversation('b', 1)))).toBe('(1) Chat');
    expect(unreadTitle(byId(muted))).toBe('Chat');
    const mentions = { ...conversation('a', 5), notifications: 'mentions' as const };
    expect(unreadTitle(byId(mentions))).toBe('(5) Chat');
  });

  it('caps the count as the list’s badges do', () => {
    expect(unreadTitle(byId(conversation('a', 120)))).toBe('(99+) Chat');
  });
});
