import { describe, expect, it, vi } from 'vitest';
import {
  createMemoryKeyValueStore,
  type KeyValueStore,
} from '../../main/storage/key-value-store.main';
import { readOutboxEntries, StoredOutboxEntry, type OutboxEntry } from './outbox';
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

  it('reads an outbox written by the release before changes, and keeps changes beside messages', async () => {
    const store = createMemoryKeyValueStore();
    // Exactly what the current release writes: no `change`, no `attachments`, no `replyToSeq`.
    const old = {
      account: 'http://x u1',
      clientId: 'old',
      conversationId: 'c1',
      body: 'written before the upgrade',
      createdAt: '2026-11-26T10:00:00.000Z',
      order: 1,
      failed: null,
    };
    store.set('outbox', { old });
    const outbox = createOutboxStorage(store, () => undefined);
    await outbox.put({
      account: 'http://x u1',
      clientId: 'edit-1',
      conversationId: 'c1',
      createdAt: '2026-11-26T10:01:00.000Z',
      order: 2,
      change: { kind: 'edit', seq: 3, body: 'fixed' },
      failed: null,
    });
    const loaded = await createOutboxStorage(store, () => undefined).load();
    expect(loaded.map((e) => e.clientId)).toEqual(['old', 'edit-1']);
    expect(loaded[0]).toMatchObject({ body: 'written before the upgrade', attachments: [] });
    expect(loaded[1]).toMatchObject({ change: { kind: 'edit', seq: 3, body: 'fixed' } });
  });

  it('a change entry does not read as a message (an older release leaves it alone)', () => {
    const change = {
      account: 'http://x u1',
      clientId: 'edit-1',
      conversationId: 'c1',
      createdAt: '2026-11-26T10:01:00.000Z',
      order: 2,
      change: { kind: 'edit', seq: 3, body: 'fixed' },
      failed: null,
    };
    // The previous release parsed each entry with the message schema alone.
    expect(StoredOutboxEntry.safeParse(change).success).toBe(false);
    // A damaged change is kept aside like any unreadable entry.
    const { unreadable } = readOutboxEntries({ bad: { ...change, clientId: 'bad', change: {} } });
    expect(unreadable).toEqual(['bad']);
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
