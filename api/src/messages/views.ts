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
 * Whether a message can show attachments that must be looked up: system and deleted
 * messages show none, nor do those the store knows nothing was ever attached to.
 */
export function mayShowAttachments(
  record: Pick<MessageRecord, 'kind' | 'deletedAt' | 'hasAttachments'>,
): boolean {
  return record.kind === 'text' && record.deletedAt === null && record.hasAttachments !== false;
}

/**
 * The attachments of these messages as their views carry them, by message id, read in one
 * query for the lot (a history page is one lookup, not one per message); none without a
 * store or ids.
 */
export async function attachmentsByMessage(
  messageIds: readonly string[],
  store: Pick<AttachmentStore, 'listForMessages'> | undefined,
): Promise<Map<string, Attachment[]>> {
  const byMessage = new Map<string, Attachment[]>();
  if (messageIds.length === 0 || !store) return byMessage;
  for (const record of await store.listForMessages(messageIds)) {
    const messageId = messageIdOf(record);
    if (messageId === null) continue;
    const list = byMessage.get(messageId) ?? [];
    list.push(toAttachment(record));
    byMessage.set(messageId, list);
  }
  return byMessage;
}

/** Several stored messages as sent, their attachments read in one query for the lot. */
export async function withAttachments(
  records: readonly MessageRecord[],
  store: Pick<AttachmentStore, 'listForMessages'> | undefined,
): Promise<Message[]> {
  // Most pages need no lookup at all.
  const ids = records.filter(mayShowAttachments).map((r) => r.id);
  if (ids.length === 0 || !store) return records.map((r) => toMessage(r));
  const byMessage = await attachmentsByMessage(ids, store);
  return records.map((r) => toMessage(r, byMessage.get(r.id)));
}

function messageIdOf(record: AttachmentRecord): string | null {
  return record.use?.kind === 'message' ? record.use.messageId : null;
}
