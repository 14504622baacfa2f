import type { Message } from '@chat/protocol';
import type { MessageRecord } from '../store/types';

export function toMessage(record: MessageRecord): Message {
  return {
    id: record.id,
    conversationId: record.conversationId,
    seq: record.seq,
    senderId: record.senderId,
    clientId: record.clientId,
    body: record.body,
    createdAt: record.createdAt.toISOString(),
    // Sending with attachmentIds is not wired yet (issue #15): no message has any.
    attachments: [],
  };
}
