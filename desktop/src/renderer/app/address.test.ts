import { describe, expect, it } from 'vitest';
import { conversationIdFromPath, conversationPath } from './address';

describe('conversation addresses', () => {
  it('round-trip any id, however it is spelt', () => {
    for (const id of ['c1', '3f2a9c1e-0000-4000-8000-000000000000', 'a/b?c#d', 'ünï cødé']) {
      expect(conversationIdFromPath(conversationPath(id))).toBe(id);
    }
  });

  it('give the list for no conversation, and no id for other paths', () => {
    expect(conversationPath(null)).toBe('/');
    for (const path of ['/', '/c/', '/c', '/x/abc', '/c/a/b', '/c/%E0%A4%A']) {
      expect(conversationIdFromPath(path)).toBeNull();
    }
    expect(conversationIdFromPath('/c/abc/')).toBe('abc');
  });
});
