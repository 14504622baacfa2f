import { z } from 'zod';

/** Opaque id. Never parse it; compare it. */
export const Id = z.string().min(1).max(128);
/** ISO-8601 UTC, e.g. 2026-11-26T10:00:00.000Z */
export const Timestamp = z.iso.datetime();

/**
 * A stored upload. `width`/`height` describe the stored image (null for anything else);
 * `thumbnail` says whether `GET /api/attachments/:id/thumbnail` has one.
 */
export const Attachment = z.object({
  id: Id,
  name: z.string(),
  contentType: z.string(),
  size: z.number().int().nonnegative(),
  width: z.number().int().positive().nullable(),
  height: z.number().int().positive().nullable(),
  thumbnail: z.boolean(),
});
export type Attachment = z.infer<typeof Attachment>;

export const User = z.object({
  id: Id,
  /** null for a deleted account. */
  username: z.string().nullable(),
  /** "Deleted account" for a deleted account. */
  displayName: z.string(),
  createdAt: Timestamp,
  /**
   * (version 2) The account was deleted: no username, the name "Deleted account". The API
   * always sends it; absent (a version 1 server) means false.
   */
  deleted: z.boolean().optional(),
  /**
   * (version 2) The user's picture, served by `GET /api/users/:id/avatar`; a version 2
   * server always sends it (null for none). Optional so older shapes still parse.
   */
  avatar: Attachment.nullable().optional(),
});
export type User = z.infer<typeof User>;

export const Person = z.object({
  id: Id,
  /** null for a deleted account. */
  username: z.string().nullable(),
  displayName: z.string(),
  online: z.boolean(),
  /** null while online, or if never seen. */
  lastSeenAt: Timestamp.nullable(),
  /**
   * (version 2) The account was deleted: no username, the name "Deleted account". The API
   * always sends it; absent (a version 1 server) means false.
   */
  deleted: z.boolean().optional(),
  /**
   * (version 2) The user's picture, served by `GET /api/users/:id/avatar`; a version 2
   * server always sends it (null for none). Optional so older shapes still parse.
   */
  avatar: Attachment.nullable().optional(),
});

/** How a deleted account appears everywhere (version 2). */
export const DELETED_ACCOUNT_NAME = 'Deleted account';
export type Person = z.infer<typeof Person>;

export const MessageKind = z.enum(['text', 'system']);
export type MessageKind = z.infer<typeof MessageKind>;

export const SystemEventType = z.enum([
  'member_added',
  'member_removed',
  'member_left',
  'title_changed',
  'admin_changed',
]);
export type SystemEventType = z.infer<typeof SystemEventType>;

/** What a `system` message records: who did what to whom (groups). */
export const SystemEvent = z.object({
  event: SystemEventType,
  actorId: Id,
  userIds: z.array(Id),
  title: z.string().nullable(),
});
export type SystemEvent = z.infer<typeof SystemEvent>;

/** The quoted message of a reply, as it was when the reply was sent. */
export const ReplyTo = z.object({
  seq: z.number().int().positive(),
  senderId: Id,
  /** At most the first 200 characters of the quoted body; empty once it is deleted. */
  excerpt: z.string(),
  deleted: z.boolean(),
});
export type ReplyTo = z.infer<typeof ReplyTo>;

export const Reaction = z.object({
  emoji: z.string(),
  /** In the order they reacted. */
  userIds: z.array(Id),
});
export type Reaction = z.infer<typeof Reaction>;

/**
 * The fields version 2 added default to what a version 1 message means (a text message,
 * never changed, no reply, reactions or mentions), so a client parsing the answer of a
 * version 1 server gets a whole version 2 message.
 */

export const Message = z.object({
  id: Id,
  conversationId: Id,
  seq: z.number().int().positive(),
  senderId: Id,
  clientId: z.string(),
  /** Empty for a system message and for a deleted one. */
  body: z.string(),
  createdAt: Timestamp,
  kind: MessageKind.default('text'),
  /** Set exactly when `kind` is `system`. */
  system: SystemEvent.nullable().default(null),
  /**
   * Unique and increasing within the conversation; given anew at every change, so of two
   * copies of one message the one with the higher rev is the newer.
   */
  rev: z.number().int().nonnegative().default(0),
  editedAt: Timestamp.nullable().default(null),
  /** A deleted message is a tombstone: empty body, no reactions, no mentions. */
  deletedAt: Timestamp.nullable().default(null),
  replyTo: ReplyTo.nullable().default(null),
  /** In the order of the first reaction of each emoji. */
  reactions: z.array(Reaction).default([]),
  /** Ids of the members named in the body as `@username`. */
  mentions: z.array(Id).default([]),
  attachments: z.array(Attachment).default([]),
});
export type Message = z.infer<typeof Message>;

/** How much of a conversation notifies its member: everything, mentions of them, nothing. */
export const NotificationLevel = z.enum(['all', 'mentions', 'none']);
export type NotificationLevel = z.infer<typeof NotificationLevel>;

export const ConversationType = z.enum(['direct', 'group']);
export type ConversationType = z.infer<typeof ConversationType>;

export const MemberReceipt = z.object({
  userId: Id,
  deliveredSeq: z.number().int().nonnegative(),
  readSeq: z.number().int().nonnegative(),
});
export type MemberReceipt = z.infer<typeof MemberReceipt>;

export const Conversation = z.object({
  id: Id,
  type: ConversationType,
  /** null for a direct conversation. */
  title: z.string().nullable(),
  members: z.array(User),
  createdAt: Timestamp,
  lastMessage: Message.nullable(),
  /** The caller's read watermark, 0 if none. */
  lastReadSeq: z.number().int().nonnegative(),
  /** Messages from others with seq > lastReadSeq. */
  unreadCount: z.number().int().nonnegative(),
  receipts: z.array(MemberReceipt),
  /** The highest `rev` of its messages: tells a client whether anything changed since. */
  rev: z.number().int().nonnegative().default(0),
  /** Group admins (the creator first); empty for a direct conversation. */
  admins: z.array(Id).default([]),
  /** (version 2) The caller's notification level for it. */
  notifications: NotificationLevel.default('all'),
  /**
   * (version 2) A group's picture (`GET /api/conversations/:id/avatar`); null otherwise.
   * Always sent by a version 2 server; optional so older shapes still parse.
   */
  avatar: Attachment.nullable().optional(),
});
export type Conversation = z.infer<typeof Conversation>;

export const ReceiptType = z.enum(['delivered', 'read']);
export type ReceiptType = z.infer<typeof ReceiptType>;
