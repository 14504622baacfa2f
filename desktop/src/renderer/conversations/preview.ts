import type { ConversationView } from '../../shared/bridge';
import { systemText } from '../conversation/system-text';
import { plainText } from '../text/markdown';
import { memberName } from '../ui/names';

/**
 * The list's one-line summary of the last message. A group's says who wrote it ("Bob:
 * see you at 8"), from the members the conversation already carries; anyone's own is "You:".
 */
export function preview(conversation: ConversationView, selfId = ''): string {
  const last = conversation.lastMessage;
  if (last === null) return 'No messages yet';
  if (last.system != null) {
    // The latest change of a member's role left them as they are now.
    const madeAdmin = conversation.admins.includes(last.system.userIds[0] ?? '');
    return systemText(last.system, (id) => memberName(conversation, id), selfId, madeAdmin);
  }
  // A deletion empties the body; the list says so rather than showing nothing.
  const body =
    last.deletedAt !== null
      ? 'This message was deleted'
      : plainText(last.body).replace(/\s+/gu, ' ').trim();
  if (last.state === 'failed') return `Not sent: ${body}`;
  if (last.mine) return `You: ${body}`;
  if (conversation.type === 'group') {
    return `${memberName(conversation, last.senderId)}: ${body}`;
  }
  return body;
}
