import type { ConversationView } from '../../shared/bridge';

export const APP_TITLE = 'Chat';

/**
 * The tab's title: "(3) Chat" while 3 messages are unread, as other chat apps do. Muted
 * conversations (notification level "Nothing") still show their own count in the list but do not call for attention
 * here, as they do not in the list's badge colour.
 */
export function unreadTitle(conversations: Readonly<Record<string, ConversationView>>): string {
  let unread = 0;
  for (const conversation of Object.values(conversations)) {
    if (conversation.notifications !== 'none') unread += conversation.unreadCount;
  }
  if (unread === 0) return APP_TITLE;
  return `(${unread > 99 ? '99+' : unread}) ${APP_TITLE}`;
}
