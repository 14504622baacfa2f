import type {
  ConversationRecord,
  MessageRecord,
  SessionRecord,
  UserRecord,
  WatermarkRecord,
} from '../types';
import { idString } from './ids';
import type { ConversationDoc, MessageDoc, SessionDoc, UserDoc, WatermarkDoc } from './models';

// Stored documents → the port's records. Built field by field so nothing internal
// (displayNameLower, directKey) leaks out and ObjectIds always leave as strings.

export function toUserRecord(doc: UserDoc): UserRecord {
  return {
    id: idString(doc._id),
    username: doc.username,
    displayName: doc.displayName,
    passwordHash: doc.passwordHash,
    createdAt: doc.createdAt,
    lastSeenAt: doc.lastSeenAt ?? null,
  };
}

export function toSessionRecord(doc: SessionDoc): SessionRecord {
  return {
    id: idString(doc._id),
    userId: idString(doc.userId),
    refreshGeneration: doc.refreshGeneration,
    createdAt: doc.createdAt,
    refreshExpiresAt: doc.refreshExpiresAt,
    revokedAt: doc.revokedAt ?? null,
  };
}

export function toConversationRecord(doc: ConversationDoc): ConversationRecord {
  return {
    id: idString(doc._id),
    type: doc.type,
    title: doc.title ?? null,
    memberIds: doc.memberIds.map(idString),
    createdAt: doc.createdAt,
    lastSeq: doc.lastSeq,
    lastActivityAt: doc.lastActivityAt,
  };
}

export function toMessageRecord(doc: MessageDoc): MessageRecord {
  return {
    id: idString(doc._id),
    conversationId: idString(doc.conversationId),
    seq: doc.seq,
    senderId: idString(doc.senderId),
    clientId: doc.clientId,
    body: doc.body,
    createdAt: doc.createdAt,
  };
}

export function toWatermarkRecord(
  doc: Pick<WatermarkDoc, 'userId' | 'deliveredSeq' | 'readSeq'>,
): WatermarkRecord {
  return {
    userId: idString(doc.userId),
    deliveredSeq: doc.deliveredSeq,
    readSeq: doc.readSeq,
  };
}
