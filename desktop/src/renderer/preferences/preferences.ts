/**
 * Notification levels and do-not-disturb as the renderer handles them. A conversation's
 * level is kept on the server, the same on every device of the user; do-not-disturb is the
 * shell's (Electron persists it, the tray can change it, the web bridge keeps it in
 * localStorage). The renderer flips a control at once and puts it back if the change is
 * refused.
 */
import type { ChatBridge, ConversationView, NotificationLevel } from '../../shared/bridge';
import type { ChatStore } from '../store/store';

// The one rule for changing do-not-disturb, shared with both shells.
export { withDoNotDisturb } from '../../shared/settings';

type PreferenceBridge = Pick<ChatBridge, 'setNotificationLevel' | 'setDoNotDisturb'>;

export const LEVEL_LABELS: Readonly<Record<NotificationLevel, string>> = {
  all: 'All messages',
  mentions: 'Mentions only',
  none: 'Nothing',
};

/** A conversation's level as shown (a view without one reads as `all`). */
export function levelOf(conversation: Pick<ConversationView, 'notifications'> | undefined) {
  return conversation?.notifications ?? 'all';
}

/**
 * Sets the caller's notification level for a conversation. Resolves with null, or with a
 * message saying why it could not be changed (the control is already back where it was).
 */
export async function changeNotificationLevel(
  store: ChatStore,
  bridge: PreferenceBridge,
  conversationId: string,
  level: NotificationLevel,
): Promise<string | null> {
  const before = levelOf(store.getState().conversations[conversationId]);
  store.dispatch({ type: 'set-notification-level', conversationId, level });
  const result = await bridge.setNotificationLevel({ conversationId, level });
  if (result.ok) return null;
  store.dispatch({ type: 'set-notification-level', conversationId, level: before });
  return `Could not change the notifications: ${result.error.message}`;
}

/** Turns do-not-disturb on or off; resolves like `changeMuted`. */
export async function changeDoNotDisturb(
  store: ChatStore,
  bridge: PreferenceBridge,
  enabled: boolean,
): Promise<string | null> {
  store.dispatch({ type: 'set-do-not-disturb', enabled });
  const result = await bridge.setDoNotDisturb({ enabled });
  if (result.ok) return null;
  store.dispatch({ type: 'set-do-not-disturb', enabled: !enabled });
  return `Could not turn do not disturb ${enabled ? 'on' : 'off'}: ${result.error.message}`;
}
