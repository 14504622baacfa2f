import { z } from 'zod';

/** Opaque id. Never parse it; compare it. */
export const Id = z.string().min(1).max(128);
/** ISO-8601 UTC, e.g. 2026-11-26T10:00:00.000Z */
export const Timestamp = z.iso.datetime();

export const User = z.object({
  id: Id,
  username: z.string(),
  displayName: z.string(),
  createdAt: Timestamp,
});
export type User = z.infer<typeof User>;

export const Person = z.object({
  id: Id,
  username: z.string(),
  displayName: z.string(),
  online: z.boolean(),
  /** null while online, or if never seen. */
  lastSeenAt: Timestamp.nullable(),
});
export type Person = z.infer<typeof Person>;

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

export const Message = z.object({
  id: Id,
  conversationId: Id,
  seq: z.number().int().positive(),
  senderId: Id,
  clientId: z.string(),
  body: z.string(),
  createdAt: Timestamp,
  attachments: z.array(Attachment),
});
export type Message = z.infer<typeof Message>;

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
});
export type Conversation = z.infer<typeof Conversation>;

export const ReceiptType = z.enum(['delivered', 'read']);
export type ReceiptType = z.infer<typeof ReceiptType>;
