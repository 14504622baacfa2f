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
      : withAttachments(plainText(last.body).replace(/\s+/gu, ' ').trim(), last.attachments);
  if (last.state === 'failed') return `Not sent: ${body}`;
  if (last.mine) return `You: ${body}`;
  if (conversation.type === 'group') {
    return `${memberName(conversation, last.senderId)}: ${body}`;
  }
  return body;
}

/**
 * A message with files says so: alone, "📷 Photo", "📷 3 photos", "📎 report.pdf" or
 * "📎 3 files"; with text, the text after the icon.
 */
function withAttachments(
  body: string,
  attachments: readonly { name: string; width: number | null }[] | undefined,
): string {
  if (attachments === undefined || attachments.length === 0) return body;
  const images = attachments.filter((a) => a.width !== null).length;
  const allImages = images === attachments.length;
  const icon = allImages ? '📷' : '📎';
  if (body !== '') return `${icon} ${body}`;
  const [first] = attachments;
  if (attachments.length === 1 && first !== undefined) {
    return allImages ? '📷 Photo' : `📎 ${first.name}`;
  }
  return allImages ? `📷 ${attachments.length} photos` : `📎 ${attachments.length} files`;
}
