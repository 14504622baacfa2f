/**
 * The web bridge: `window.chat` for the web client, with the client core running in the
 * page. The session is a cookie session: the refresh token lives in the server's
 * `HttpOnly` cookie (the page has no safe place for a long-lived secret), and
 * `localStorage` holds only who is signed in where, so every tab of the browser profile
 * and the next browser start restore it by refreshing through the cookie; tabs take
 * turns at that (a Web Lock), and a sign-in or sign-out in one tab reaches all of them.
 * Each tab keeps its own socket and state. The outbox is in `localStorage` too (unsent
 * messages survive a reload or a crash), and so are the shell preferences (mute,
 * do-not-disturb). With the user's permission, new messages are announced with browser
 * notifications.
 */
import {
  BRIDGE_METHOD_NAMES,
  done,
  fail,
  ok,
  validatingCalls,
  type BridgeHandlers,
  type ChatBridge,
  type ChatEvent,
  type ChatEventListener,
  type Result,
  type ShellMethod,
  type ShellSettings,
} from '../shared/bridge';
import { createMuteMigration } from '../shared/mute-migration';
import type { NotifierTimers } from '../shared/notifications';
import { withDoNotDisturb, withMuted } from '../shared/settings';
import type { FetchLike } from '../core/api-client';
import { coreCalls, createChatClient, type ChatClient } from '../core/client';
import type { RefreshLock } from '../core/session';
import { safeExternalUrl } from '../shared/external-url';
import { browserOutboxStorage } from '../core/storage/outbox.web';
import { browserSessionStorage } from '../core/storage/session.web';
import { SETTINGS_KEY, browserSettingsStorage } from '../core/storage/settings.web';
import { xhrUploadSender } from './upload.web';
import {
  browserNotificationApi,
  browserPage,
  createWebNotifications,
  type NotificationApi,
  type PageLike,
} from './notifications.web';
import { browserPush, createWebPush, type PushBrowser, type WebPush } from './push.web';

export interface WebBridge extends ChatBridge {
  /** The core, for the page's own wiring (e.g. calling `start()` once). */
  readonly client: ChatClient;
  /** Web Push: the page registers the service worker once (`push.register()`). */
  readonly push: WebPush;
  /** Shows a conversation, as a notification click does (a `/#conversation=` URL). */
  openConversation(conversationId: string): void;
}

/** `window`'s `storage` events: another tab of this origin wrote to `localStorage`. */
export interface StorageEventSource {
  addEventListener(
    type: 'storage',
    listener: (event: Pick<StorageEvent, 'key' | 'storageArea'>) => void,
  ): void;
}

export interface WebBridgeOptions {
  /** Where preferences live (default `localStorage`). */
  storage?: Storage;
  /** The `Notification` class (default: the browser's, if any). */
  notifications?: NotificationApi | undefined;
  page?: PageLike;
  /** Where other tabs' writes are announced (default `window`); null to not follow them. */
  storageEvents?: StorageEventSource | null;
  /** Service worker and Push API (default: the browser's, if any). */
  push?: PushBrowser;
  /** Time for the notifications' burst rule (default: the real clock). */
  notificationTimers?: NotifierTimers;
}

/** Asks the API for cookie sessions (see the API's `session-cookie.ts`). */
const SESSION_MODE_HEADER = 'x-chat-session';
const AUTH_PATH = /^\/api\/auth\//i;

/**
 * The page's `fetch` with cookie sessions on the auth routes. Those requests are
 * `keepalive`: a tab closed or reloaded while its refresh is under way still takes in
 * the rotated cookie; cancelled, the browser would keep the spent one, and presenting it
 * next would end the session as stolen.
 */
export function cookieSessionFetch(
  fetchFn: typeof fetch = (input, init) => fetch(input, init),
): FetchLike {
  return (input, init = {}) => {
    const auth = AUTH_PATH.test(new URL(input).pathname);
    const headers = auth ? { ...init.headers, [SESSION_MODE_HEADER]: 'cookie' } : init.headers;
    return fetchFn(input, {
      ...(init as RequestInit),
      ...(headers === undefined ? {} : { headers }),
      ...(auth ? { credentials: 'same-origin', keepalive: true } : {}),
    });
  };
}

/** The tabs of this origin refresh one at a time, each with the cookie as it is then. */
export function webRefreshLock(
  // Typed as always there, but absent outside secure contexts.
  locks: Partial<LockManager> = 'locks' in navigator ? navigator.locks : {},
): RefreshLock {
  // Without Web Locks (an insecure context) a tab refreshes on its own: a race with another
  // tab may then end the session, never leak it.
  const request = locks.request?.bind(locks);
  if (request === undefined) return (refresh) => refresh();
  return (refresh) => request('chat-refresh', () => refresh());
}

