import { z } from 'zod';
import { PersistedSession, type SessionStorage } from './session';

const SESSION_KEY = 'chat.session.v2';
/** Where the per-tab session lived before cookie sessions; removed on sight. */
const LEGACY_KEY = 'chat.session.v1';

/**
 * What the page keeps: who is signed in where, and which sign-in this is (so a tab that
 * ends a session never erases a newer one another tab started). No token: the refresh
 * token lives in the server's `HttpOnly` cookie, out of reach of any script in the page.
 */
const StoredWebSession = PersistedSession.omit({ refreshToken: true }).extend({
  signInId: z.string().min(1).max(100),
});
type StoredWebSession = z.infer<typeof StoredWebSession>;

/** `window`'s `storage` events: another tab of this origin wrote to `localStorage`. */
export interface SessionEventSource {
  addEventListener(
    type: 'storage',
    listener: (event: Pick<StorageEvent, 'key' | 'storageArea'>) => void,
  ): void;
  removeEventListener(
    type: 'storage',
    listener: (event: Pick<StorageEvent, 'key' | 'storageArea'>) => void,
  ): void;
}

/**
 * The web session in `localStorage`, shared by every tab of the browser profile and kept
 * across browser restarts. It holds no secret: restoring it means refreshing through the
 * cookie, which the server only accepts from this origin. A value that does not read back
 * as a session is dropped: signing in again is the only way.
 */
export function browserSessionStorage(
  store: Storage = window.localStorage,
  events: SessionEventSource | null = window,
): SessionStorage {
  /** The sign-in this tab holds (saved or loaded by it). */
  let held: string | null = null;

  const read = (): StoredWebSession | null => {
    const raw = store.getItem(SESSION_KEY);
    if (raw === null) return null;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = null;
    }
    const parsed = StoredWebSession.safeParse(value);
    if (parsed.success) return parsed.data;
    store.removeItem(SESSION_KEY);
    return null;
  };
  const toSession = ({ serverUrl, user }: StoredWebSession): PersistedSession => ({
    serverUrl,
    user,
    refreshToken: '',
  });

  // The per-tab session of older versions held a refresh token: never leave one behind.
  if (typeof sessionStorage !== 'undefined') sessionStorage.removeItem(LEGACY_KEY);

  return {
    load() {
      const stored = read();
      held = stored?.signInId ?? null;
      return Promise.resolve(stored && toSession(stored));
    },
    save(session) {
      const stored = read();
      // The same sign-in saved again (after a refresh) keeps its id, so the value does not
      // change and the other tabs are not disturbed.
      const same =
        stored !== null &&
        stored.signInId === held &&
        stored.serverUrl === session.serverUrl &&
        stored.user.id === session.user.id;
      const signInId = same ? stored.signInId : crypto.randomUUID();
      // The token is never written, whatever the server sent: see `StoredWebSession`.
      const record: StoredWebSession = {
        serverUrl: session.serverUrl,
        user: session.user,
        signInId,
      };
      store.setItem(SESSION_KEY, JSON.stringify(record));
      held = signInId;
      return Promise.resolve();
    },
    clear() {
      const stored = read();
      if (stored !== null && stored.signInId === held) store.removeItem(SESSION_KEY);
      held = null;
      return Promise.resolve();
    },
    watch(listener) {
      if (events === null) return () => undefined;
      const onStorage = (event: Pick<StorageEvent, 'key' | 'storageArea'>) => {
        // A null key: that tab cleared the whole storage.
        if (event.storageArea !== store || (event.key !== SESSION_KEY && event.key !== null)) {
          return;
        }
        const stored = read();
        held = stored?.signInId ?? null;
        listener(stored && toSession(stored));
      };
      events.addEventListener('storage', onStorage);
      return () => events.removeEventListener('storage', onStorage);
    },
  };
}
