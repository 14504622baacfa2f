/**
 * The storage port. Services depend on this interface only; `sqlite/` and `mongodb/`
 * implement it, and `store.contract.ts` is the one suite both must pass.
 *
 * Rules every adapter keeps:
 * - Ids are opaque strings. A lookup by an id of any shape (including one that is not
 *   valid for the backend, like a non-ObjectId string on MongoDB) returns null or
 *   nothing; it never throws.
 * - Times are `Date`s here; the transport turns them into ISO strings.
 * - A method resolves only after its write is durable (SQLite: committed with
 *   synchronous=FULL; MongoDB: acknowledged with write concern majority/journaled).
 */

export interface UserRecord {
  id: string;
  /** Already lower-cased; unique. */
  username: string;
  displayName: string;
  /** argon2id PHC string (parameters included). */
  passwordHash: string;
  createdAt: Date;
  lastSeenAt: Date | null;
}

export interface SessionRecord {
  id: string;
  userId: string;
  /**
   * How many times the refresh token was rotated. A refresh token names the generation
   * it was issued for; only the current one may be used, an older one means reuse.
   */
  refreshGeneration: number;
  createdAt: Date;
  refreshExpiresAt: Date;
  revokedAt: Date | null;
}

export type ConversationKind = 'direct' | 'group';

export interface ConversationRecord {
  id: string;
  type: ConversationKind;
  /** null for direct conversations. */
  title: string | null;
  /** In the order they were added (creator first for groups). */
  memberIds: string[];
  createdAt: Date;
  /** seq of the newest message; 0 when there is none. */
  lastSeq: number;
  /** createdAt of the newest message, else of the conversation. */
  lastActivityAt: Date;
}

export interface MessageRecord {
  id: string;
  conversationId: string;
  seq: number;
  senderId: string;
  clientId: string;
  body: string;
  createdAt: Date;
}

/** What an upload is used for once it is no longer loose; null until then. */
export type AttachmentUse =
  { kind: 'message'; conversationId: string; messageId: string } | { kind: 'avatar' };

/** An upload: its description and where its bytes (and thumbnail) are kept. */
export interface AttachmentRecord {
  id: string;
  uploaderId: string;
  /** The file name as the uploader gave it (cleaned), for downloads. */
  name: string;
  /** Decided from the bytes, never from the name or the client's header. */
  contentType: string;
  /** Of the stored bytes (after compression for images). */
  size: number;
  /** Of the stored image; null for anything else. */
  width: number | null;
  height: number | null;
  /** The key of the bytes in the blob storage. */
  storageKey: string;
  /** The key of the thumbnail and its content type; null when there is none. */
  thumbnailKey: string | null;
  thumbnailContentType: string | null;
  createdAt: Date;
  use: AttachmentUse | null;
}

export type NewAttachment = Omit<AttachmentRecord, 'id' | 'use'>;

export interface WatermarkRecord {
  userId: string;
  deliveredSeq: number;
  readSeq: number;
}

/** A conversation as one member sees it in a list. */
export interface ConversationSummary {
  conversation: ConversationRecord;
  lastMessage: MessageRecord | null;
  /** One per member, in memberIds order; 0/0 where nothing is received or read. */
  watermarks: WatermarkRecord[];
  /** Messages from others with seq greater than this member's readSeq. */
  unreadCount: number;
}

export interface NewUser {
  username: string;
  displayName: string;
  passwordHash: string;
}

export interface NewMessage {
  conversationId: string;
  senderId: string;
  clientId: string;
  body: string;
}

export interface HistoryRange {
  limit: number;
  /** Messages with seq < before (the `limit` newest of them). */
  before?: number | undefined;
  /** Messages with seq > after (the `limit` oldest of them). */
  after?: number | undefined;
}

/** A unique constraint refused the write. */
export class UniqueViolation extends Error {
  constructor(readonly field: 'username') {
    super(`unique constraint violated: ${field}`);
    this.name = 'UniqueViolation';
  }
}

/** The database refused or could not take a write (read-only file, lock, lost connection). */
export class StoreUnavailable extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreUnavailable';
  }
}

export interface UserStore {
  /** @throws UniqueViolation('username') when the username is taken. */
  create(input: NewUser): Promise<UserRecord>;
  findById(id: string): Promise<UserRecord | null>;
  /** `username` is compared as given; callers lower-case it. */
  findByUsername(username: string): Promise<UserRecord | null>;
  /** Those that exist, in no particular order. */
  findByIds(ids: readonly string[]): Promise<UserRecord[]>;
  /**
   * Users whose username or display name starts with `prefix`, case-insensitively,
   * ordered by username. An empty prefix matches everyone.
   */
  search(prefix: string, options: { excludeId: string; limit: number }): Promise<UserRecord[]>;
  setPasswordHash(id: string, passwordHash: string): Promise<void>;
  setLastSeen(id: string, at: Date): Promise<void>;
}

