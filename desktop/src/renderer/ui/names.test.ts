import { describe, expect, it } from 'vitest';
import type { ConversationView } from '../../shared/bridge';
import { avatarColour, conversationTitle, initials, isolated, typingText } from './names';

const user = (id: string, displayName: string) => ({
  id,
  username: id,
  displayName,
  createdAt: '2026-11-26T10:00:00.000Z',
});

const direct: ConversationView = {
  id: 'c1',
  type: 'direct',
  title: null,
  members: [user('me', 'Me Myself'), user('bob', 'Bob Stone')],
  createdAt: '2026-11-26T10:00:00.000Z',
  lastMessage: null,
  lastReadSeq: 0,
  unreadCount: 0,
  receipts: [],
  lastActivityAt: '2026-11-26T10:00:00.000Z',
  admins: [],
};

describe('names', () => {
  it('titles a direct conversation with the other member’s display name', () => {
    expect(conversationTitle(direct, 'me')).toBe('Bob Stone');
    expect(conversationTitle(direct, 'bob')).toBe('Me Myself');
    expect(conversationTitle({ ...direct, type: 'group', title: 'Team' }, 'me')).toBe('Team');
  });

  it('makes initials from the first and last word, or the first two letters', () => {
    expect(initials('Bob Stone')).toBe('BS');
    expect(initials('alice')).toBe('AL');
    expect(initials('  ')).toBe('?');
    expect(initials('émile zola')).toBe('ÉZ');
  });

  it('gives an id the same colour every time', () => {
    expect(avatarColour('user-1')).toBe(avatarColour('user-1'));
    expect(avatarColour('user-1')).toMatch(/^bg-/);
  });

  it('says who is typing', () => {
    expect(typingText(direct, ['bob'])).toBe('\u2068Bob Stone\u2069 is typing…');
    expect(typingText(direct, [])).toBe('');
  });

  it('isolates each name in a sentence, so a right-to-left name cannot reorder it', () => {
    const rtl = { ...direct, members: [user('me', 'Me'), user('m', 'محمد'), user('b', 'Bob')] };
    expect(typingText(rtl, ['m', 'b'])).toBe(
      `${isolated('محمد')} and ${isolated('Bob')} are typing…`,
    );
    expect(isolated('محمد')).toMatch(/^\u2068محمد\u2069$/u);
  });
});
