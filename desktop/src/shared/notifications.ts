/**
 * When a new message deserves a notification, and what it says: one rule for every shell.
 * The Electron main process drives native notifications with it, the web bridge the
 * browser's `Notification`; each supplies only its own `NotifyContext` and pop-up factory.
 *
 * Environment-neutral: no DOM, Node or Electron imports here.
 */
import { notificationDueAt, notifiesAt } from '@chat/protocol';
import type { ConversationView, LocalMessage } from './bridge/model';

export interface NotifyContext {
  windowFocused: boolean;
  /** The conversation the renderer shows, if any. */
  activeConversationId: string | null;
  doNotDisturb: boolean;
  /** The signed-in user: a message naming them notifies at the `mentions` level. */
  selfId: string | null;
}

export type NotifyDecision =
  | { notify: true }
  | {
      notify: false;
      why: 'own' | 'not-stored' | 'system' | 'read' | 'dnd' | 'muted' | 'not-mentioned' | 'visible';
    };

/**
 * Whether a message deserves a native notification: someone else's stored message (not a
 * group change: those are history, not news), still unread (it may have been read on
 * another device before it arrived here), allowed by the conversation's notification level
 * (kept on the server, the same on every device: `all`; `mentions` only when the message
 * names the user; `none` never), not silenced by do-not-disturb (which wins over a
 * mention), and not already in front of the user (the window is focused on that very
 * conversation).
 *
 * Feed it only messages that arrived live (the core's `incoming` events): history loaded at
 * start, older pages and catch-up are never news. No age rule: the client's clock may be off,
 * and liveness already says the message is new.
 */
export function decideNotification(
  message: Pick<LocalMessage, 'conversationId' | 'mine' | 'seq' | 'kind' | 'mentions'>,
  context: NotifyContext,
  conversation?: Pick<ConversationView, 'lastReadSeq' | 'notifications'>,
): NotifyDecision {
  if (message.mine) return { notify: false, why: 'own' };
  if (message.seq === null) return { notify: false, why: 'not-stored' };
  if (message.kind === 'system') return { notify: false, why: 'system' };
  if (conversation !== undefined && message.seq <= conversation.lastReadSeq) {
    return { notify: false, why: 'read' };
  }
  if (context.doNotDisturb) return { notify: false, why: 'dnd' };
  // The server's level, by the rule its pushes follow too (`notifiesAt`).
  const level = conversation?.notifications ?? 'all';
  const mentionsMe = context.selfId !== null && message.mentions.includes(context.selfId);
  if (!notifiesAt(level, mentionsMe)) {
    return { notify: false, why: level === 'none' ? 'muted' : 'not-mentioned' };
  }
  if (context.windowFocused && context.activeConversationId === message.conversationId) {
    return { notify: false, why: 'visible' };
  }
  return { notify: true };
}

export interface NotificationContent {
  title: string;
  body: string;
}

const BODY_LIMIT = 200;

/** "Alice" for a direct message, "Alice in Team" for a group. */
export function notificationContent(
  message: Pick<LocalMessage, 'senderId' | 'body'>,
  conversation: Pick<ConversationView, 'type' | 'title' | 'members'> | undefined,
): NotificationContent {
  const sender = conversation?.members.find((member) => member.id === message.senderId);
  const who = sender?.displayName ?? 'New message';
  const title =
    conversation?.type === 'group' && conversation.title ? `${who} in ${conversation.title}` : who;
  const chars = Array.from(message.body.trim());
  const body =
    chars.length > BODY_LIMIT ? `${chars.slice(0, BODY_LIMIT - 1).join('')}…` : chars.join('');
  return { title, body };
}

/** The part of a notification the notifier drives (Electron's, or an adapter over the DOM's). */
export interface NativeNotification {
  on(event: 'click', listener: () => void): unknown;
  show(): void;
  close(): void;
}

export interface NotifierDeps {
  isSupported(): boolean;
  create(content: NotificationContent): NativeNotification;
  context(): NotifyContext;
  conversation(conversationId: string): ConversationView | undefined;
  /** Brings the window forward and opens the conversation. */
  openConversation(conversationId: string): void;
  /** Time and timers for the burst rule; the real ones by default. */
  timers?: NotifierTimers;
}

