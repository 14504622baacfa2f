import type { Attachment, Message } from '@chat/protocol';
import type { AttachmentRecord, AttachmentStore, MessageRecord } from '../store/types';
import { toAttachment } from '../uploads/service';

const iso = (date: Date | null) => (date === null ? null : date.toISOString());

/**
 * A stored message as every REST answer and socket event carries it, with its
 * attachments (see `withAttachments`; none when not given).
 */
export function toMessage(record: MessageRecord, attachments: readonly Attachment[] = []): Message {
  return {
    id: record.id,
    conversationId: record.conversationId,
    seq: record.seq,
    senderId: record.senderId,
    clientId: record.clientId,
    body: record.body,
    createdAt: record.createdAt.toISOString(),
    kind: record.kind,
    system: record.system
      ? {
          event: record.system.event,
          actorId: record.system.actorId,
          userIds: [...record.system.userIds],
          title: record.system.title,
        }
      : null,
    rev: record.rev,
    editedAt: iso(record.editedAt),
    deletedAt: iso(record.deletedAt),
    replyTo: record.replyTo
      ? {
          seq: record.replyTo.seq,
          senderId: record.replyTo.senderId,
          excerpt: record.replyTo.excerpt,
          deleted: record.replyTo.deleted,
        }
      : null,
    reactions: record.reactions.map((r) => ({ emoji: r.emoji, userIds: [...r.userIds] })),
    mentions: [...record.mentions],
    // A deleted message's attachments are erased with it; never shown even if a record
    // outlived a failed erase.
    attachments: record.deletedAt === null ? [...attachments] : [],
  };
}

/**
 * Several stored messages as sent, their attachments read in one query for the lot (a
 * history page is one lookup, not one per message).
 */
export async function withAttachments(
  records: readonly MessageRecord[],
  store: Pick<AttachmentStore, 'listForMessages'> | undefined,
): Promise<Message[]> {
  // System and deleted messages have none, nor do those the store knows nothing was ever
  // attached to: most pages need no lookup at all.
  const ids = records
    .filter((r) => r.kind === 'text' && r.deletedAt === null && r.hasAttachments !== false)
    .map((r) => r.id);
  if (ids.length === 0 || !store) return records.map((r) => toMessage(r));
  const byMessage = new Map<string, Attachment[]>();
  for (const record of await store.listForMessages(ids)) {
    const messageId = messageIdOf(record);
    if (messageId === null) continue;
    const list = byMessage.get(messageId) ?? [];
    list.push(toAttachment(record));
    byMessage.set(messageId, list);
  }
  return records.map((r) => toMessage(r, byMessage.get(r.id)));
}

function messageIdOf(record: AttachmentRecord): string | null {
  return record.use?.kind === 'message' ? record.use.messageId : null;
}
