/**
 * The storage port. Services depend on this interface only; `sqlite/` and `mongodb/`
 * implement it, and `api/test/store-contract.ts` is the one suite both must pass.
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
  /**
   * When the account was deleted (version 2); null while it exists. A deleted user keeps
   * its id (their messages name it) and, for the hold, its username; nothing else.
   */
  deletedAt: Date | null;
  /** The user's picture; null when none was set (or it was removed). */
  avatar: AvatarRecord | null;
}

/**
 * An image upload in use as a user's or a group's avatar: its public description, kept
 * with the user or group (an upload never changes, so the copy cannot go stale). The
 * attachment record (`id`) holds where its bytes are.
 */
export interface AvatarRecord {
  id: string;
  name: string;
  contentType: string;
  size: number;
  width: number | null;
  height: number | null;
  thumbnail: boolean;
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
  /**
   * When the refresh token was last rotated (moved to `refreshGeneration`); null before
   * the first rotation. Lets an honest retry of that rotation be told from reuse.
   */
  rotatedAt: Date | null;
  /** The User-Agent at sign-in, cut to 200 characters; '' when none was sent. */
  client: string;
  /** Sign-in, refresh or socket connect, whichever was last (never a write per request). */
  lastActiveAt: Date;
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
  /**
   * The highest rev given to any of its messages; 0 when there is none. Every append and
   * every change of a message (edit, delete, reaction) takes the next one.
   */
  rev: number;
  /** Group admins, the creator first; empty for a direct conversation. */
  adminIds: string[];
  /** A group's picture; always null for a direct conversation. */
  avatar: AvatarRecord | null;
}

export type MessageKindRecord = 'text' | 'system';

export interface SystemEventRecord {
  event: 'member_added' | 'member_removed' | 'member_left' | 'title_changed' | 'admin_changed';
  actorId: string;
  userIds: string[];
  title: string | null;
}

export interface ReplyToRecord {
  seq: number;
  senderId: string;
  /** Copied at reply time; erased ('') in storage when the quoted message is deleted. */
  excerpt: string;
  deleted: boolean;
}

export interface ReactionRecord {
  emoji: string;
  /** In the order they reacted. */
  userIds: string[];
}

