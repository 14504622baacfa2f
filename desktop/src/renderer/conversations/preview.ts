import type { ConversationView } from '../../shared/bridge';
import { plainText } from '../text/markdown';
import { memberName } from '../ui/names';

/**
 * The list's one-line summary of the last message. A group's says who wrote it ("Bob:
 * see you at 8"), from the members the conversation already carries; anyone's own is "You:".
 */
export function preview(conversation: ConversationView): string {
  const last = conversation.lastMessage;
  if (last === null) return 'No messages yet';
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
