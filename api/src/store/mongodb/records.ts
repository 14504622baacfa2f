import type {
  AvatarRecord,
  ConversationRecord,
  MessageRecord,
  SessionRecord,
  UserRecord,
  WatermarkRecord,
} from '../types';
import { idString, requireId } from './ids';
import type {
  AvatarDoc,
  ConversationDoc,
  MessageDoc,
  SessionDoc,
  UserDoc,
  WatermarkDoc,
} from './models';

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
    deletedAt: doc.deletedAt ?? null,
    avatar: toAvatarRecord(doc.avatar),
  };
}

export function toAvatarRecord(doc: AvatarDoc | null | undefined): AvatarRecord | null {
  if (!doc) return null;
  return {
    id: idString(doc.attachmentId),
    name: doc.name,
    contentType: doc.contentType,
    size: doc.size,
    width: doc.width ?? null,
    height: doc.height ?? null,
    thumbnail: doc.thumbnail,
  };
}

/** The caller promised the attachment exists, so an id that is not ours is a bug (throws). */
export function toAvatarDoc(record: AvatarRecord): AvatarDoc {
  return {
    attachmentId: requireId(record.id, 'avatar id'),
    name: record.name,
    contentType: record.contentType,
    size: record.size,
    width: record.width,
    height: record.height,
    thumbnail: record.thumbnail,
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
    rotatedAt: doc.rotatedAt ?? null,
    client: doc.client ?? '',
    lastActiveAt: doc.lastActiveAt ?? doc.createdAt,
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
    rev: doc.rev ?? doc.lastSeq,
    adminIds: (doc.adminIds ?? (doc.type === 'group' ? doc.memberIds.slice(0, 1) : [])).map(
      idString,
    ),
    avatar: doc.type === 'group' ? toAvatarRecord(doc.avatar) : null,
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
    kind: doc.kind ?? 'text',
    system: doc.system
      ? {
          event: doc.system.event,
          actorId: idString(doc.system.actorId),
          userIds: doc.system.userIds.map(idString),
          title: doc.system.title ?? null,
        }
      : null,
    // A message from before version 2 never changed: its seq is its rev (see upgrade.ts).
    rev: doc.rev ?? doc.seq,
    editedAt: doc.editedAt ?? null,
    deletedAt: doc.deletedAt ?? null,
    replyTo: doc.replyTo
      ? {
          seq: doc.replyTo.seq,
          senderId: idString(doc.replyTo.senderId),
          excerpt: doc.replyTo.excerpt,
          deleted: doc.replyTo.deleted,
        }
      : null,
    // An empty entry (an older version removed a reaction's last user in two steps, and
    // may have stopped between them) is no reaction.
    reactions: (doc.reactions ?? [])
      .filter((r) => r.userIds.length > 0)
      .map((r) => ({ emoji: r.emoji, userIds: r.userIds.map(idString) })),
    mentions: (doc.mentions ?? []).map(idString),
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