export interface MessageRecord {
  id: string;
  conversationId: string;
  seq: number;
  senderId: string;
  clientId: string;
  /** '' for a system message and for a deleted one. */
  body: string;
  createdAt: Date;
  kind: MessageKindRecord;
  /** Set exactly when kind is 'system'. */
  system: SystemEventRecord | null;
  /** Unique and increasing within the conversation; a new one at every change. */
  rev: number;
  editedAt: Date | null;
  deletedAt: Date | null;
  replyTo: ReplyToRecord | null;
  /** In the order of the first reaction of each emoji. */
  reactions: ReactionRecord[];
  /** Member ids named in the body, in order of first mention, no repeats. */
  mentions: string[];
  /**
   * false when the store knows no upload was ever attached to the message, so its
   * attachments need no lookup (most messages; a history page then needs none at all);
   * true or absent: look them up.
   */
  hasAttachments?: boolean;
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

/** How much of a conversation notifies a member (version 2); 'all' until they choose. */
export type NotificationLevel = 'all' | 'mentions' | 'none';

/** A conversation as one member sees it in a list. */
export interface ConversationSummary {
  conversation: ConversationRecord;
  lastMessage: MessageRecord | null;
  /** One per member, in memberIds order; 0/0 where nothing is received or read. */
  watermarks: WatermarkRecord[];
  /** Messages from others with seq greater than this member's readSeq. */
  unreadCount: number;
  /** This member's notification level for it. */
  notifications: NotificationLevel;
}

/** One conversation of `ConversationStore.listHeadsForMember`. */
export interface ConversationListHead {
  conversationId: string;
  version: string;
  notifications: NotificationLevel;
  unreadCount: number;
  /** The member's own read watermark. */
  readSeq: number;
  /**
   * The view's `receipts`, already JSON: `[{"userId":…,"deliveredSeq":…,"readSeq":…}, …]`
   * for every member in memberIds order.
   */
  receiptsJson: string;
  /** The whole summary, when `known` said the caller holds no view of this version. */
  summary: ConversationSummary | null;
}

export interface NewUser {
  username: string;
  displayName: string;
  passwordHash: string;
}

export interface NewMessage {
  conversationId: string;
  /** For a system message, the member who did what it records. */
  senderId: string;
  clientId: string;
  /** Ignored ('' is stored) for a system message. */
  body: string;
  /** Member ids named in the body (the service computes them). */
  mentions?: readonly string[] | undefined;
  /**
   * The seq of the quoted message of the same conversation. The store copies its sender
   * and excerpt in the same write, so a reply to a message being deleted at that moment
   * quotes either the whole excerpt (then erased by the delete) or the tombstone.
   */
  replyToSeq?: number | undefined;
  /** Makes this a system message (kind 'system', empty body). */
  system?: SystemEventRecord | undefined;
}

export interface HistoryRange {
  limit: number;
  /** Messages with seq < before (the `limit` newest of them). */
  before?: number | undefined;
  /** Messages with seq > after (the `limit` oldest of them). */
  after?: number | undefined;
  /**
   * Messages with rev > changedAfter, the `limit` lowest revs of them, in ascending rev
   * (not seq). Takes precedence over every other cursor.
   */
  changedAfter?: number | undefined;
  /**
   * The message with this seq and those around it, ascending seq: floor((limit - 1) / 2)
   * before it and the rest after it, a side that runs short (an end of the conversation)
   * leaving its share to the other. Takes precedence over before/after. See `aroundOf`.
   */
  around?: number | undefined;
}

/** A full-text search of one user's messages (`MessageStore.search`). */
export interface MessageSearch {
  /** Only conversations this user is a member of at the time of the search. */
  userId: string;
  /**
   * Folded words (see `search-terms.ts`), at least one: a message matches when each is
   * one of its words or the start of one.
   */
  terms: readonly string[];
  /** Only this conversation (still only when `userId` is a member). */
  conversationId?: string | undefined;
  limit: number;
  /** Only messages after this one in the search order (the last of the page before). */
  beforeId?: string | undefined;
}

/**
 * What a change of a message came to. Only `changed` stored anything (and gave the
 * message, and any reply whose quote it erased, a new rev); every other outcome left the
 * database as it was.
 */
export type MessageChange =
  | {
      status: 'changed';
      message: MessageRecord;
      /** Other messages this change rewrote: replies whose quote a deletion erased. */
      affected: MessageRecord[];
    }
  /** The change was already in effect (same body, reaction already there, deleted twice). */
  | { status: 'unchanged'; message: MessageRecord }
  /** Refused: the message is deleted (an edit, or adding a reaction). */
  | { status: 'deleted'; message: MessageRecord }
  /** Refused: a new emoji beyond reactionsPerMessageMax. */
  | { status: 'too_many_reactions'; message: MessageRecord }
  | { status: 'missing' };

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
   * (optional) What a user's public view is made of, for those of `ids` that exist, in the
   * order `findByIds` gives them: each as `[id, version, row]`, `version` a number that
   * moves whenever anything the view shows changes, `row` a JSON array of
   * `[id, username, displayName, createdAt (epoch ms), deletedAt (epoch ms or null),
   * avatar (AvatarRecord or null)]` read in the same snapshot as `version`, or null where
   * `known(id, version)` says the caller holds a view made at that version (the
   * conversation list keeps them between requests).
   */
  viewRowsByIds?(
    ids: readonly string[],
    known: (id: string, version: number) => boolean,
  ): Promise<[id: string, version: number, row: string | null][]>;
  /**
   * Users whose username or display name starts with `prefix`, case-insensitively,
   * ordered by username. An empty prefix matches everyone. Deleted accounts never match.
   */
  search(prefix: string, options: { excludeId: string; limit: number }): Promise<UserRecord[]>;
  setPasswordHash(id: string, passwordHash: string): Promise<void>;
  /** Resolves with the user after the change, or null when there is no such user. */
  setDisplayName(id: string, displayName: string): Promise<UserRecord | null>;
  setLastSeen(id: string, at: Date): Promise<void>;

  // ---- accounts (version 2) ----

