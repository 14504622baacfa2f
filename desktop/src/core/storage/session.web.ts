import { readPersistedSession, type SessionStorage } from './session';

const SESSION_KEY = 'chat.session.v1';

/**
 * The session in the page's `sessionStorage`: per tab, gone when the tab closes (the page
 * has no safeStorage to protect a long-lived refresh token). A value that does not read
 * back as a session is dropped: signing in again is the only way.
 */
export function browserSessionStorage(store: Storage = window.sessionStorage): SessionStorage {
  return {
    load() {
      const raw = store.getItem(SESSION_KEY);
      if (raw === null) return Promise.resolve(null);
      const session = readPersistedSession(raw);
      if (session === null) store.removeItem(SESSION_KEY);
      return Promise.resolve(session);
    },
    save(session) {
      store.setItem(SESSION_KEY, JSON.stringify(session));
      return Promise.resolve();
    },
    clear() {
      store.removeItem(SESSION_KEY);
      return Promise.resolve();
    },
  };
}
