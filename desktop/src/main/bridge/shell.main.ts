import type {
  ChatEvent,
  ConversationView,
  NotificationLevel,
  Result,
  SessionPersistence,
  ShellSettings,
} from '../../shared/bridge';
import { createMuteMigration } from '../../shared/mute-migration';
import type { ShellServices } from './handlers.main';
import {
  createNotifier,
  type NativeNotification,
  type NotificationContent,
} from '../../shared/notifications';
import type { SettingsStore } from '../../core/storage/settings';
import type { TrayState } from '../indicators/tray.main';
import { createUnreadCounter } from '../indicators/unread.main';

/** What the shell controller drives; Electron objects in the app, fakes in tests. */
export interface ShellDeps {
  settings: SettingsStore;
  sessionPersistence(): Promise<SessionPersistence>;
  windowFocused(): boolean;
  /** Shows, restores and focuses the chat window. */
  showWindow(): void;
  /** Sends an event to the renderer. */
  toRenderer(event: ChatEvent): void;
  notifications: {
    isSupported(): boolean;
    create(content: NotificationContent): NativeNotification;
  };
  /** Tray and dock/taskbar badge. */
  updateTray(state: TrayState): void;
  updateBadge(unread: number): void;
  openExternal(url: string): Promise<boolean>;
  /** The core's call: hands this device's old mutes over to the server's level. */
  setNotificationLevel(conversationId: string, level: NotificationLevel): Promise<Result<unknown>>;
}

/**
 * The desktop-only behaviour around the core: unread badge and tray, notifications and
 * their clicks, do-not-disturb, and handing the old per-device mutes over to the server. It listens to the same core events the renderer
 * gets and answers the bridge's shell calls.
 */
export function createShell(deps: ShellDeps): {
  services: ShellServices;
  onCoreEvent(event: ChatEvent): void;
  /** The tray's Do not disturb item. */
  setDoNotDisturb(enabled: boolean): void;
  openConversation(conversationId: string): void;
  refresh(): void;
} {
  const conversations = new Map<string, ConversationView>();
  // The badge leaves out what the user silenced ("Nothing"), on every device alike.
  const unread = createUnreadCounter((id) => conversations.get(id)?.notifications === 'none');
  let activeConversationId: string | null = null;
  let signedIn = false;
  let selfId: string | null = null;
  const muteMigration = createMuteMigration({
    muted: () => deps.settings.get().mutedConversationIds,
    forget: (id) => deps.settings.setMuted(id, false),
    setLevel: (id, level) => deps.setNotificationLevel(id, level),
  });

  function refresh(): void {
    const total = unread.total();
    deps.updateTray({ unread: total, doNotDisturb: deps.settings.get().doNotDisturb, signedIn });
    deps.updateBadge(total);
  }

  async function settings(): Promise<ShellSettings> {
    return { ...deps.settings.get(), sessionPersistence: await deps.sessionPersistence() };
  }

  function settingsChanged(): void {
    refresh();
    settings().then(
      (value) => deps.toRenderer({ type: 'settings', settings: value }),
      () => deps.toRenderer({ type: 'settings', settings: deps.settings.get() }),
    );
  }

  function openConversation(conversationId: string): void {
    deps.showWindow();
    deps.toRenderer({ type: 'open-conversation', conversationId });
  }

  const notifier = createNotifier({
    isSupported: () => deps.notifications.isSupported(),
    create: (content) => deps.notifications.create(content),
    context: () => ({
      windowFocused: deps.windowFocused(),
      activeConversationId,
      doNotDisturb: deps.settings.get().doNotDisturb,
      selfId,
    }),
    conversation: (id) => conversations.get(id),
    openConversation,
  });

  function setDoNotDisturb(enabled: boolean): void {
    deps.settings.setDoNotDisturb(enabled);
    settingsChanged();
  }

  return {
    services: {
      setActiveConversation(conversationId) {
        activeConversationId = conversationId;
      },
      setDoNotDisturb,
      settings,
      openExternal: (url) => deps.openExternal(url),
    },
    onCoreEvent(event) {
      switch (event.type) {
        case 'conversation':
          conversations.set(event.conversation.id, event.conversation);
          unread.update(event.conversation);
          notifier.onConversation(event.conversation);
          muteMigration.onEvent(event);
          refresh();
          break;
        case 'conversation-removed':
          conversations.delete(event.conversationId);
          unread.remove(event.conversationId);
          refresh();
          break;
        case 'incoming':
          notifier.onIncoming(event.message);
          break;
        case 'session':
          // The same account with a new profile (its avatar): nothing to start over.
          if (event.reason === 'profile') break;
          signedIn = event.session !== null;
          selfId = event.session?.user.id ?? null;
          // A new account (or none) starts from nothing: no counts or pop-ups of the last one.
          conversations.clear();
          unread.clear();
          notifier.reset();
          activeConversationId = null;
          refresh();
          break;
        default:
          break;
      }
    },
    setDoNotDisturb,
    openConversation,
    refresh,
  };
}
