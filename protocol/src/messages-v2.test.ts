import { describe, expect, it } from 'vitest';
import { isSingleEmoji } from './emoji';
import { LIMITS, codePointPrefix } from './limits';
import { Conversation, Message } from './models';
import { EditMessageRequest, HistoryQuery, ReactionPathParams, SendMessageRequest } from './rest';
import { MessageEditPayload, ReactionPayload, SERVER_EVENT_SCHEMAS } from './socket';
import { parse } from './validate';

const V1_MESSAGE = {
  id: 'm1',
  conversationId: 'c1',
  seq: 1,
  senderId: 'u1',
  clientId: 'k1',
  body: 'hello',
  createdAt: '2026-11-26T10:00:00.000Z',
};

describe('message model, version 2', () => {
  it('reads a version 1 message as an unchanged text message', () => {
    expect(Message.parse(V1_MESSAGE)).toEqual({
      ...V1_MESSAGE,
      kind: 'text',
      system: null,
      rev: 0,
      editedAt: null,
      deletedAt: null,
      replyTo: null,
      reactions: [],
      mentions: [],
      attachments: [],
    });
  });

  it('reads a version 1 conversation with rev 0 and no admins', () => {
    const conversation = Conversation.parse({
      id: 'c1',
      type: 'direct',
      title: null,
      members: [],
      createdAt: V1_MESSAGE.createdAt,
      lastMessage: V1_MESSAGE,
      lastReadSeq: 0,
      unreadCount: 0,
      receipts: [],
    });
    expect(conversation).toMatchObject({ rev: 0, admins: [], lastMessage: { kind: 'text' } });
  });

  it('keeps every version 2 field of a changed message', () => {
    const changed = {
      ...V1_MESSAGE,
      kind: 'text',
      system: null,
      rev: 7,
      editedAt: '2026-11-26T10:01:00.000Z',
      deletedAt: null,
      replyTo: { seq: 1, senderId: 'u2', excerpt: 'quoted', deleted: false },
      reactions: [{ emoji: '👍', userIds: ['u1', 'u2'] }],
      mentions: ['u2'],
      attachments: [],
    };
    expect(Message.parse(changed)).toEqual(changed);
    expect(SERVER_EVENT_SCHEMAS['message:updated'].parse(changed)).toEqual(changed);
  });

  it('refuses a system message event it does not know', () => {
    const system = { event: 'member_exploded', actorId: 'u1', userIds: [], title: null };
    expect(Message.safeParse({ ...V1_MESSAGE, kind: 'system', system }).success).toBe(false);
  });
});

describe('reaction emoji', () => {
  it.each(['👍', '👍🏽', '❤️', '❤', '👨‍👩‍👧', '🇫🇷', '1️⃣', '🏴‍☠️', '🏴󠁧󠁢󠁳󠁣󠁴󠁿'])('accepts %s', (emoji) => {
    expect(isSingleEmoji(emoji)).toBe(true);
    expect(
      ReactionPayload.safeParse({ conversationId: 'c', seq: 1, emoji, on: true }).success,
    ).toBe(true);
  });

  it.each(['', 'a', '1', ':)', '👍👍', '👍 ', ' 👍', 'ok👍', '\u200d', '\ufe0f', '<b>'])(
    'refuses %j',
    (emoji) => {
      expect(isSingleEmoji(emoji)).toBe(false);
      const parsed = parse(ReactionPathParams, { seq: '1', emoji });
      expect(parsed.ok).toBe(false);
    },
  );

  it('refuses an over-long text before segmenting it', () => {
    expect(isSingleEmoji('👍'.repeat(LIMITS.emojiLengthMax))).toBe(false);
    expect(isSingleEmoji(`👍${'\ufe0f'.repeat(LIMITS.emojiLengthMax)}`)).toBe(false);
  });
});

describe('message lifecycle requests', () => {
  it('takes replyToSeq on send, a positive whole number', () => {
    expect(SendMessageRequest.parse({ clientId: 'a', body: 'x', replyToSeq: 3 })).toEqual({
      clientId: 'a',
      body: 'x',
      replyToSeq: 3,
    });
    expect(SendMessageRequest.safeParse({ clientId: 'a', body: 'x', replyToSeq: 0 }).success).toBe(
      false,
    );
    expect(
      SendMessageRequest.safeParse({ clientId: 'a', body: 'x', replyToSeq: '3' }).success,
    ).toBe(false);
  });

  it('validates an edited body like a sent one, 413 for an over-long one', () => {
    expect(parse(EditMessageRequest, { body: '  ' }).ok).toBe(false);
    const tooLong = parse(EditMessageRequest, { body: 'x'.repeat(LIMITS.messageBodyMax + 1) });
    expect(tooLong.ok ? null : tooLong.error.code).toBe('payload_too_large');
    expect(MessageEditPayload.safeParse({ conversationId: 'c', seq: 0, body: 'x' }).success).toBe(
      false,
    );
  });

  it('reads changedAfter and around, one cursor at a time', () => {
    expect(HistoryQuery.parse({ changedAfter: '0' })).toEqual({ limit: 50, changedAfter: 0 });
    expect(HistoryQuery.parse({ around: '12', limit: '9' })).toEqual({ limit: 9, around: 12 });
    expect(HistoryQuery.safeParse({ around: '0' }).success).toBe(false);
    expect(HistoryQuery.safeParse({ around: '3', changedAfter: '1' }).success).toBe(false);
    expect(HistoryQuery.safeParse({ before: '3', changedAfter: '1' }).success).toBe(false);
    expect(HistoryQuery.safeParse({ before: '3', after: '1' }).success).toBe(false);
  });
});

describe('codePointPrefix', () => {
  it('cuts at code points, never inside a surrogate pair', () => {
    expect(codePointPrefix('😀😀😀', 2)).toBe('😀😀');
    expect(codePointPrefix('abc', 200)).toBe('abc');
    expect(codePointPrefix('', 3)).toBe('');
  });
});