  /**
   * Deletes the account in one write: the display name and password hash are erased
   * (emptied, not hidden), `deletedAt` set. The username stays, so nobody can take it
   * while it is held; `releaseUsername` frees it later. Resolves false when there is no
   * such user or it was already deleted.
   */
  markDeleted(id: string, at: Date): Promise<boolean>;
  /**
   * Frees the username of a deleted account (renamed to a value no valid username can
   * equal). Resolves false, changing nothing, when the user is missing or not deleted.
   */
  releaseUsername(id: string): Promise<boolean>;
  /** Idempotent. A user blocking themselves is the caller's rule to refuse. */
  setBlocked(blockerId: string, blockedId: string, blocked: boolean, at: Date): Promise<void>;
  /** The ids `blockerId` blocks, the most recently blocked first. */
  listBlocked(blockerId: string): Promise<string[]>;
  isBlocked(blockerId: string, blockedId: string): Promise<boolean>;
  /**
   * Sets (or, with null, removes) the user's avatar in one write. Resolves with the user
   * after the change and the avatar it replaced (whose upload the caller erases), or null
   * when there is no such user. Of two concurrent calls each gets a different `previous`.
   */
  setAvatar(
    id: string,
    avatar: AvatarRecord | null,
  ): Promise<{ user: UserRecord; previous: AvatarRecord | null } | null>;
}

export interface SessionStore {
  /** `client` defaults to ''; `lastActiveAt` starts at the creation time. */
  create(input: {
    userId: string;
    refreshExpiresAt: Date;
    client?: string | undefined;
  }): Promise<SessionRecord>;
  findById(id: string): Promise<SessionRecord | null>;
  /** The user's sessions that are not revoked (expired ones included), newest first. */
  listLive(userId: string): Promise<SessionRecord[]>;
  /** Moves lastActiveAt forward to `at` (never back); nothing for a missing session. */
  touch(id: string, at: Date): Promise<void>;
  /**
   * Atomically moves a live, unexpired session from `expectedGeneration` to the next one
   * and sets its new refresh expiry. Resolves false (and changes nothing) when the
   * session is missing, revoked, expired or at another generation. Records `at` (default
   * now) as the session's `rotatedAt`.
   */
  rotate(
    id: string,
    expectedGeneration: number,
    refreshExpiresAt: Date,
    at?: Date,
  ): Promise<boolean>;
  /** Resolves true when this call revoked a live session, false when it was not live. */
  revoke(id: string, at: Date): Promise<boolean>;
}

export interface ConversationStore {
  /**
   * The one direct conversation between two distinct users, created if missing. Safe
   * under concurrent calls from either side: both get the same conversation and exactly
   * one of them gets `created: true`. `userA` is the one asking: see `listForMember`.
   */
  findOrCreateDirect(
    userA: string,
    userB: string,
  ): Promise<{ conversation: ConversationRecord; created: boolean }>;
  /** `memberIds` already includes the creator (first) and has no duplicates. */
  createGroup(input: { title: string; memberIds: readonly string[] }): Promise<ConversationRecord>;
  findById(id: string): Promise<ConversationRecord | null>;
  /**
   * The member's conversations, most recent activity first. A direct conversation without
   * messages is listed only for the members who asked for it (`userA` of
   * `findOrCreateDirect`); from its first message it is listed for both. Groups are listed
   * for every member at once. `summaryFor` answers every member either way.
   */
  listForMember(userId: string): Promise<ConversationSummary[]>;
  /**
   * (optional) The member's list as `listForMember` lists it, in no particular order, for a
   * caller that keeps each conversation's shared view between requests: for every
   * conversation its `version`, text that changes whenever anything of its view but the
   * per-member parts (receipts, unread count, read position, notifications) changes, and
   * those per-member parts, read fresh; the whole summary only where `known(id, version)`
   * says the caller holds no view of that version. One snapshot for all of it.
   */
  listHeadsForMember?(
    userId: string,
    known: (conversationId: string, version: string) => boolean,
  ): Promise<ConversationListHead[]>;
  /** One conversation as `userId` sees it; null when missing or `userId` is no member. */
  summaryFor(conversationId: string, userId: string): Promise<ConversationSummary | null>;
  /** Distinct users who share at least one conversation with `userId`, without `userId`. */
  peerIds(userId: string): Promise<string[]>;

  // ---- changing a group (version 2). Each resolves with the group after the change, or
  // null when there is no such group (a direct conversation is never changed). ----

