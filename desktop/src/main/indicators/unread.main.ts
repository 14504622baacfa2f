import type { ConversationView } from '../../shared/bridge';

/**
 * The total shown on the tray and the dock/taskbar badge: unread messages from others,
 * summed over conversations, leaving out muted ones (level "Nothing" means "don't nag me").
 */
export function createUnreadCounter(isMuted: (conversationId: string) => boolean): {
  update(conversation: Pick<ConversationView, 'id' | 'unreadCount'>): void;
  /** The user left the conversation, or was removed. */
  remove(conversationId: string): void;
  total(): number;
  clear(): void;
} {
  const counts = new Map<string, number>();
  return {
    update(conversation) {
      counts.set(conversation.id, Math.max(0, conversation.unreadCount));
    },
    remove(conversationId) {
      counts.delete(conversationId);
    },
    total() {
      let sum = 0;
      for (const [id, count] of counts) if (!isMuted(id)) sum += count;
      return sum;
    },
    clear() {
      counts.clear();
    },
  };
}

/** "99+" beyond two digits, as in every chat app's badge. */
export function formatUnread(count: number): string {
  if (count <= 0) return '';
  return count > 99 ? '99+' : String(count);
}
