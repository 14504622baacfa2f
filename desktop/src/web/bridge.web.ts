/**
 * The web bridge: `window.chat` for the web client, with the client core running in the
 * page. The session lives in `sessionStorage` (per tab, gone when the tab closes: the
 * page has no safeStorage to protect a long-lived refresh token), the outbox in
 * `localStorage` (unsent messages survive a reload or a crash), and so do the shell
 * preferences (mute, do-not-disturb), shared by the tabs of one browser profile. With the
 * user's permission, new messages are announced with browser notifications.
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
import { withDoNotDisturb, withMuted } from '../shared/settings';
import { coreCalls, createChatClient, type ChatClient } from '../core/client';
import { safeExternalUrl } from '../shared/external-url';
import { browserOutboxStorage } from '../core/storage/outbox.web';
import { browserSessionStorage } from '../core/storage/session.web';
import { SETTINGS_KEY, browserSettingsStorage } from '../core/storage/settings.web';
import {
  browserNotificationApi,
  browserPage,
  createWebNotifications,
  type NotificationApi,
  type PageLike,
} from './notifications.web';

export interface WebBridge extends ChatBridge {
  /** The core, for the page's own wiring (e.g. calling `start()` once). */
  readonly client: ChatClient;
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
}

export function createWebBridge(
  client: ChatClient = createChatClient({
    sessionStorage: browserSessionStorage(),
    outboxStorage: browserOutboxStorage(),
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
    settings: () => settings,
    activeConversationId: () => activeConversationId,
    openConversation: (conversationId) => emitShell({ type: 'open-conversation', conversationId }),
  });
  // For the page's lifetime, like the bridge itself.
  client.onEvent((event) => notifications.onEvent(event));

  const shellHandlers: Pick<BridgeHandlers, ShellMethod> = {
    setActiveConversation({ conversationId }) {
      activeConversationId = conversationId;
      return Promise.resolve(done());
    },
    setMuted: ({ conversationId, muted }) =>
      Promise.resolve(commit(withMuted(settings, conversationId, muted))),
    setDoNotDisturb: ({ enabled }) => Promise.resolve(commit(withDoNotDisturb(settings, enabled))),
    getSettings: () => Promise.resolve(ok(copy())),
    openExternal({ url: raw }) {
      // The schema admits only http(s) URLs; the shared rule also refuses credentials, as
      // the desktop shell does. Anything else never reaches window.open.
      const url = safeExternalUrl(raw);
      if (url === null) {
        return Promise.resolve(
          fail('invalid_request', 'Only web links (http or https) can be opened.'),
        );
      }
      // With noopener, window.open returns null even on success: nothing to check.
      window.open(url.href, '_blank', 'noopener,noreferrer');
      return Promise.resolve(done());
    },
  };

  const bridge: WebBridge = {
    client,
    notificationPermission: notifications.permission,
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
