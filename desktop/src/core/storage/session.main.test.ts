import { describe, expect, it } from 'vitest';
import { createMemoryKeyValueStore } from '../../main/storage/key-value-store.main';
import { createSecretStore, type SafeStorageLike } from '../../main/storage/secret-store.main';
import { createSessionStorage } from './session.main';

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
