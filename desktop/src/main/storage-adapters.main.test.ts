import { describe, expect, it, vi } from 'vitest';
import type { OutboxEntry } from '../core/outbox';
import { createMemoryKeyValueStore, type KeyValueStore } from './key-value-store.main';
import { createOutboxStorage } from './outbox-storage.main';
import { createSecretStore, type SafeStorageLike } from './secret-store.main';
import { createSessionStorage } from './session-storage.main';

const safeStorage: SafeStorageLike = {
  isAsyncEncryptionAvailable: () => Promise.resolve(true),
  encryptStringAsync: (plain) => Promise.resolve(Buffer.from(plain).reverse()),
  decryptStringAsync: (buf) =>
    Promise.resolve({ result: Buffer.from(buf).reverse().toString(), shouldReEncrypt: false }),
  getSelectedStorageBackend: () => 'kwallet6',
};

const session = {
  serverUrl: 'http://127.0.0.1:4000',
  user: { id: 'u1', username: 'ann', displayName: 'Ann', createdAt: '2026-11-26T10:00:00.000Z' },
  refreshToken: 'refresh-token-secret',
};

describe('session storage (core port)', () => {
  it('round-trips the persisted session, encrypted at rest', async () => {
    const store = createMemoryKeyValueStore();
    const secrets = createSecretStore({ safeStorage, store, key: 's', platform: 'linux' });
    await createSessionStorage(secrets).save(session);
    expect(JSON.stringify([...store.data])).not.toContain('refresh-token-secret');
    const again = createSecretStore({ safeStorage, store, key: 's', platform: 'linux' });
    expect(await createSessionStorage(again).load()).toEqual(session);
  });

  it('forgets a stored session that does not read back as one', async () => {
    const store = createMemoryKeyValueStore();
    const secrets = createSecretStore({ safeStorage, store, key: 's', platform: 'linux' });
    await secrets.save(JSON.stringify({ serverUrl: 'x', user: { id: 1 } }));
    expect(await createSessionStorage(secrets).load()).toBeNull();
    expect(store.data.has('s')).toBe(false);
  });
});

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
