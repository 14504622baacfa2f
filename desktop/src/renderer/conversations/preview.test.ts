import { describe, expect, it } from 'vitest';
import type { ConversationView, LocalMessage, User } from '../../shared/bridge';
import { preview } from './preview';

const T = '2026-01-01T10:00:00.000Z';
const me: User = { id: 'me', username: 'me', displayName: 'Me Myself', createdAt: T };
const bob: User = { id: 'bob', username: 'bob', displayName: 'Bob Builder', createdAt: T };

function message(over: Partial<LocalMessage>): LocalMessage {
  return {
    key: 'k',
    conversationId: 'c1',
    clientId: 'x',
    senderId: 'bob',
    body: 'see you at 8',
    createdAt: T,
    id: 'm1',
    seq: 1,
    outboxOrder: null,
    mine: false,
    state: 'sent',
    error: null,
    kind: 'text',
    editedAt: null,
    deletedAt: null,
    replyTo: null,
    reactions: [],
    mentions: [],
    ...over,
  };
}

function conversation(
  type: 'direct' | 'group',
  lastMessage: LocalMessage | null,
): ConversationView {
  return {
    id: 'c1',
    type,
    title: type === 'group' ? 'Dinner' : null,
    members: [me, bob],
    createdAt: T,
    lastMessage,
    lastReadSeq: 0,
    unreadCount: 0,
    receipts: [],
    lastActivityAt: T,
    admins: [],
  };
}

describe('conversation preview', () => {
  it('names the sender of a group’s last message', () => {
    expect(preview(conversation('group', message({})))).toBe('Bob Builder: see you at 8');
  });

  it('says "You" for one’s own, in groups and direct conversations', () => {
    const mine = message({ senderId: 'me', mine: true, body: 'on my way' });
    expect(preview(conversation('group', mine))).toBe('You: on my way');
    expect(preview(conversation('direct', mine))).toBe('You: on my way');
  });

  it('needs no name in a direct conversation: there is only one other person', () => {
    expect(preview(conversation('direct', message({})))).toBe('see you at 8');
  });

  it('falls back to "Someone" for a sender who is no longer a member', () => {
    expect(preview(conversation('group', message({ senderId: 'gone' })))).toBe(
      'Someone: see you at 8',
    );
  });

  it('follows an edit, and says a deleted last message was deleted', () => {
    expect(preview(conversation('direct', message({ body: 'fixed', editedAt: T })))).toBe('fixed');
    expect(preview(conversation('direct', message({ body: '', deletedAt: T })))).toBe(
      'This message was deleted',
    );
    expect(preview(conversation('direct', message({ mine: true, body: '', deletedAt: T })))).toBe(
      'You: This message was deleted',
    );
  });

  it('shows formatted text without its markers', () => {
    expect(preview(conversation('direct', message({ body: '**Big** news: `v2` is *out*' })))).toBe(
      'Big news: v2 is out',
    );
  });

  it('keeps one line and flags what was not sent', () => {
    expect(preview(conversation('group', message({ body: '  a\n\nb  ' })))).toBe(
      'Bob Builder: a b',
    );
    expect(
      preview(conversation('group', message({ mine: true, state: 'failed', body: 'oops' }))),
    ).toBe('Not sent: oops');
    expect(preview(conversation('group', null))).toBe('No messages yet');
  });

  it('tells a group change as a sentence, not an empty body', () => {
    const added = message({
      kind: 'system',
      body: '',
      system: { event: 'member_added', actorId: 'bob', userIds: ['me'], title: null },
    });
    expect(preview(conversation('group', added), 'me')).toBe('\u2068Bob Builder\u2069 added you');
  });

  it('says what was sent when a message carries files', () => {
    const file = (name: string, image: boolean) => ({
      id: name,
      name,
      contentType: image ? 'image/webp' : 'application/pdf',
      size: 1000,
      width: image ? 640 : null,
      height: image ? 480 : null,
      thumbnail: image,
    });
    const last = (body: string, attachments: ReturnType<typeof file>[]) =>
      preview(conversation('direct', message({ body, attachments })));
    expect(last('', [file('cat.webp', true)])).toBe('📷 Photo');
    expect(last('', [file('a.webp', true), file('b.webp', true)])).toBe('📷 2 photos');
    expect(last('', [file('report.pdf', false)])).toBe('📎 report.pdf');
    expect(last('', [file('a.webp', true), file('report.pdf', false)])).toBe('📎 2 files');
    expect(last('look', [file('cat.webp', true)])).toBe('📷 look');
    expect(
      preview(conversation('group', message({ body: '', attachments: [file('x.webp', true)] }))),
    ).toBe('Bob Builder: 📷 Photo');
  });
});
