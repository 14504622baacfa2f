import { describe, expect, it } from 'vitest';
import type { OutboxEntry } from './outbox';
import { browserOutboxStorage } from './outbox.web';
import { browserSessionStorage } from './session.web';
import { SETTINGS_KEY, browserSettingsStorage } from './settings.web';

/** `localStorage` / `sessionStorage` as a Map. */
class MemoryStorage implements Storage {
  readonly data = new Map<string, string>();
  get length(): number {
    return this.data.size;
  }
  clear(): void {
    this.data.clear();
  }
  getItem(key: string): string | null {
    return this.data.get(key) ?? null;
  }
  key(index: number): string | null {
    return [...this.data.keys()][index] ?? null;
  }
  removeItem(key: string): void {
    this.data.delete(key);
  }
  setItem(key: string, value: string): void {
    this.data.set(key, value);
  }
}

const session = {
  serverUrl: 'http://127.0.0.1:4000',
  user: { id: 'u1', username: 'ann', displayName: 'Ann', createdAt: '2026-11-26T10:00:00.000Z' },
  refreshToken: 'refresh-token',
};

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

/** `window`'s storage events between tabs, delivered by hand. */
function storageEvents() {
  const listeners = new Set<(event: Pick<StorageEvent, 'key' | 'storageArea'>) => void>();
  return {
    addEventListener: (
      _type: 'storage',
      l: (e: Pick<StorageEvent, 'key' | 'storageArea'>) => void,
    ) => listeners.add(l),
    removeEventListener: (
      _type: 'storage',
      l: (e: Pick<StorageEvent, 'key' | 'storageArea'>) => void,
    ) => listeners.delete(l),
    fire(event: Pick<StorageEvent, 'key' | 'storageArea'>) {
      for (const l of listeners) l(event);
    },
  };
}

describe('session in the browser', () => {
  it('keeps who is signed in where, never the refresh token, and forgets it on clear', async () => {
    const storage = new MemoryStorage();
    await browserSessionStorage(storage, null).save(session);
    expect([...storage.data.values()].join()).not.toContain('refresh-token');
    // The token is the server's cookie: a restored session refreshes with "".
    expect(await browserSessionStorage(storage, null).load()).toEqual({
      ...session,
      refreshToken: '',
    });
    const tab = browserSessionStorage(storage, null);
    await tab.load();
    await tab.clear();
    expect(await browserSessionStorage(storage, null).load()).toBeNull();
  });

  it('saving the same sign-in again leaves the stored value as it was (no event for other tabs)', async () => {
    const storage = new MemoryStorage();
    const tab = browserSessionStorage(storage, null);
    await tab.save(session);
    const before = storage.getItem('chat.session.v2');
    await tab.save({ ...session, refreshToken: '' });
    expect(storage.getItem('chat.session.v2')).toBe(before);
  });

  it('a tab ending its session never erases a newer sign-in another tab stored', async () => {
    const storage = new MemoryStorage();
    const stale = browserSessionStorage(storage, null);
    await stale.save(session);
    const other = browserSessionStorage(storage, null);
    await other.load();
    await other.clear();
    await other.save(session);
    await stale.clear();
    expect(await browserSessionStorage(storage, null).load()).not.toBeNull();
  });

  it('tells a tab what another tab stored, and that it signed out', async () => {
    const storage = new MemoryStorage();
    const events = storageEvents();
    const seen: unknown[] = [];
    browserSessionStorage(storage, events).watch?.((s) => seen.push(s));
    await browserSessionStorage(storage, null).save(session);
    events.fire({ key: 'chat.session.v2', storageArea: storage });
    events.fire({ key: 'chat.outbox.v1', storageArea: storage });
    storage.clear();
    events.fire({ key: null, storageArea: storage });
    expect(seen).toEqual([{ ...session, refreshToken: '' }, null]);
  });

  it('drops a stored value that does not read back as a session, JSON or not', async () => {
    for (const raw of ['{not json', JSON.stringify({ serverUrl: 'x', user: { id: 1 } })]) {
      const storage = new MemoryStorage();
      storage.setItem('chat.session.v2', raw);
      expect(await browserSessionStorage(storage, null).load()).toBeNull();
      expect(storage.length).toBe(0);
    }
  });
});

describe('outbox in the browser', () => {
  it('keeps unsent messages across page loads, in writing order', async () => {
    const storage = new MemoryStorage();
    const outbox = browserOutboxStorage(storage);
    await outbox.put(entry('b', 2));
    await outbox.put(entry('a', 1));
    await outbox.delete('b');
    await outbox.put({ ...entry('c', 3), failed: { code: 'forbidden', message: 'no' } });
    const reloaded = await browserOutboxStorage(storage).load();
    expect(reloaded.map((e) => e.clientId)).toEqual(['a', 'c']);
    expect(reloaded[1]?.failed).toEqual({ code: 'forbidden', message: 'no' });
  });

  it("leaves an unreadable entry in place instead of deleting the user's words", async () => {
    const storage = new MemoryStorage();
    storage.setItem(
      'chat.outbox.v1',
      JSON.stringify({ a: entry('a', 1), broken: { body: 'half a message' } }),
    );
    const outbox = browserOutboxStorage(storage);
    expect((await outbox.load()).map((e) => e.clientId)).toEqual(['a']);
    await outbox.put(entry('d', 4));
    expect(JSON.parse(storage.getItem('chat.outbox.v1') ?? '{}')).toHaveProperty('broken', {
      body: 'half a message',
    });
  });

  it('keeps a value that is not JSON aside rather than overwriting it', async () => {
    const storage = new MemoryStorage();
    storage.setItem('chat.outbox.v1', '{damaged');
    const outbox = browserOutboxStorage(storage);
    expect(await outbox.load()).toEqual([]);
    const aside = [...storage.data].filter(([key]) => key.startsWith('chat.outbox.v1.corrupt.'));
    expect(aside.map(([, value]) => value)).toEqual(['{damaged']);
  });
});

describe('settings in the browser', () => {
  it('recovers a damaged value field by field, and stores only the preferences', () => {
    const storage = new MemoryStorage();
    storage.setItem(
      SETTINGS_KEY,
      JSON.stringify({ doNotDisturb: 'yes', mutedConversationIds: ['c9'] }),
    );
    const settings = browserSettingsStorage(storage);
    expect(settings.load()).toEqual({ doNotDisturb: false, mutedConversationIds: ['c9'] });
    settings.save({
      doNotDisturb: true,
      mutedConversationIds: [],
      sessionPersistence: { persistent: true },
    });
    expect(JSON.parse(storage.getItem(SETTINGS_KEY) ?? '')).toEqual({
      doNotDisturb: true,
      mutedConversationIds: [],
    });
  });
});