export interface SessionStore {
  create(input: { userId: string; refreshExpiresAt: Date }): Promise<SessionRecord>;
  findById(id: string): Promise<SessionRecord | null>;
  /**
   * Atomically moves a live, unexpired session from `expectedGeneration` to the next one
   * and sets its new refresh expiry. Resolves false (and changes nothing) when the
   * session is missing, revoked, expired or at another generation.
   */
  rotate(id: string, expectedGeneration: number, refreshExpiresAt: Date): Promise<boolean>;
  /** Resolves true when this call revoked a live session, false when it was not live. */
  revoke(id: string, at: Date): Promise<boolean>;
}

export interface ConversationStore {
  /**
   * The one direct conversation between two distinct users, created if missing. Safe
   * under concurrent calls from either side: both get the same conversation and exactly
   * one of them gets `created: true`.
   */
  findOrCreateDirect(
    userA: string,
    userB: string,
  ): Promise<{ conversation: ConversationRecord; created: boolean }>;
  /** `memberIds` already includes the creator (first) and has no duplicates. */
  createGroup(input: { title: string; memberIds: readonly string[] }): Promise<ConversationRecord>;
  findById(id: string): Promise<ConversationRecord | null>;
  /** The member's conversations, most recent activity first. */
  listForMember(userId: string): Promise<ConversationSummary[]>;
  /** One conversation as `userId` sees it; null when missing or `userId` is no member. */
  summaryFor(conversationId: string, userId: string): Promise<ConversationSummary | null>;
  /** Distinct users who share at least one conversation with `userId`, without `userId`. */
  peerIds(userId: string): Promise<string[]>;
}

export interface MessageStore {
  /**
   * Stores a message with the next seq of its conversation (1, 2, 3, … no gaps, no
   * repeats, also under concurrent appends from several processes). A repeated
   * (conversationId, senderId, clientId) returns the first stored message with
   * `created: false` and stores nothing. Resolves only once the message is durable.
   * The caller has already checked that the conversation exists and the sender is a member.
   */
  append(input: NewMessage): Promise<{ message: MessageRecord; created: boolean }>;
  /** Ascending seq. See HistoryRange; without a cursor, the newest `limit`. */
  list(conversationId: string, range: HistoryRange): Promise<MessageRecord[]>;
}

export interface ReceiptStore {
  /**
   * Moves a member's watermark up to `seq` (clamped to the conversation's lastSeq).
   * `read` also moves `delivered`. A lower value changes nothing. Resolves with the
   * watermarks after the call and whether the requested one moved.
   */
  advance(
    conversationId: string,
    userId: string,
    type: 'delivered' | 'read',
    seq: number,
  ): Promise<WatermarkRecord & { moved: boolean }>;
}

export interface AttachmentStore {
  create(input: NewAttachment): Promise<AttachmentRecord>;
  findById(id: string): Promise<AttachmentRecord | null>;
  /**
   * Gives every one of `ids` (no duplicates) its use, all or nothing: only when each is
   * an upload of `uploaderId` that has no use yet. Resolves false and changes nothing
   * otherwise, also when two calls race for the same upload (exactly one of them wins).
   * For a message, `ids` is kept in the order given.
   */
  attach(ids: readonly string[], uploaderId: string, use: AttachmentUse): Promise<boolean>;
  /** The attachments of these messages, grouped by message, each in the order attached. */
  listForMessages(messageIds: readonly string[]): Promise<AttachmentRecord[]>;
  /**
   * Removes the records of a message's attachments and resolves with them, so the caller
   * can erase their bytes (delete for everyone).
   */
  deleteForMessage(messageId: string): Promise<AttachmentRecord[]>;
  /** Uploads without a use created before `before`, oldest first, at most `limit`. */
  listLooseBefore(before: Date, limit: number): Promise<AttachmentRecord[]>;
  /**
   * Removes the record when it still has no use; resolves whether it did. A send that
   * attached it in the meantime wins over the sweeper.
   */
  deleteLoose(id: string): Promise<boolean>;
  /** Removes the record whatever its use (a replaced avatar); resolves whether it existed. */
  delete(id: string): Promise<boolean>;
}

export interface Store {
  readonly kind: 'sqlite' | 'mongodb';
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly conversations: ConversationStore;
  readonly messages: MessageStore;
  readonly receipts: ReceiptStore;
  readonly attachments: AttachmentStore;
  /** Flushes pending writes and closes connections. */
  close(): Promise<void>;
}
