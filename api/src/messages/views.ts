import type { Message } from '@chat/protocol';
import type { MessageRecord } from '../store/types';

const iso = (date: Date | null) => (date === null ? null : date.toISOString());

/** A stored message as every REST answer and socket event carries it. */
export function toMessage(record: MessageRecord): Message {
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
    // Sending with attachmentIds is not wired yet (issue #15): no message has any.
    attachments: [],
  };
}
