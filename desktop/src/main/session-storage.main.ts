import { User } from '@chat/protocol';
import { z } from 'zod';
import type { PersistedSession, SessionStorage } from '../core/session';
import type { SecretStore } from './secret-store.main';

const Persisted = z.object({
  serverUrl: z.string().min(1).max(2048),
  user: User,
  refreshToken: z.string().min(1).max(4096),
});

/**
 * The core's session port over the secret store: the whole record (refresh token
 * included) is one encrypted secret, so no part of it sits in the settings file in clear.
 */
export function createSessionStorage(secrets: SecretStore): SessionStorage {
  return {
    async load(): Promise<PersistedSession | null> {
      const raw = await secrets.load();
      if (raw === null) return null;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        value = null;
      }
      const parsed = Persisted.safeParse(value);
      if (!parsed.success) {
        // Unreadable (an older format, a damaged file): signing in again is the only way.
        await secrets.clear();
        return null;
      }
      return parsed.data;
    },
    save: (session) => secrets.save(JSON.stringify(session)),
    clear: () => secrets.clear(),
  };
}
