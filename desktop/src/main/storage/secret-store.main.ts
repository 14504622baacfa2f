import type { SessionPersistence } from '../../shared/bridge';
import type { KeyValueStore } from './key-value-store.main';

/** The parts of Electron's `safeStorage` used here (the async API; the sync one is deprecated). */
export interface SafeStorageLike {
  isAsyncEncryptionAvailable(): Promise<boolean>;
  encryptStringAsync(plainText: string): Promise<Buffer>;
  decryptStringAsync(encrypted: Buffer): Promise<{ shouldReEncrypt: boolean; result: string }>;
  /** Linux only. */
  getSelectedStorageBackend?(): string;
}

/**
 * Why the session cannot be kept across launches:
 * - `encryption-unavailable`: the OS offers no key store to the app;
 * - `no-keyring`: Linux without a keyring (libsecret/kwallet): Chromium's `basic_text`
 *   backend would "encrypt" with a fixed, public key, which is plain text in disguise.
 */
export type SecretPersistence = SessionPersistence;

const MESSAGES = {
  'encryption-unavailable':
    'This system offers no secure storage to the app, so you will be asked to sign in again next time Chat starts.',
  'no-keyring':
    'No system keyring (such as GNOME Keyring or KWallet) is available, so you will be asked to sign in again next time Chat starts.',
} as const;

/** A secret (the serialized session, refresh token included) kept across launches. */
export interface SecretStore {
  load(): Promise<string | null>;
  save(secret: string): Promise<void>;
  clear(): Promise<void>;
  persistence(): Promise<SecretPersistence>;
}

export interface SecretStoreOptions {
  safeStorage: SafeStorageLike;
  store: KeyValueStore;
  /** The electron-store key the ciphertext is kept under. */
  key: string;
  platform: NodeJS.Platform;
}

/**
 * Keeps the secret encrypted with the OS key store, or, when there is none, only in
 * memory: never on disk in plain text. The caller shows `persistence()` to the user so a
 * sign-in per launch is explained, not mysterious.
 */
export function createSecretStore(options: SecretStoreOptions): SecretStore {
  const { safeStorage, store, key, platform } = options;
  let memory: string | null = null;
  let decided: Promise<SecretPersistence> | null = null;

  function persistence(): Promise<SecretPersistence> {
    decided ??= (async (): Promise<SecretPersistence> => {
      if (!(await safeStorage.isAsyncEncryptionAvailable())) {
        const reason = 'encryption-unavailable';
        return { persistent: false, reason, message: MESSAGES[reason] };
      }
      if (platform === 'linux') {
        const backend = safeStorage.getSelectedStorageBackend?.() ?? 'unknown';
        if (backend === 'basic_text' || backend === 'unknown') {
          const reason = 'no-keyring';
          return { persistent: false, reason, message: MESSAGES[reason] };
        }
      }
      return { persistent: true };
    })();
    return decided;
  }

  return {
    persistence,

    async load() {
      if (!(await persistence()).persistent) {
        // A ciphertext left by a launch that had a keyring cannot be read safely now.
        return memory;
      }
      const stored = store.get(key);
      if (typeof stored !== 'string' || stored === '') return null;
      try {
        const { result, shouldReEncrypt } = await safeStorage.decryptStringAsync(
          Buffer.from(stored, 'base64'),
        );
        if (shouldReEncrypt) {
          store.set(key, (await safeStorage.encryptStringAsync(result)).toString('base64'));
        }
        return result;
      } catch {
        // Encrypted with a key this machine no longer has (profile copied, keyring reset):
        // unreadable for good, so drop it and sign in again.
        store.delete(key);
        return null;
      }
    },

    async save(secret) {
      if (!(await persistence()).persistent) {
        memory = secret;
        store.delete(key);
        return;
      }
      const encrypted = await safeStorage.encryptStringAsync(secret);
      store.set(key, encrypted.toString('base64'));
    },

    clear() {
      memory = null;
      store.delete(key);
      return Promise.resolve();
    },
  };
}
