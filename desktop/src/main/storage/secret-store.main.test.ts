import { describe, expect, it } from 'vitest';
import { createMemoryKeyValueStore } from './key-value-store.main';
import { createSecretStore, type SafeStorageLike } from './secret-store.main';

/** A stand-in for the OS key store: reversible, but never the plain text. */
function fakeSafeStorage(options: { available?: boolean; backend?: string } = {}) {
  const key = 0x5a;
  const flip = (buf: Buffer): Buffer => Buffer.from(buf.map((b) => b ^ key));
  let reEncrypt = false;
  const storage: SafeStorageLike & { rotate(): void; encrypted: number } = {
    encrypted: 0,
    isAsyncEncryptionAvailable: () => Promise.resolve(options.available ?? true),
    encryptStringAsync(plain) {
      storage.encrypted += 1;
      return Promise.resolve(Buffer.concat([Buffer.from('v10'), flip(Buffer.from(plain))]));
    },
    decryptStringAsync(encrypted) {
      if (encrypted.subarray(0, 3).toString() !== 'v10') {
        return Promise.reject(new Error('Error while decrypting the ciphertext'));
      }
      const result = flip(encrypted.subarray(3)).toString();
      const shouldReEncrypt = reEncrypt;
      reEncrypt = false;
      return Promise.resolve({ result, shouldReEncrypt });
    },
    getSelectedStorageBackend: () => options.backend ?? 'gnome_libsecret',
    rotate() {
      reEncrypt = true;
    },
  };
  return storage;
}

const SECRET = JSON.stringify({ refreshToken: 'rt-very-secret-value', serverUrl: 'http://x' });

describe('secret store', () => {
  it('round-trips the session through the OS encryption', async () => {
    const store = createMemoryKeyValueStore();
    const safeStorage = fakeSafeStorage();
    const secrets = createSecretStore({ safeStorage, store, key: 'session', platform: 'linux' });
    await secrets.save(SECRET);
    expect(await secrets.load()).toBe(SECRET);

    // A new launch reads what the previous one wrote.
    const next = createSecretStore({ safeStorage, store, key: 'session', platform: 'linux' });
    expect(await next.load()).toBe(SECRET);
    expect(await next.persistence()).toEqual({ persistent: true });
  });

  it('never writes the token in plain text', async () => {
    const store = createMemoryKeyValueStore();
    const secrets = createSecretStore({
      safeStorage: fakeSafeStorage(),
      store,
      key: 'session',
      platform: 'darwin',
    });
    await secrets.save(SECRET);
    const onDisk = JSON.stringify([...store.data]);
    expect(onDisk).not.toContain('rt-very-secret-value');
    expect(Buffer.from(String(store.data.get('session')), 'base64').toString()).not.toContain(
      'rt-very-secret-value',
    );
  });

  it('clears the stored session', async () => {
    const store = createMemoryKeyValueStore();
    const secrets = createSecretStore({
      safeStorage: fakeSafeStorage(),
      store,
      key: 'session',
      platform: 'win32',
    });
    await secrets.save(SECRET);
    await secrets.clear();
    expect(await secrets.load()).toBeNull();
    expect(store.data.has('session')).toBe(false);
  });

  it.each([
    ['encryption is unavailable', { available: false }, 'linux', 'encryption-unavailable'],
    ['Linux has no keyring (basic_text)', { backend: 'basic_text' }, 'linux', 'no-keyring'],
    ['the backend is unknown', { backend: 'unknown' }, 'linux', 'no-keyring'],
    ['macOS has no keychain access', { available: false }, 'darwin', 'encryption-unavailable'],
  ] as const)('keeps the session in memory only when %s', async (_name, opts, platform, reason) => {
    const store = createMemoryKeyValueStore();
    const safeStorage = fakeSafeStorage(opts);
    const secrets = createSecretStore({ safeStorage, store, key: 'session', platform });
    expect(await secrets.persistence()).toMatchObject({ persistent: false, reason });
    expect(await secrets.persistence()).toHaveProperty(
      'message',
      expect.stringContaining('sign in again'),
    );
    await secrets.save(SECRET);
    // This launch keeps working...
    expect(await secrets.load()).toBe(SECRET);
    // ...but nothing reached the disk, encrypted or not.
    expect(store.data.size).toBe(0);
    expect(safeStorage.encrypted).toBe(0);
    const nextLaunch = createSecretStore({ safeStorage, store, key: 'session', platform });
    expect(await nextLaunch.load()).toBeNull();
  });

  it('does not consult the Linux backend elsewhere', async () => {
    const secrets = createSecretStore({
      safeStorage: fakeSafeStorage({ backend: 'basic_text' }),
      store: createMemoryKeyValueStore(),
      key: 'session',
      platform: 'darwin',
    });
    expect(await secrets.persistence()).toEqual({ persistent: true });
  });

  it('drops a ciphertext this machine cannot decrypt', async () => {
    const store = createMemoryKeyValueStore();
    store.set('session', Buffer.from('garbage').toString('base64'));
    const secrets = createSecretStore({
      safeStorage: fakeSafeStorage(),
      store,
      key: 'session',
      platform: 'linux',
    });
    expect(await secrets.load()).toBeNull();
    expect(store.data.has('session')).toBe(false);
  });

  it('re-encrypts when the OS rotated its key', async () => {
    const store = createMemoryKeyValueStore();
    const safeStorage = fakeSafeStorage();
    const secrets = createSecretStore({ safeStorage, store, key: 'session', platform: 'linux' });
    await secrets.save(SECRET);
    safeStorage.rotate();
    expect(await secrets.load()).toBe(SECRET);
    expect(safeStorage.encrypted).toBe(2);
    expect(await secrets.load()).toBe(SECRET);
  });
});