export interface NotifierTimers {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const REAL_TIMERS: NotifierTimers = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Shows notifications for messages from others that arrived live (`incoming` events).
 * Each conversation remembers the highest seq already announced, so nothing is announced
 * twice; one notification per conversation is kept on screen, and it goes away once the
 * conversation is read up to it (here or on another device: `onConversation`). Bursts
 * follow the rule the server's pushes follow (`notificationDueAt`): per conversation at most
 * one notification per interval; a message arriving sooner waits, replaced by any newer
 * one, and is shown at the end of the interval if it still deserves it then.
 */
export function createNotifier(deps: NotifierDeps): {
  onIncoming(message: LocalMessage): void;
  /** A conversation changed: a notification for what is now read is taken down. */
  onConversation(conversation: Pick<ConversationView, 'id' | 'lastReadSeq'>): void;
  reset(): void;
} {
  const timers = deps.timers ?? REAL_TIMERS;
  const announcedSeq = new Map<string, number>();
  const shown = new Map<string, { notification: NativeNotification; seq: number }>();
  const lastShownAt = new Map<string, number>();
  const waiting = new Map<string, { message: LocalMessage; timer: unknown }>();

  function deserves(message: LocalMessage): boolean {
    const conversation = deps.conversation(message.conversationId);
    return decideNotification(message, deps.context(), conversation).notify && deps.isSupported();
  }

  function show(message: LocalMessage & { seq: number }): void {
    const conversation = deps.conversation(message.conversationId);
    const notification = deps.create(notificationContent(message, conversation));
    shown.get(message.conversationId)?.notification.close();
    shown.set(message.conversationId, { notification, seq: message.seq });
    lastShownAt.set(message.conversationId, timers.now());
    notification.on('click', () => {
      shown.delete(message.conversationId);
      deps.openConversation(message.conversationId);
    });
    notification.show();
  }

  return {
    onIncoming(message) {
      const { seq } = message;
      if (seq === null) return;
      const id = message.conversationId;
      const previous = announcedSeq.get(id) ?? 0;
      if (seq <= previous) return;
      announcedSeq.set(id, seq);
      if (!deserves(message)) return;
      const now = timers.now();
      const due = notificationDueAt(now, lastShownAt.get(id) ?? null);
      const pending = waiting.get(id);
      if (pending) {
        pending.message = message;
        return;
      }
      if (due <= now) {
        show({ ...message, seq });
        return;
      }
      const timer = timers.setTimeout(() => {
        const entry = waiting.get(id);
        waiting.delete(id);
        // Read, opened or silenced in the meantime: then it is no news any more.
        if (entry && entry.message.seq !== null && deserves(entry.message)) {
          show({ ...entry.message, seq: entry.message.seq });
        }
      }, due - now);
      waiting.set(id, { message, timer });
    },
    onConversation(conversation) {
      const current = shown.get(conversation.id);
      if (current === undefined || current.seq > conversation.lastReadSeq) return;
      current.notification.close();
      shown.delete(conversation.id);
    },
    reset() {
      for (const { notification } of shown.values()) notification.close();
      for (const entry of waiting.values()) timers.clearTimeout(entry.timer);
      shown.clear();
      waiting.clear();
      lastShownAt.clear();
      announcedSeq.clear();
    },
  };
}

// ---- permission (browsers only) --------------------------------------------

/** The browser's `Notification.permission`, or `unsupported` where there is no API. */
export type NotificationPermissionState = 'default' | 'granted' | 'denied' | 'unsupported';

/**
 * Offered on the bridge (`window.chat.notificationPermission`) by shells whose
 * notifications need the user's consent first: the web client. Electron's native
 * notifications need none, so the desktop bridge leaves it out and the UI shows no prompt.
 */
export interface NotificationPermissionControl {
  current(): NotificationPermissionState;
  /**
   * Asks the user. Call it only from a click: browsers refuse (or remember as a refusal)
   * prompts a page raises on its own. Resolves with the outcome; never rejects.
   */
  request(): Promise<NotificationPermissionState>;
}