export function createWebBridge(
  client: ChatClient = createChatClient({
    sessionStorage: browserSessionStorage(),
    outboxStorage: browserOutboxStorage(),
    fetch: cookieSessionFetch(),
    sendUpload: xhrUploadSender,
    refreshLock: webRefreshLock(),
  }),
  options: WebBridgeOptions = {},
): WebBridge {
  const storage = options.storage ?? window.localStorage;
  const settingsStore = browserSettingsStorage(storage);
  let settings: ShellSettings = settingsStore.load();
  let activeConversationId: string | null = null;
  const shellListeners = new Set<ChatEventListener>();
  const emitShell = (event: ChatEvent) => {
    for (const listener of shellListeners) listener(event);
  };
  const copy = (): ShellSettings => ({
    ...settings,
    mutedConversationIds: [...settings.mutedConversationIds],
  });
  const settingsChanged = () => emitShell({ type: 'settings', settings: copy() });

  /** Stores first, so the UI never shows a preference the next page load would not have. */
  function commit(next: ShellSettings): Result<null> {
    try {
      settingsStore.save(next);
    } catch {
      return fail('internal', 'This browser would not save the preference; it is unchanged.');
    }
    settings = next;
    settingsChanged();
    return done();
  }

  const storageEvents: StorageEventSource | null =
    options.storageEvents === undefined ? window : options.storageEvents;
  if (storageEvents !== null) {
    // Another tab changed a preference: follow it, so every tab behaves alike. (A null key
    // means that tab cleared the whole storage.)
    storageEvents.addEventListener('storage', (event) => {
      if (event.storageArea !== storage || (event.key !== SETTINGS_KEY && event.key !== null)) {
        return;
      }
      settings = settingsStore.load();
      settingsChanged();
    });
  }

  const notifications = createWebNotifications({
    api: 'notifications' in options ? options.notifications : browserNotificationApi(),
    page: options.page ?? browserPage(),
    timers: options.notificationTimers,
    settings: () => settings,
    activeConversationId: () => activeConversationId,
    openConversation: (conversationId) => emitShell({ type: 'open-conversation', conversationId }),
  });
  // This browser's old per-device mutes move to the server's level once (see mute-migration).
  const muteMigration = createMuteMigration({
    muted: () => settings.mutedConversationIds,
    forget: (conversationId) => {
      commit(withMuted(settings, conversationId, false));
    },
    setLevel: (conversationId, level) => client.setNotificationLevel({ conversationId, level }),
  });
  // For the page's lifetime, like the bridge itself.
  client.onEvent((event) => {
    notifications.onEvent(event);
    muteMigration.onEvent(event);
  });

  const push = createWebPush({
    browser: options.push ?? browserPush(),
    calls: {
      getPushKey: () => client.getPushKey(),
      subscribePush: (args) => client.subscribePush(args),
      unsubscribePush: (args) => client.unsubscribePush(args),
    },
    openConversation: (conversationId) => emitShell({ type: 'open-conversation', conversationId }),
  });
  client.onEvent((event) => {
    if (event.type !== 'session') return;
    // A new session gets this browser's subscription; a signed-out one leaves none behind.
    void (event.session === null ? push.signedOut() : push.signedIn());
  });
  const permission = notifications.permission;

  const desktopOnly = () => fail('unsupported', 'Only the desktop app can do that.');
  const shellHandlers: Pick<BridgeHandlers, ShellMethod> = {
    setActiveConversation({ conversationId }) {
      activeConversationId = conversationId;
      return Promise.resolve(done());
    },
    setDoNotDisturb: ({ enabled }) => Promise.resolve(commit(withDoNotDisturb(settings, enabled))),
    getSettings: () => Promise.resolve(ok(copy())),
    openExternal({ url: raw }) {
      // The schema admits only http(s) URLs and plain mailto: addresses; the shared rule also
      // refuses credentials, as the desktop shell does. Anything else never reaches window.open.
      const url = safeExternalUrl(raw);
      if (url === null) {
        return Promise.resolve(
          fail(
            'invalid_request',
            'Only web links (http or https) and e-mail addresses can be opened.',
          ),
        );
      }
      // With noopener, window.open returns null even on success: nothing to check.
      window.open(url.href, '_blank', 'noopener,noreferrer');
      return Promise.resolve(done());
    },
    // The browser's own download, of bytes the core fetched with the session.
    async saveAttachment({ attachmentId, name }) {
      const bytes = await client.attachmentBytes({ attachmentId, thumbnail: false });
      if (!bytes.ok) return bytes;
      const url = URL.createObjectURL(
        new Blob([bytes.value.bytes as Uint8Array<ArrayBuffer>], { type: bytes.value.contentType }),
      );
      const link = document.createElement('a');
      link.href = url;
      link.download = name;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      return ok({ saved: true });
    },
    // A page is not an installed app: no version of its own, nothing to start at login or
    // update (the server serves the new client). The renderer shows none of it.
    getAppStatus: () => Promise.resolve(ok(null)),
    setLaunchAtLogin: () => Promise.resolve(desktopOnly()),
    checkForUpdates: () => Promise.resolve(desktopOnly()),
    installUpdate: () => Promise.resolve(desktopOnly()),
  };

  const bridge: WebBridge = {
    client,
    push,
    openConversation: (conversationId) => emitShell({ type: 'open-conversation', conversationId }),
    notificationPermission: {
      current: () => permission.current(),
      // From the user's click ("Turn on notifications"): the permission, then the push
      // subscription, so notifications come also while no tab is open.
      async request() {
        const outcome = await permission.request();
        if (outcome === 'granted') await push.enable();
        return outcome;
      },
    },
    onEvent(listener) {
      shellListeners.add(listener);
      const unsubscribe = client.onEvent(listener);
      return () => {
        shellListeners.delete(listener);
        unsubscribe();
      };
    },

    ...validatingCalls(BRIDGE_METHOD_NAMES, { ...coreCalls(client), ...shellHandlers }),
  };

  return bridge;
}