  setTitle(conversationId: string, title: string): Promise<ConversationRecord | null>;
  /**
   * Sets (or, with null, removes) a group's avatar in one write; resolves with the group
   * and the avatar it replaced (whose upload the caller erases). See UserStore.setAvatar.
   */
  setAvatar(
    conversationId: string,
    avatar: AvatarRecord | null,
  ): Promise<{ conversation: ConversationRecord; previous: AvatarRecord | null } | null>;
  /**
   * Appends the users who are not members yet, in the order given, after the members
   * there are. All or nothing: when the group would then have more than `maxMembers`,
   * resolves `'full'` and adds no one (also under concurrent adds).
   */
  addMembers(
    conversationId: string,
    userIds: readonly string[],
    maxMembers: number,
  ): Promise<ConversationRecord | 'full' | null>;
  /**
   * Removes a member (and their admin role) in one write. When that leaves a group with
   * members but no admin, the longest-standing remaining member (first in memberIds)
   * becomes admin in the same write. Removing someone who is not a member changes nothing.
   */
  removeMember(conversationId: string, userId: string): Promise<ConversationRecord | null>;
  /**
   * Makes a member admin or not. A user who is not a member is never made admin; taking
   * the role from the only admin is the caller's rule to refuse, not the store's.
   */
  setAdmin(
    conversationId: string,
    userId: string,
    admin: boolean,
  ): Promise<ConversationRecord | null>;
  /** Sets a member's notification level; resolves false (and stores nothing) for a non-member. */
  setNotifications(
    conversationId: string,
    userId: string,
    level: NotificationLevel,
  ): Promise<boolean>;
}

