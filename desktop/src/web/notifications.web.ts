/**
 * Browser notifications for the web client: the same rule and announce-once notifier as the
 * Electron shell (`shared/notifications`), shown with the DOM's `Notification`. The page
 * counts as "in front" only while the tab is visible and the window has focus, so a
 * message in the open conversation is announced when the user is in another tab or app.
 */
import type { ChatEvent, ConversationView } from '../shared/bridge';
import type { ShellSettings } from '../shared/settings';
import {
  createNotifier,
  type NativeNotification,
  type NotifierTimers,
  type NotificationPermissionControl,
  type NotificationPermissionState,
} from '../shared/notifications';

/** The part of a DOM `Notification` used here. */
export interface DomNotificationLike {
  addEventListener(type: 'click', listener: () => void): void;
  close(): void;
}

/** The part of the DOM's `Notification` class used here (injectable, so tests need no DOM). */
export interface NotificationApi {
  readonly permission: NotificationPermission;
  requestPermission(): Promise<NotificationPermission>;
  new (title: string, options?: NotificationOptions): DomNotificationLike;
}

export interface PageLike {
  /** The tab is visible and its window focused: the user is looking at the app. */
  inFront(): boolean;
  /** Brings the tab forward (browsers allow it from a notification click). */
  focus(): void;
}

export interface WebNotificationsDeps {
  /** `globalThis.Notification`, or undefined where the browser has none. */
  api: NotificationApi | undefined;
  page: PageLike;
  /** Time for the burst rule (default: the real clock and timers). */
  timers?: NotifierTimers | undefined;
  settings(): ShellSettings;
  activeConversationId(): string | null;
  /** Tells the renderer to show the conversation (an `open-conversation` event). */
  openConversation(conversationId: string): void;
}

export interface WebNotifications {
  /** Feed every core event: conversations name the sender, live incoming messages are announced. */
  onEvent(event: ChatEvent): void;
  permission: NotificationPermissionControl;
}

const SILENT: NativeNotification = {
  on: () => undefined,
  show: () => undefined,
  close: () => undefined,
};

export function createWebNotifications(deps: WebNotificationsDeps): WebNotifications {
  const { api } = deps;
  const conversations = new Map<string, ConversationView>();
  let selfId: string | null = null;

  const notifier = createNotifier({
    ...(deps.timers === undefined ? {} : { timers: deps.timers }),
    // Checked at every message: the user may grant or revoke it in the browser at any time.
    isSupported: () => api?.permission === 'granted',
    create(content) {
      if (api === undefined) return SILENT;
      let shown: DomNotificationLike;
      try {
        // A DOM notification shows as soon as it is constructed.
        shown = new api(content.title, { body: content.body });
      } catch {
        // Some browsers (Chrome on Android) allow notifications only from a service worker;
        // the unread count still tells the user, so a refused pop-up is not worth an error.
        return SILENT;
      }
      return {
        on: (_event, listener) =>
          shown.addEventListener('click', () => {
            shown.close();
            listener();
          }),
        show: () => undefined,
        close: () => shown.close(),
      };
    },
    context: () => {
      const settings = deps.settings();
      return {
        windowFocused: deps.page.inFront(),
        activeConversationId: deps.activeConversationId(),
        doNotDisturb: settings.doNotDisturb,
        selfId,
      };
    },
    conversation: (id) => conversations.get(id),
    openConversation(conversationId) {
      deps.page.focus();
      deps.openConversation(conversationId);
    },
  });

  const current = (): NotificationPermissionState => api?.permission ?? 'unsupported';

  return {
    onEvent(event) {
      switch (event.type) {
        case 'conversation':
          conversations.set(event.conversation.id, event.conversation);
          notifier.onConversation(event.conversation);
          break;
        case 'conversation-removed':
          conversations.delete(event.conversationId);
          break;
        case 'incoming':
          notifier.onIncoming(event.message);
          break;
        case 'session':
          // The same account with a new profile (its avatar): nothing to start over.
          if (event.reason === 'profile') break;
          // Another account (or none): nothing of the last one may pop up.
          selfId = event.session?.user.id ?? null;
          conversations.clear();
          notifier.reset();
          break;
        default:
          break;
      }
    },
    permission: {
      current,
      async request() {
        if (api === undefined) return 'unsupported';
        try {
          return await api.requestPermission();
        } catch {
          return current();
        }
      },
    },
  };
}

/** The live page: `document` visibility and focus. */
export function browserPage(): PageLike {
  return {
    inFront: () => document.visibilityState === 'visible' && document.hasFocus(),
    focus: () => window.focus(),
  };
}

/** The browser's `Notification` class, where it exists. */
export function browserNotificationApi(): NotificationApi | undefined {
  return typeof Notification === 'undefined' ? undefined : Notification;
}
