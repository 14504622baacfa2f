import { describe, expect, it, vi } from 'vitest';
import {
  createMemoryKeyValueStore,
  type KeyValueStore,
} from '../../main/storage/key-value-store.main';
import type { OutboxEntry } from './outbox';
import { createOutboxStorage } from './outbox.main';

function entry(clientId: string, order: number): OutboxEntry {
  return {
    account: 'http://x u1',
    clientId,
    conversationId: 'c1',
    body: `draft ${order}`,
    createdAt: '2026-11-26T10:00:00.000Z',
    order,
    failed: null,
  };
}

describe('outbox storage (core port)', () => {
  it('keeps unsent messages across restarts, in writing order', async () => {
    const store = createMemoryKeyValueStore();
    const outbox = createOutboxStorage(store, () => undefined);
    await outbox.put(entry('b', 2));
    await outbox.put(entry('a', 1));
    await outbox.put({ ...entry('c', 3), failed: { code: 'forbidden', message: 'no' } });
    await outbox.delete('b');
    const reloaded = await createOutboxStorage(store, () => undefined).load();
    expect(reloaded.map((e) => e.clientId)).toEqual(['a', 'c']);
    expect(reloaded[1]?.failed).toEqual({ code: 'forbidden', message: 'no' });
  });

  it("leaves an unreadable entry in place instead of deleting the user's words", async () => {
    const store = createMemoryKeyValueStore();
    store.set('outbox', { a: entry('a', 1), broken: { body: 'half a message' } });
    const log = vi.fn();
    const outbox = createOutboxStorage(store, log);
    expect((await outbox.load()).map((e) => e.clientId)).toEqual(['a']);
    expect(log).toHaveBeenCalledOnce();
    await outbox.put(entry('d', 4));
    expect(store.get('outbox')).toHaveProperty('broken', { body: 'half a message' });
  });

  it('rejects when the write fails, so the core does not think the message is safe', async () => {
    const failing: KeyValueStore = {
      get: () => undefined,
      set: () => {
        throw new Error('ENOSPC');
      },
      delete: () => undefined,
    };
    await expect(createOutboxStorage(failing, () => undefined).put(entry('a', 1))).rejects.toThrow(
      'ENOSPC',
    );
  });
});
