import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FetchLike } from '../core/api-client';
import { browserOutboxStorage } from '../core/storage/outbox.web';
import { browserSessionStorage, type SessionEventSource } from '../core/storage/session.web';
import {
  CONNECTED,
  makeClient,
  signUp,
  startRestartableApi,
  unwrap,
  type RestartableApi,
  type TestClient,
} from '../core/testing/harness';
import { cookieSessionFetch, webRefreshLock } from './bridge.web';

type StorageListener = (event: Pick<StorageEvent, 'key' | 'storageArea'>) => void;

/**
 * What the tabs of one browser profile share: a cookie jar (Node's fetch keeps none),
 * `localStorage` (each tab its own view, with `storage` events to the OTHER tabs, later,
 * as browsers deliver them) and one Web Lock manager.
 */
function browserProfile() {
  let refreshCookie: string | null = null;
  const data = new Map<string, string>();
  const tabs = new Set<{ view: Storage; listeners: Set<StorageListener> }>();
  let tail: Promise<unknown> = Promise.resolve();
  const locks = {
    request: (_name: string, callback: () => Promise<unknown>) => {
      const run = tail.then(callback);
      tail = run.catch(() => undefined);
      return run;
    },
  } as unknown as LockManager;

  const jarFetch = (async (input: string, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    if (new URL(input).pathname === '/api/auth/refresh' && refreshCookie !== null) {
      headers.set('cookie', `chat_refresh=${refreshCookie}`);
    }
    const response = await fetch(input, { ...init, headers });
    for (const line of response.headers.getSetCookie()) {
      const match = /^chat_refresh=([^;]*)/.exec(line);
      if (match) refreshCookie = match[1] === '' ? null : (match[1] ?? null);
    }
    return response;
  }) as typeof fetch;

  function tab(): { storage: Storage; events: SessionEventSource } {
    const listeners = new Set<StorageListener>();
    const announce = (key: string | null) => {
      for (const other of tabs) {
        if (other.view === view) continue;
        setTimeout(() => {
          for (const l of other.listeners) l({ key, storageArea: other.view });
        }, 0);
      }
    };
    const view: Storage = {
      get length() {
        return data.size;
      },
      clear() {
        data.clear();
        announce(null);
      },
      getItem: (key) => data.get(key) ?? null,
      key: (index) => [...data.keys()][index] ?? null,
      removeItem(key) {
        if (!data.has(key)) return;
        data.delete(key);
        announce(key);
      },
      setItem(key, value) {
        if (data.get(key) === value) return;
        data.set(key, value);
        announce(key);
      },
    };
    tabs.add({ view, listeners });
    return {
      storage: view,
      events: {
        addEventListener: (_type, l) => listeners.add(l),
        removeEventListener: (_type, l) => listeners.delete(l),
      },
    };
  }

  return {
    cookie: () => refreshCookie,
    openTab(): TestClient {
      const { storage, events } = tab();
      return makeClient({
        sessionStorage: browserSessionStorage(storage, events) as never,
        outboxStorage: browserOutboxStorage(storage) as never,
        fetch: cookieSessionFetch(jarFetch) satisfies FetchLike,
        refreshLock: webRefreshLock(locks),
      });
    },
  };
}

describe('the web client core in several tabs of one browser (cookie session)', () => {
  let api: RestartableApi;
  const open: TestClient[] = [];

  beforeAll(async () => {
    api = await startRestartableApi();
  });
  afterAll(async () => {
    for (const t of open) t.client.close();
    await api.close();
  });

  it('new tabs restore the session together without ever presenting a spent cookie, and sign in and out together', async () => {
    const profile = browserProfile();
    const first = profile.openTab();
    open.push(first);
    const userId = await signUp(first, api.url);
    expect(profile.cookie()).not.toBeNull();

    // Five tabs opened at once each refresh through the one cookie: taking turns, every
    // one gets its own access token; presenting a spent one would revoke the session.
    const tabs = Array.from({ length: 5 }, () => profile.openTab());
    open.push(...tabs);
    const restored = await Promise.all(tabs.map((t) => t.client.start()));
    expect(restored.map((s) => s?.user.id)).toEqual(tabs.map(() => userId));
    for (const t of tabs) {
      await t.waitFor((e) => e.type === 'connection' && CONNECTED.includes(e.status));
      expect(unwrap(await t.client.searchUsers({ q: 'nobody-here' }))).toEqual([]);
    }

    // Sign-out in one tab ends the session in every tab.
    const [second] = tabs;
    if (second === undefined) throw new Error('no tab');
    unwrap(await first.client.signOut({ unsent: 'keep' }));
    await second.waitFor((e) => e.type === 'session' && e.session === null);
    expect(unwrap(await second.client.getSession())).toBeNull();

    // Sign-in in one tab is taken up by the others.
    const mark = second.events.length;
    await signUp(first, api.url);
    await second.until(
      () =>
        second.events
          .slice(mark)
          .some((e) => e.type === 'session' && e.session !== null && e.reason === 'restored'),
      'the second tab takes up the new sign-in',
    );
    await second.waitFor((e) => e.type === 'connection' && CONNECTED.includes(e.status));
    expect(unwrap(await second.client.searchUsers({ q: 'nobody-here' }))).toEqual([]);
  });
});

describe('cookieSessionFetch', () => {
  it('asks for a cookie session on the auth routes only, and lets those requests outlive the tab', async () => {
    const seen: { url: string; init: RequestInit | undefined }[] = [];
    const fetchFn = cookieSessionFetch(((url: string, init?: RequestInit) => {
      seen.push({ url, init });
      return Promise.resolve(new Response('{}'));
    }) as typeof fetch);
    await fetchFn('http://127.0.0.1:4000/api/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    await fetchFn('http://127.0.0.1:4000/api/conversations', {
      headers: { authorization: 'Bearer x' },
    });
    expect(seen[0]?.init).toMatchObject({
      headers: { 'content-type': 'application/json', 'x-chat-session': 'cookie' },
      keepalive: true,
      credentials: 'same-origin',
    });
    expect(seen[1]?.init?.headers).toEqual({ authorization: 'Bearer x' });
    expect(seen[1]?.init?.keepalive).toBeUndefined();
  });
});
