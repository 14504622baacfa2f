import type { SecretStore } from '../../main/storage/secret-store.main';
import { readPersistedSession, type PersistedSession, type SessionStorage } from './session';

/**
 * The core's session port over the secret store: the whole record (refresh token
 * included) is one encrypted secret, so no part of it sits in the settings file in clear.
 */
export function createSessionStorage(secrets: SecretStore): SessionStorage {
  return {
    async load(): Promise<PersistedSession | null> {
      const raw = await secrets.load();
      if (raw === null) return null;
      const session = readPersistedSession(raw);
      if (session === null) {
        // Unreadable (an older format, a damaged file): signing in again is the only way.
        await secrets.clear();
      }
      return session;
    },
    save: (session) => secrets.save(JSON.stringify(session)),
    clear: () => secrets.clear(),
  };
}
