import { describe, expect, it } from 'vitest';
import { RecentIds } from './service';

describe('RecentIds', () => {
  it('remembers the most recent ids up to its capacity, forgetting the oldest first', () => {
    const ids = new RecentIds(2);
    ids.add('a');
    ids.add('b');
    expect(ids.has('a') && ids.has('b')).toBe(true);
    ids.add('c');
    expect(ids.has('a')).toBe(false);
    expect(ids.has('b') && ids.has('c')).toBe(true);
    // Adding one it holds changes nothing: 'b' is still the oldest.
    ids.add('b');
    ids.add('d');
    expect(ids.has('b')).toBe(false);
    expect(ids.has('c') && ids.has('d')).toBe(true);
  });
});