/** A message of a `listKnown` page that the caller holds at this rev. */
export interface MessageVersion {
  seq: number;
  rev: number;
  /** As MessageRecord's: false when nothing was ever attached to it. */
  hasAttachments: boolean;
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
  /** Ascending seq (ascending rev for changedAfter). See HistoryRange; without a cursor, the newest `limit`. */
  list(conversationId: string, range: HistoryRange): Promise<MessageRecord[]>;
  /**
   * Optional (the SQLite store has it; a store without it is always read with `list`): the
   * page `list` would answer, read in one snapshot, with each message for which
   * `holds(seq, rev)` is true given as its version only, the others as records. A message's
   * rev moves with every change of its record, so a caller keeping what it built from a
   * record at (seq, rev) can use it again for as long as the rev is the same, whichever
   * process changed the message. `hasAttachments` can change without a new rev: it is
   * read each time.
   */
  listKnown?(
    conversationId: string,
    range: HistoryRange,
    holds: (seq: number, rev: number) => boolean,
  ): Promise<(MessageRecord | MessageVersion)[]>;
  /** The message `seq` of the conversation, or null. */
  get(conversationId: string, seq: number): Promise<MessageRecord | null>;
  /** The message a sender stored under `clientId` (a retried send), or null. */
  findByClientId(
    conversationId: string,
    senderId: string,
    clientId: string,
  ): Promise<MessageRecord | null>;
  /**
   * Replaces the body and mentions of a text message that is not deleted, sets editedAt
   * and a new rev. The same body again is `unchanged`. A system message is never edited
   * (callers refuse it first; the store answers `deleted` only for a tombstone).
   */
  edit(
    conversationId: string,
    seq: number,
    change: { body: string; mentions: readonly string[] },
  ): Promise<MessageChange>;
  /**
   * Turns the message into a tombstone: body '', no reactions, no mentions, deletedAt
   * set, a new rev; the content is overwritten in storage, not flagged. Replies quoting
   * it lose their excerpt (also in storage), are marked deleted and get new revs too
   * (`affected`). Deleting a tombstone is `unchanged`.
   */
  remove(conversationId: string, seq: number): Promise<MessageChange>;
  /**
   * Adds (`on`) or removes one user's reaction. Idempotent: adding one that is there or
   * removing one that is not is `unchanged`. Concurrent reactions are never lost. A new
   * emoji beyond the limit is `too_many_reactions`; adding to a tombstone is `deleted`.
   */
  react(
    conversationId: string,
    seq: number,
    reaction: { userId: string; emoji: string; on: boolean },
  ): Promise<MessageChange>;
  /**
   * Text messages that match every term, newest first in the order they were stored
   * (SQLite: rowid; MongoDB: ObjectId, so stored order to the second across processes), a
   * total order, so paging with `beforeId` never skips or repeats one. An unknown
   * `beforeId` finds nothing.
   * Deleted messages never match; an edited one matches its current body only. Only
   * conversations `userId` is a member of now; at most `limit`.
   */
  search(query: MessageSearch): Promise<MessageRecord[]>;
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

/** A browser's Web Push subscription (issue #19); it belongs to the session that made it. */
export interface PushSubscriptionRecord {
  /** The push service URL; unique across all users. */
  endpoint: string;
  userId: string;
  sessionId: string;
  /** The browser's P-256 public key and auth secret, base64url (RFC 8291). */
  p256dh: string;
  auth: string;
  createdAt: Date;
}

export interface NewPushSubscription {
  endpoint: string;
  userId: string;
  sessionId: string;
  p256dh: string;
  auth: string;
}

/**
 * Web Push subscriptions and preferences. A subscription lives as long as its session:
 * `SessionStore.revoke` removes the session's subscriptions in the same write, so every way
 * a session ends (sign-out, revocation, reuse detection) ends its pushes, and an expired
 * session's subscriptions are never listed.
 */
export interface PushStore {
  /**
   * Stores the subscription for a live session of its user; an endpoint stored before
   * (for any session) is replaced. Resolves false and stores nothing when the session is
   * missing, revoked or expired, also against a concurrent revocation.
   */
  subscribe(input: NewPushSubscription): Promise<boolean>;
  /** Removes the endpoint when it is `userId`'s; resolves whether it did. */
  unsubscribe(userId: string, endpoint: string): Promise<boolean>;
  /** Removes the endpoint whoever had it (the push service said it is gone). */
  remove(endpoint: string): Promise<boolean>;
  /** The user's subscriptions whose sessions are live, oldest first. */
  listForUser(userId: string): Promise<PushSubscriptionRecord[]>;
  /** Those of `userIds` with at least one subscription of a live session. */
  subscribedAmong(userIds: readonly string[]): Promise<string[]>;
  /** The members' notification levels for a conversation ('all' when never set). */
  levelsOf(
    conversationId: string,
    userIds: readonly string[],
  ): Promise<Map<string, NotificationLevel>>;
  /** Whether the user's pushes carry message text; true until they turn it off. */
  showText(userId: string): Promise<boolean>;
  setShowText(userId: string, showText: boolean): Promise<void>;
}

export interface Store {
  readonly kind: 'sqlite' | 'mongodb';
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly conversations: ConversationStore;
  readonly messages: MessageStore;
  readonly receipts: ReceiptStore;
  readonly attachments: AttachmentStore;
  /**
   * Resolves when the database answers right now (readiness); rejects with
   * StoreUnavailable when it cannot be reached, is locked or the store is closed.
   */
  ping(): Promise<void>;
  readonly push: PushStore;
  /**
   * The search index's writer where it is a thread beside the store (SQLite: search-file.ts),
   * for readiness and metrics. Absent or null where there is none to watch: MongoDB searches
   * in the database itself (its ping covers it), an in-memory or read-only SQLite store
   * indexes on its own connection or not at all.
   */
  readonly searchThread?: SearchThreadStats | null;
  /** Flushes pending writes and closes connections. */
  close(): Promise<void>;
}

/** The search index's thread, read live (the object changes as the thread does). */
export interface SearchThreadStats {
  /** Whether a thread runs now (false between a failure and its restart, and once stopped). */
  readonly running: boolean;
  /** Times a thread ended without being asked to (each was started again). */
  readonly failures: number;
  /** The last failure's error, as SQLite or the thread said it (for logs, not for clients). */
  readonly lastError: string | null;
  /**
   * Whether the index is being built again from the messages after its file was found
   * damaged: searches answer 503 until it holds every message again.
   */
  readonly rebuilding: boolean;
  /** Rebuilds after a damaged search file, moved aside by this store or another on the file. */
  readonly rebuilds: number;
}

/**
 * What a deleted account's username becomes once its hold is over: '~' is outside the
 * username alphabet, so no one can register or sign in with it, and the id keeps it unique.
 */
export function releasedUsername(id: string): string {
  return `~deleted~${id}`;
}

/**
 * Picks the `around` window from up to `limit - 1` messages just before the seq
 * (ascending) and up to `limit` from the seq on (ascending): about half each, and what one
 * side lacks taken from the other. Shared by the adapters so both cut the same way.
 */
export function aroundOf<T>(before: readonly T[], from: readonly T[], limit: number): T[] {
  const half = Math.floor((limit - 1) / 2);
  const takeBefore = Math.min(before.length, Math.max(half, limit - from.length));
  const head = takeBefore > 0 ? before.slice(-takeBefore) : [];
  return [...head, ...from.slice(0, limit - head.length)];
}
