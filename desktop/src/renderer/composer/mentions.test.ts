import { describe, expect, it } from 'vitest';
import { insertMention, matchMembers, mentionQuery } from './mentions';

const members = [
  { id: 'me', username: 'alice', displayName: 'Alice Liddell' },
  { id: 'b', username: 'bob', displayName: 'Bob Builder' },
  { id: 'c', username: 'carol_k', displayName: 'Carol King' },
  { id: 'd', username: 'dave', displayName: 'Bobby Tables' },
];

describe('the @ member picker', () => {
  it('opens for an @ at the start or after whitespace, up to the caret', () => {
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionQuery('hi @bo', 6)).toEqual({ start: 3, query: 'bo' });
    expect(mentionQuery('hi\n@car', 7)).toEqual({ start: 3, query: 'car' });
    // The caret inside the word: only what is before it counts.
    expect(mentionQuery('hi @bob', 5)).toEqual({ start: 3, query: 'b' });
  });

  it('stays closed inside an e-mail address, after a space, or with no @', () => {
    expect(mentionQuery('mail me@example.com', 19)).toBeNull();
    expect(mentionQuery('@bob said', 9)).toBeNull();
    expect(mentionQuery('hello', 5)).toBeNull();
    expect(mentionQuery(`@${'a'.repeat(33)}`, 34)).toBeNull();
  });

  it('leaves out deleted accounts, which have no username to mention', () => {
    const withDeleted = [...members, { id: 'x', username: null, displayName: 'Deleted account' }];
    expect(matchMembers(withDeleted, '', 'me').map((m) => m.id)).not.toContain('x');
    expect(matchMembers(withDeleted, 'del', 'me')).toEqual([]);
  });

  it('lists members but never the user, by username then by any word of the name', () => {
    expect(matchMembers(members, '', 'me').map((m) => m.username)).toEqual([
      'bob',
      'dave',
      'carol_k',
    ]);
    expect(matchMembers(members, 'bo', 'me').map((m) => m.username)).toEqual(['bob', 'dave']);
    expect(matchMembers(members, 'KING', 'me').map((m) => m.username)).toEqual(['carol_k']);
    expect(matchMembers(members, 'al', 'me')).toEqual([]);
  });

  it('inserts @username and a space, replacing the partial word, caret after it', () => {
    expect(insertMention('hi @bo', { start: 3, query: 'bo' }, 6, 'bob')).toEqual({
      text: 'hi @bob ',
      caret: 8,
    });
    expect(insertMention('@b rest', { start: 0, query: 'b' }, 2, 'bob')).toEqual({
      text: '@bob rest',
      caret: 5,
    });
    expect(insertMention('x @bo and', { start: 2, query: 'b' }, 4, 'bob')).toEqual({
      text: 'x @bob and',
      caret: 7,
    });
  });
});
