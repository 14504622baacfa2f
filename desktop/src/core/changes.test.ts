import { describe, expect, it } from 'vitest';
import type { LocalMessage } from '../shared/bridge';
import { withChanges, type PendingChange } from './changes';

const T = '2026-11-26T10:00:00.000Z';
const LATER = '2026-11-26T10:05:00.000Z';

function stored(over: Partial<LocalMessage> = {}): LocalMessage {
  return {
    key: 'me:c1',
    conversationId: 'c1',
    clientId: 'c1',
    senderId: 'me',
    body: 'hello',
    createdAt: T,
    id: 'm1',
    seq: 1,
    outboxOrder: null,
    mine: true,
    state: 'sent',
    error: null,
    kind: 'text',
    editedAt: null,
    deletedAt: null,
    replyTo: null,
    reactions: [{ emoji: '👍', userIds: ['bob'] }],
    mentions: [],
    ...over,
  };
}

const change = (c: PendingChange['change']): PendingChange => ({
  id: 'x',
  change: c,
  createdAt: LATER,
});

describe('a stored message with changes still in the outbox', () => {
  it('shows the edit, marked edited and pending', () => {
    expect(
      withChanges(stored(), [change({ kind: 'edit', seq: 1, body: 'hi' })], 'me'),
    ).toMatchObject({
      body: 'hi',
      editedAt: LATER,
      changePending: true,
    });
  });

  it('toggles only the user’s own reaction, in the order the changes were made', () => {
    const shown = withChanges(
      stored(),
      [
        change({ kind: 'react', seq: 1, emoji: '👍', on: true }),
        change({ kind: 'react', seq: 1, emoji: '🎉', on: true }),
        change({ kind: 'react', seq: 1, emoji: '🎉', on: false }),
        change({ kind: 'react', seq: 1, emoji: '😮', on: false }),
      ],
      'me',
    );
    expect(shown.reactions).toEqual([{ emoji: '👍', userIds: ['bob', 'me'] }]);
    const off = withChanges(
      stored({ reactions: [{ emoji: '👍', userIds: ['me'] }] }),
      [change({ kind: 'react', seq: 1, emoji: '👍', on: false })],
      'me',
    );
    expect(off.reactions).toEqual([]);
  });

  it('a deletion shows the tombstone, and nothing after it changes it', () => {
    const shown = withChanges(
      stored(),
      [change({ kind: 'delete', seq: 1 }), change({ kind: 'edit', seq: 1, body: 'too late' })],
      'me',
    );
    expect(shown).toMatchObject({ body: '', deletedAt: LATER, reactions: [], changePending: true });
  });

  it('no changes: the message as stored', () => {
    const message = stored();
    expect(withChanges(message, [], 'me')).toBe(message);
  });
});
