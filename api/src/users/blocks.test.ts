import { describe, expect, it } from 'vitest';
import { Blocks } from './blocks';

/** A store of blocks whose reads are counted and can be held back. */
function storeOf(blocks: Map<string, string[]>) {
  const store = {
    reads: 0,
    hold: null as Promise<void> | null,
    async listBlocked(blockerId: string) {
      store.reads += 1;
      const answer = [...(blocks.get(blockerId) ?? [])];
      if (store.hold) await store.hold;
      return answer;
    },
  };
  return store;
}

describe('Blocks', () => {
  it('reads whom a user blocks once, and again after forget', async () => {
    const data = new Map([['ann', ['ben']]]);
    const store = storeOf(data);
    const blocks = new Blocks(store);
    expect(await blocks.isBlocked('ann', 'ben')).toBe(true);
    expect(await blocks.isBlocked('ann', 'cat')).toBe(false);
    expect(store.reads).toBe(1);
    data.set('ann', []);
    blocks.forget('ann');
    expect(await blocks.isBlocked('ann', 'ben')).toBe(false);
    expect(store.reads).toBe(2);
  });

  it('does not remember a read that a change overtook', async () => {
    const data = new Map<string, string[]>();
    const store = storeOf(data);
    const blocks = new Blocks(store);
    let release = () => {};
    store.hold = new Promise((resolve) => (release = resolve));
    // The read sees "nobody"; the block lands while it is in flight.
    const stale = blocks.isBlocked('ann', 'ben');
    data.set('ann', ['ben']);
    blocks.forget('ann');
    release();
    expect(await stale).toBe(false);
    store.hold = null;
    expect(await blocks.isBlocked('ann', 'ben')).toBe(true);
  });
});
