import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChatEvent, LocalMessage } from '../shared/bridge';
import {
  makeClient,
  signUp,
  startRestartableApi,
  uniqueName,
  unwrap,
  type RestartableApi,
  type TestClient,
} from '../core/testing/harness';
import { SETTINGS_KEY } from '../core/storage/settings.web';
import {
  createWebBridge,
  type StorageEventSource,
  type WebBridge,
  type WebBridgeOptions,
} from './bridge.web';
import type { DomNotificationLike, NotificationApi } from './notifications.web';

/** `localStorage` as a Map; `failWrites` plays a browser over its quota. */
class MemoryStorage implements Storage {
  [name: string]: unknown;
  private readonly items = new Map<string, string>();
  failWrites = false;
  get length() {
    return this.items.size;
  }
  clear() {
    this.items.clear();
  }
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  key(index: number) {
    return [...this.items.keys()][index] ?? null;
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
  setItem(key: string, value: string) {
    if (this.failWrites) throw new Error('QuotaExceededError');
    this.items.set(key, value);
  }
}

interface Shown {
  title: string;
  body: string | undefined;
  click(): void;
  closed: boolean;
}

/** A stand-in for the DOM's `Notification` class that records what the page shows. */
function fakeNotificationApi(permission: NotificationPermission) {
  const shown: Shown[] = [];
  const state = { permission, requests: 0, answer: 'granted' as NotificationPermission };
  class FakeNotification implements DomNotificationLike {
    static get permission() {
      return state.permission;
    }
    static requestPermission() {
      state.requests += 1;
      state.permission = state.answer;
      return Promise.resolve(state.answer);
    }
    private readonly listeners: (() => void)[] = [];
    constructor(title: string, options?: NotificationOptions) {
      const entry: Shown = {
        title,
        body: options?.body,
        closed: false,
        click: () => {
          for (const listener of this.listeners) listener();
        },
      };
      this.entry = entry;
      shown.push(entry);
    }
    private readonly entry: Shown;
    addEventListener(_type: 'click', listener: () => void) {
      this.listeners.push(listener);
    }
    close() {
      this.entry.closed = true;
    }
  }
  const api: NotificationApi = FakeNotification;
  return { api, shown, state };
}

function storageEvents() {
  const listeners: Parameters<StorageEventSource['addEventListener']>[1][] = [];
  const source: StorageEventSource = {
    addEventListener: (_type, listener) => listeners.push(listener),
  };
  return {
    source,
    fire: (event: { key: string | null; storageArea: Storage }) => {
      for (const listener of listeners) listener(event);
    },
  };
}

function webBridge(client = makeClient().core, options: WebBridgeOptions = {}) {
  const storage = options.storage ?? new MemoryStorage();
  const bridge = createWebBridge(client, { storageEvents: null, ...options, storage });
  const events: ChatEvent[] = [];
  bridge.onEvent((event) => events.push(event));
  return { bridge, events, storage };
}

describe('web bridge notifications, against the real API', () => {
  let api: RestartableApi;
  let ann: TestClient;
  let bob: TestClient;
  let bobName: string;
  let directId: string;
  let groupId: string;
  const page = { front: false, focused: 0 };
  let notifications: ReturnType<typeof fakeNotificationApi>;
  let web: { bridge: WebBridge; events: ChatEvent[] };

  beforeAll(async () => {
    api = await startRestartableApi();
    ann = makeClient();
    bob = makeClient();
    notifications = fakeNotificationApi('granted');
    // An hour passes between any two messages: the burst rule (one notification per
    // conversation per interval, tested with the shared notifier) never holds one back here.
    let clock = 0;
    web = webBridge(ann.core, {
      notifications: notifications.api,
      page: { inFront: () => page.front, focus: () => (page.focused += 1) },
      notificationTimers: {
        now: () => (clock += 3_600_000),
        setTimeout: (run, ms) => setTimeout(run, ms),
        clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      },
    });
    const annId = await signUp(ann, api.url);
    const bobId = await signUp(bob, api.url);
    bobName = unwrap(await bob.client.getSession())?.user.displayName ?? '';
    directId = unwrap(await bob.client.openDirect({ userId: annId })).id;
    // An empty direct conversation reaches Ann only with its first message: she opens it too.
    unwrap(await ann.client.openDirect({ userId: bobId }));
    groupId = unwrap(await bob.client.createGroup({ title: 'Team', memberIds: [annId] })).id;
    await ann.waitFor((e) => e.type === 'conversation' && e.conversation.id === groupId);
  });

  afterAll(async () => {
    ann.client.close();
    bob.client.close();
    await api.close();
  });

  beforeEach(async () => {
    page.front = false;
    notifications.shown.length = 0;
    notifications.state.permission = 'granted';
    unwrap(await web.bridge.setActiveConversation({ conversationId: null }));
    unwrap(await web.bridge.setDoNotDisturb({ enabled: false }));
    for (const conversationId of [directId, groupId]) {
      unwrap(await web.bridge.setNotificationLevel({ conversationId, level: 'all' }));
    }
  });

  let counter = 0;
  /** Bob sends; resolves once Ann's client holds it (her notifications are decided by then). */
  async function bobSends(conversationId: string, prefix = ''): Promise<LocalMessage> {
    counter += 1;
    const body = `${prefix}ping ${counter}`;
    unwrap(await bob.client.sendMessage({ conversationId, body }));
    const event = await ann.waitFor(
      (e) => e.type === 'message' && e.message.body === body && e.message.seq !== null,
    );
    if (event.type !== 'message') throw new Error('unreachable');
    return event.message;
  }

  it('announces a message from someone else while the tab is in the background; a click opens it', async () => {
    const message = await bobSends(directId);
    expect(notifications.shown).toEqual([
      expect.objectContaining({ title: bobName, body: message.body }),
    ]);
    await bobSends(groupId);
    expect(notifications.shown[1]?.title).toBe(`${bobName} in Team`);

    notifications.shown[0]?.click();
    expect(page.focused).toBe(1);
    expect(notifications.shown[0]?.closed).toBe(true);
    expect(web.events).toContainEqual({ type: 'open-conversation', conversationId: directId });
  });

  it('stays quiet for the conversation on screen, but not for another one or a hidden tab', async () => {
    page.front = true;
    unwrap(await web.bridge.setActiveConversation({ conversationId: directId }));
    await bobSends(directId);
    expect(notifications.shown).toEqual([]);

    await bobSends(groupId);
    expect(notifications.shown.map((n) => n.title)).toEqual([`${bobName} in Team`]);

    page.front = false;
    await bobSends(directId);
    expect(notifications.shown).toHaveLength(2);
  });

  it('honours the notification level "Nothing" and do-not-disturb', async () => {
    unwrap(await web.bridge.setNotificationLevel({ conversationId: groupId, level: 'none' }));
    await bobSends(groupId);
    expect(notifications.shown).toEqual([]);
    await bobSends(directId);
    expect(notifications.shown).toHaveLength(1);

    unwrap(await web.bridge.setDoNotDisturb({ enabled: true }));
    await bobSends(directId);
    await bobSends(groupId);
    expect(notifications.shown).toHaveLength(1);
  });

  /** A second device of Ann's: a fresh sign-in with the same account. */
  async function annElsewhere(): Promise<TestClient> {
    const other = makeClient();
    const session = unwrap(await ann.client.getSession());
    if (session === null) throw new Error('ann is signed in');
    unwrap(
      await other.client.signIn({
        serverUrl: api.url,
        username: session.user.username ?? '',
        password: 'correct horse battery',
      }),
    );
    unwrap(await other.client.listConversations());
    return other;
  }

  it('follows a level set on another device; at "Mentions" only a mention notifies', async () => {
    const phone = await annElsewhere();
    try {
      unwrap(
        await phone.client.setNotificationLevel({ conversationId: groupId, level: 'mentions' }),
      );
      await ann.waitFor(
        (e) =>
          e.type === 'conversation' &&
          e.conversation.id === groupId &&
          e.conversation.notifications === 'mentions',
      );
      await bobSends(groupId);
      expect(notifications.shown).toEqual([]);
      const username = unwrap(await ann.client.getSession())?.user.username ?? '';
      const mention = await bobSends(groupId, `@${username} `);
      expect(mention.mentions).toHaveLength(1);
      expect(notifications.shown.map((n) => n.body)).toEqual([mention.body]);
      // Every other conversation keeps its own level.
      await bobSends(directId);
      expect(notifications.shown).toHaveLength(2);
    } finally {
      phone.client.close();
    }
  });

  it('read on another device: the unread count clears here and the notification goes away', async () => {
    const phone = await annElsewhere();
    try {
      const message = await bobSends(directId);
      expect(notifications.shown).toHaveLength(1);
      const seq = message.seq ?? 0;
      await phone.until(() => lastSeq(phone, directId) >= seq, 'the phone holds it');
      unwrap(await phone.client.markRead({ conversationId: directId, seq }));
      await ann.waitFor(
        (e) =>
          e.type === 'conversation' &&
          e.conversation.id === directId &&
          e.conversation.lastReadSeq >= seq &&
          e.conversation.unreadCount === 0,
      );
      expect(notifications.shown[0]?.closed).toBe(true);
    } finally {
      phone.client.close();
    }
  });

  it("hands this browser's old per-device mutes to the server once, then forgets them", async () => {
    const storage = new MemoryStorage();
    storage.setItem(
      SETTINGS_KEY,
      JSON.stringify({ doNotDisturb: false, mutedConversationIds: [groupId] }),
    );
    const laptop = makeClient();
    const other = webBridge(laptop.core, { storage, notifications: undefined });
    try {
      const session = unwrap(await ann.client.getSession());
      unwrap(
        await other.bridge.signIn({
          serverUrl: api.url,
          username: session?.user.username ?? '',
          password: 'correct horse battery',
        }),
      );
      unwrap(await other.bridge.listConversations());
      // The level reaches Ann's first device live; the old list is empty.
      await ann.waitFor(
        (e) =>
          e.type === 'conversation' &&
          e.conversation.id === groupId &&
          e.conversation.notifications === 'none',
      );
      await laptop.until(
        () =>
          (JSON.parse(storage.getItem(SETTINGS_KEY) ?? '{}') as { mutedConversationIds?: string[] })
            .mutedConversationIds?.length === 0,
        'the old list is emptied',
      );
      await bobSends(groupId);
      expect(notifications.shown).toEqual([]);
    } finally {
      laptop.client.close();
    }
  });

  it('shows nothing and asks nothing until the user grants permission from the UI', async () => {
    notifications.state.permission = 'default';
    const requestsBefore = notifications.state.requests;
    await bobSends(directId);
    expect(notifications.shown).toEqual([]);
    expect(notifications.state.requests).toBe(requestsBefore);

    const permission = web.bridge.notificationPermission;
    expect(permission?.current()).toBe('default');
    expect(await permission?.request()).toBe('granted');
    expect(notifications.state.requests).toBe(requestsBefore + 1);
    await bobSends(directId);
    expect(notifications.shown).toHaveLength(1);
  });

  it('never announces the user’s own messages, even sent from another device', async () => {
    const annElsewhere = makeClient();
    const session = unwrap(await ann.client.getSession());
    if (session === null) throw new Error('ann is signed in');
    // A second device of Ann's: a fresh sign-in with the same account.
    const password = 'correct horse battery';
    unwrap(
      await annElsewhere.client.signIn({
        serverUrl: api.url,
        username: session.user.username ?? '',
        password,
      }),
    );
    try {
      unwrap(await annElsewhere.client.listConversations());
      unwrap(
        await annElsewhere.client.sendMessage({ conversationId: directId, body: 'from my phone' }),
      );
      await ann.waitFor(
        (e) => e.type === 'message' && e.message.body === 'from my phone' && e.message.seq !== null,
      );
      expect(notifications.shown).toEqual([]);
    } finally {
      annElsewhere.client.close();
    }
  });
});

describe('web bridge notifications at sign-in, against the real API', () => {
  it('announce nothing already there when signing in, then each live message', async () => {
    const api = await startRestartableApi();
    const ann = makeClient();
    const bob = makeClient();
    const notifications = fakeNotificationApi('granted');
    const web = webBridge(ann.core, {
      notifications: notifications.api,
      page: { inFront: () => false, focus: () => undefined },
    });
    try {
      const password = 'correct horse battery';
      const annName = uniqueName('ann');
      // Ann registers on another device and reads a conversation there, then Bob writes more.
      const annElsewhere = makeClient();
      const annId = await signUp(annElsewhere, api.url, annName);
      await signUp(bob, api.url);
      const conversationId = unwrap(await bob.client.openDirect({ userId: annId })).id;
      for (let i = 1; i <= 3; i++) {
        unwrap(await bob.client.sendMessage({ conversationId, body: `read ${i}` }));
      }
      await annElsewhere.until(
        () => lastSeq(annElsewhere, conversationId) === 3,
        'the other device holds the first messages',
      );
      unwrap(await annElsewhere.client.markRead({ conversationId, seq: 3 }));
      annElsewhere.client.close();
      for (let i = 1; i <= 5; i++) {
        unwrap(await bob.client.sendMessage({ conversationId, body: `unread ${i}` }));
      }
      await bob.until(() => lastSeq(bob, conversationId) === 8, 'bob sent them all');

      // Ann signs in on this page: her history and unread count load, nothing pops up.
      unwrap(await web.bridge.signIn({ serverUrl: api.url, username: annName, password }));
      await ann.waitFor((e) => e.type === 'connection' && e.status === 'online');
      unwrap(await web.bridge.listConversations());
      const page = unwrap(await web.bridge.loadHistory({ conversationId }));
      expect(page.messages.map((m) => m.body)).toContain('unread 5');
      expect(notifications.shown).toEqual([]);

      unwrap(await bob.client.sendMessage({ conversationId, body: 'live one' }));
      await ann.waitFor((e) => e.type === 'incoming' && e.message.body === 'live one');
      expect(notifications.shown.map((n) => n.body)).toEqual(['live one']);
    } finally {
      ann.client.close();
      bob.client.close();
      await api.close();
    }
  });
});

/** The highest stored seq this client has announced in a conversation. */
function lastSeq(t: TestClient, conversationId: string): number {
  let seq = 0;
  for (const e of t.events) {
    if (e.type === 'message' && e.message.conversationId === conversationId) {
      seq = Math.max(seq, e.message.seq ?? 0);
    }
  }
  return seq;
}

describe('web bridge preferences', () => {
  it('are kept in localStorage and read back by the next page load', async () => {
    const storage = new MemoryStorage();
    const first = webBridge(undefined, { storage, notifications: undefined });
    unwrap(await first.bridge.setDoNotDisturb({ enabled: true }));
    expect(first.events.filter((e) => e.type === 'settings')).toHaveLength(1);

    const reloaded = webBridge(undefined, { storage, notifications: undefined });
    expect(unwrap(await reloaded.bridge.getSettings())).toEqual({
      doNotDisturb: true,
      mutedConversationIds: [],
    });
  });

  it('an unreadable stored value reads as the defaults', async () => {
    for (const raw of ['{not json', '{"doNotDisturb":"yes","mutedConversationIds":[1]}', '[]']) {
      const storage = new MemoryStorage();
      storage.setItem(SETTINGS_KEY, raw);
      const { bridge } = webBridge(undefined, { storage, notifications: undefined });
      expect(unwrap(await bridge.getSettings())).toEqual({
        doNotDisturb: false,
        mutedConversationIds: [],
      });
    }
  });

  it('a write the browser refuses is an error, and nothing changes', async () => {
    const storage = new MemoryStorage();
    const { bridge, events } = webBridge(undefined, { storage, notifications: undefined });
    storage.failWrites = true;
    const result = await bridge.setDoNotDisturb({ enabled: true });
    expect(result.ok).toBe(false);
    expect(result.ok ? null : result.error.message).toMatch(/would not save/);
    expect(unwrap(await bridge.getSettings()).doNotDisturb).toBe(false);
    expect(events.filter((e) => e.type === 'settings')).toEqual([]);
  });

  it('follow a change made in another tab', async () => {
    const storage = new MemoryStorage();
    const tabs = storageEvents();
    const here = webBridge(undefined, {
      storage,
      notifications: undefined,
      storageEvents: tabs.source,
    });
    const otherTab = webBridge(undefined, { storage, notifications: undefined });
    unwrap(await otherTab.bridge.setDoNotDisturb({ enabled: true }));
    tabs.fire({ key: 'chat.outbox.v1', storageArea: storage });
    expect(here.events).toEqual([]);
    tabs.fire({ key: SETTINGS_KEY, storageArea: storage });
    expect(here.events).toEqual([
      { type: 'settings', settings: { doNotDisturb: true, mutedConversationIds: [] } },
    ]);
    expect(unwrap(await here.bridge.getSettings()).doNotDisturb).toBe(true);
  });

  it('invalid arguments are refused without a change', async () => {
    const { bridge } = webBridge(undefined, { notifications: undefined });
    const result = await bridge.setNotificationLevel({ conversationId: '', level: 'none' });
    expect(result.ok ? null : result.error.code).toBe('invalid_request');
    const loud = await bridge.setDoNotDisturb({ enabled: 'yes' as unknown as boolean });
    expect(loud.ok ? null : loud.error.code).toBe('invalid_request');
    expect(unwrap(await bridge.getSettings()).doNotDisturb).toBe(false);
  });

  it('is no installed app: no status to show, and the app calls say only the desktop app can', async () => {
    const { bridge } = webBridge(undefined, { notifications: undefined });
    expect(unwrap(await bridge.getAppStatus())).toBeNull();
    for (const result of [
      await bridge.setLaunchAtLogin({ enabled: true }),
      await bridge.checkForUpdates(),
      await bridge.installUpdate(),
    ]) {
      expect(result).toEqual({
        ok: false,
        error: { code: 'unsupported', message: 'Only the desktop app can do that.' },
      });
    }
  });

  it('opens only links the desktop shell would open: http(s), no credentials', async () => {
    const opened: unknown[][] = [];
    vi.stubGlobal('window', { open: (...args: unknown[]) => opened.push(args) });
    try {
      const { bridge } = webBridge(undefined, { notifications: undefined });
      const phishing = await bridge.openExternal({ url: 'https://bank.example@evil.example/' });
      expect(phishing.ok ? null : phishing.error.code).toBe('invalid_request');
      const script = await bridge.openExternal({ url: 'javascript:alert(1)' });
      expect(script.ok ? null : script.error.code).toBe('invalid_request');
      expect(opened).toEqual([]);
      unwrap(await bridge.openExternal({ url: 'https://example.org/a b' }));
      expect(opened).toEqual([['https://example.org/a%20b', '_blank', 'noopener,noreferrer']]);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('a browser without notifications says so, and asking is harmless', async () => {
    const { bridge } = webBridge(undefined, { notifications: undefined });
    expect(bridge.notificationPermission?.current()).toBe('unsupported');
    expect(await bridge.notificationPermission?.request()).toBe('unsupported');
  });
});
