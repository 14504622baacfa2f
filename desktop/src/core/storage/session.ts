/**
 * The session port: what survives a restart of a signed-in client (`serverUrl`, `user`,
 * `refreshToken`; never the access token). One schema, used by every adapter beside this
 * file to read back what it stored: the stored value is untrusted (an older format, a
 * damaged file, a value another tab or version wrote).
 *
 * An empty `refreshToken` means the server keeps it in an `HttpOnly` cookie (the web
 * client's cookie sessions): the client holds no token of its own and refreshes with "".
 *
 * Adapters: `session.main.ts` (Electron: one encrypted secret), `session.web.ts` (the
 * page's `localStorage`, without any token), `memory.ts` (tests).
 */
import { User } from '@chat/protocol';
import { z } from 'zod';

export const PersistedSession = z.object({
  serverUrl: z.string().min(1).max(2048),
  user: User,
  refreshToken: z.string().max(4096),
});
export type PersistedSession = z.infer<typeof PersistedSession>;

export interface SessionStorage {
  load(): Promise<PersistedSession | null>;
  save(session: PersistedSession): Promise<void>;
  /** Forgets the session this holder saved or loaded (not one another holder wrote since). */
  clear(): Promise<void>;
  /**
   * Storage shared with other clients (the tabs of one browser): calls `listener` with
   * what another of them stored (null: it signed out). Absent where nothing is shared.
   */
  watch?(listener: (session: PersistedSession | null) => void): () => void;
}

/** A stored session's JSON text read back, or null when it does not read as one. */
export function readPersistedSession(raw: string): PersistedSession | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = PersistedSession.safeParse(value);
  return parsed.success ? parsed.data : null;
}
