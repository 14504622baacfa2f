import { describe, expect, it } from 'vitest';
import { createDraftStore, type DraftStorage } from './drafts';

/** sessionStorage's behaviour, in memory. */
function memoryStorage(): DraftStorage & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    get length() {
      return entries.size;
    },
    key: (index) => [...entries.keys()][index] ?? null,
    getItem: (key) => entries.get(key) ?? null,
    setItem: (key, value) => void entries.set(key, value),
    removeItem: (key) => void entries.delete(key),
  };
}

describe('drafts', () => {
  it('survive a reload: a new store over the same storage has them', () => {
    const storage = memoryStorage();
    createDraftStore(storage, 'alice').set('c1', 'half a thought');
    expect(createDraftStore(storage, 'alice').get('c1')).toBe('half a thought');
    expect(createDraftStore(storage, 'alice').get('c2')).toBe('');
  });

  it('belong to one account: another who signs in in the same tab never sees them', () => {
    const storage = memoryStorage();
    createDraftStore(storage, 'alice').set('c1', 'private');
    expect(createDraftStore(storage, 'bob').get('c1')).toBe('');
  });

  it('are removed when emptied or sent, and all of an account’s on clear', () => {
    const storage = memoryStorage();
    const alice = createDraftStore(storage, 'alice');
    const bob = createDraftStore(storage, 'bob');
    alice.set('c1', 'one');
    alice.set('c2', 'two');
    bob.set('c1', 'bob’s');
    alice.set('c1', '');
    expect(alice.get('c1')).toBe('');
    alice.clear();
    expect(createDraftStore(storage, 'alice').get('c2')).toBe('');
    expect([...storage.entries.values()]).toEqual(['bob’s']);
  });

  it('still work in memory when storage refuses', () => {
    const refusing: DraftStorage = {
      length: 0,
      key: () => null,
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('quota');
      },
      removeItem: () => undefined,
    };
    const drafts = createDraftStore(refusing, 'alice');
    drafts.set('c1', 'kept');
    expect(drafts.get('c1')).toBe('kept');
    expect(createDraftStore(null, 'alice').get('c1')).toBe('');
  });
});
