/**
 * The web bridge: `window.chat` for the web client, with the client core running in the
 * page. The session lives in `sessionStorage` (per tab, gone when the tab closes: the
 * page has no safeStorage to protect a long-lived refresh token), the outbox in
 * `localStorage` (unsent messages survive a reload or a crash). Shell preferences
 * (mute, do-not-disturb) are kept in memory.
 */
import {
  done,
  ok,
  parseBridgeArgs,
  type ChatBridge,
  type ChatEvent,
  type ChatEventListener,
  type ShellSettings,
} from '../shared/bridge';
import { createChatClient, type ChatClient } from '../core/client';
import type { OutboxEntry, OutboxStorage } from '../core/outbox';
import type { PersistedSession, SessionStorage } from '../core/session';

const SESSION_KEY = 'chat.session.v1';
const OUTBOX_KEY = 'chat.outbox.v1';

export function browserSessionStorage(store: Storage = window.sessionStorage): SessionStorage {
  return {
    load() {
      const raw = store.getItem(SESSION_KEY);
      if (raw === null) return Promise.resolve(null);
      try {
        return Promise.resolve(JSON.parse(raw) as PersistedSession);
      } catch {
        store.removeItem(SESSION_KEY);
        return Promise.resolve(null);
      }
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

/** One JSON map under one key; writes throw (quota) rather than silently dropping a message. */
export function browserOutboxStorage(store: Storage = window.localStorage): OutboxStorage {
  const read = (): Record<string, OutboxEntry> => {
    const raw = store.getItem(OUTBOX_KEY);
    if (raw === null) return {};
    try {
      return JSON.parse(raw) as Record<string, OutboxEntry>;
    } catch {
      // Never discard it: keep the unreadable value aside for inspection.
      store.setItem(`${OUTBOX_KEY}.corrupt.${Date.now()}`, raw);
      return {};
    }
  };
  return {
    load: () => Promise.resolve(Object.values(read())),
    put(entry) {
      const all = read();
      all[entry.clientId] = entry;
      store.setItem(OUTBOX_KEY, JSON.stringify(all));
      return Promise.resolve();
    },
    delete(clientId) {
      const all = read();
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- a map keyed by clientId
      delete all[clientId];
      store.setItem(OUTBOX_KEY, JSON.stringify(all));
      return Promise.resolve();
    },
  };
}

export interface WebBridge extends ChatBridge {
  /** The core, for the page's own wiring (e.g. calling `start()` once). */
  readonly client: ChatClient;
}

export function createWebBridge(
  client: ChatClient = createChatClient({
    sessionStorage: browserSessionStorage(),
    outboxStorage: browserOutboxStorage(),
  }),
): WebBridge {
  const settings: ShellSettings = { doNotDisturb: false, mutedConversationIds: [] };
  const shellListeners = new Set<ChatEventListener>();
  const emitShell = (event: ChatEvent) => {
    for (const listener of shellListeners) listener(event);
  };
  const settingsChanged = () =>
    emitShell({
      type: 'settings',
      settings: { ...settings, mutedConversationIds: [...settings.mutedConversationIds] },
    });

  const bridge: WebBridge = {
    client,
    onEvent(listener) {
      shellListeners.add(listener);
      const unsubscribe = client.onEvent(listener);
      return () => {
        shellListeners.delete(listener);
        unsubscribe();
      };
    },

    signIn: (args) => client.signIn(args),
    register: (args) => client.register(args),
    signOut: () => client.signOut(),
    getSession: () => client.getSession(),
    getConnectionStatus: () => client.getConnectionStatus(),
    searchUsers: (args) => client.searchUsers(args),
    getPeople: (args) => client.getPeople(args),
    openDirect: (args) => client.openDirect(args),
    createGroup: (args) => client.createGroup(args),
    listConversations: () => client.listConversations(),
    loadHistory: (args) => client.loadHistory(args),
    sendMessage: (args) => client.sendMessage(args),
    retryMessage: (args) => client.retryMessage(args),
    discardMessage: (args) => client.discardMessage(args),
    markRead: (args) => client.markRead(args),
    setTyping: (args) => client.setTyping(args),
    catchUp: () => client.catchUp(),

    setActiveConversation(args) {
      const parsed = parseBridgeArgs('setActiveConversation', args);
      return Promise.resolve(parsed.ok ? done() : parsed);
    },

    setMuted(args) {
      const parsed = parseBridgeArgs('setMuted', args);
      if (!parsed.ok) return Promise.resolve(parsed);
      const { conversationId, muted } = parsed.value;
      const others = settings.mutedConversationIds.filter((id) => id !== conversationId);
      settings.mutedConversationIds = muted ? [...others, conversationId] : others;
      settingsChanged();
      return Promise.resolve(done());
    },

    setDoNotDisturb(args) {
      const parsed = parseBridgeArgs('setDoNotDisturb', args);
      if (!parsed.ok) return Promise.resolve(parsed);
      settings.doNotDisturb = parsed.value.enabled;
      settingsChanged();
      return Promise.resolve(done());
    },

    getSettings: () =>
      Promise.resolve(
        ok({ ...settings, mutedConversationIds: [...settings.mutedConversationIds] }),
      ),

    openExternal(args) {
      // The schema admits only http(s) URLs; anything else never reaches window.open.
      const parsed = parseBridgeArgs('openExternal', args);
      if (!parsed.ok) return Promise.resolve(parsed);
      // With noopener, window.open returns null even on success: nothing to check.
      window.open(parsed.value.url, '_blank', 'noopener,noreferrer');
      return Promise.resolve(done());
    },
  };

  return bridge;
}
