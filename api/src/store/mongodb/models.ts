import {
  Schema,
  mongo,
  type Connection,
  type Model,
  type MongooseQueryMiddleware,
  type Query,
  type Types,
} from 'mongoose';
import type { ConversationKind, MessageKindRecord, SystemEventRecord } from '../types';

// Raw document shapes, as stored. References are ObjectIds (not hex strings) so they
// compare and index like the `_id`s they point at; records turn them into strings.

export interface UserDoc {
  _id: Types.ObjectId;
  /** Lower-cased by the caller; unique. */
  username: string;
  displayName: string;
  /** displayName lower-cased, so a prefix search can use an index case-insensitively. */
  displayNameLower: string;
  passwordHash: string;
  createdAt: Date;
  lastSeenAt: Date | null;
  /** Missing on documents written before version 2: not deleted. */
  deletedAt?: Date | null;
  /** Missing on a document written before avatars (none). */
  avatar?: AvatarDoc | null;
}

/** An avatar's public description, kept with its user or group (see AvatarRecord). */
export interface AvatarDoc {
  attachmentId: Types.ObjectId;
  name: string;
  contentType: string;
  size: number;
  width: number | null;
  height: number | null;
  thumbnail: boolean;
}

export interface SessionDoc {
  _id: Types.ObjectId;
  userId: Types.ObjectId;
  refreshGeneration: number;
  createdAt: Date;
  refreshExpiresAt: Date;
  revokedAt: Date | null;
  /** Missing on documents written before it existed: read as null. */
  rotatedAt?: Date | null;
  /** Missing on documents written before version 2: '' and createdAt. */
  client?: string;
  lastActiveAt?: Date;
}

/** One person blocking another (version 2). */
export interface BlockDoc {
  _id: Types.ObjectId;
  blockerId: Types.ObjectId;
  blockedId: Types.ObjectId;
  createdAt: Date;
}

export interface ConversationDoc {
  _id: Types.ObjectId;
  type: ConversationKind;
  title: string | null;
  memberIds: Types.ObjectId[];
  /** Direct conversations only: the sorted member pair, unique among them. */
  directKey?: string;
  /**
   * Direct conversations only: the members who asked for it. While it has no messages it
   * is listed for them alone (absent on documents written before this field: listed for all).
   */
  openedBy?: Types.ObjectId[];
  createdAt: Date;
  lastSeq: number;
  lastActivityAt: Date;
  /** The rev counter (see messages.ts). Missing on a document older than version 2. */
  rev?: number;
  /** Group admins, creator first. Missing on a document older than version 2. */
  adminIds?: Types.ObjectId[];
  /** Groups only; missing on a document written before avatars (none). */
  avatar?: AvatarDoc | null;
}

export interface ReplyToDoc {
  seq: number;
  senderId: Types.ObjectId;
  excerpt: string;
  deleted: boolean;
}

export interface ReactionDoc {
  emoji: string;
  userIds: Types.ObjectId[];
}

export interface SystemEventDoc extends Omit<SystemEventRecord, 'actorId' | 'userIds'> {
  actorId: Types.ObjectId;
  userIds: Types.ObjectId[];
}

/**
 * Fields added in version 2 are optional here: a document written before them reads as a
 * text message that never changed (`upgradeDocuments` fills them in at open as well).
 */
export interface MessageDoc {
  _id: Types.ObjectId;
  conversationId: Types.ObjectId;
  seq: number;
  senderId: Types.ObjectId;
  clientId: string;
  body: string;
  createdAt: Date;
  kind?: MessageKindRecord;
  system?: SystemEventDoc | null;
  rev?: number;
  editedAt?: Date | null;
  deletedAt?: Date | null;
  replyTo?: ReplyToDoc | null;
  reactions?: ReactionDoc[];
  mentions?: Types.ObjectId[];
  /**
   * The distinct folded words of the body (see search-terms.ts), what search matches:
   * empty for a system or deleted message. Missing on a document written before search
   * (`upgradeDocuments` fills it in at open).
   */
  words?: string[];
}

export interface AttachmentDoc {
  _id: Types.ObjectId;
  uploaderId: Types.ObjectId;
  name: string;
  contentType: string;
  size: number;
  width: number | null;
  height: number | null;
  storageKey: string;
  thumbnailKey: string | null;
  thumbnailContentType: string | null;
  createdAt: Date;
  /** null while loose (swept after 24 h). */
  useKind: 'message' | 'avatar' | null;
  conversationId: Types.ObjectId | null;
  messageId: Types.ObjectId | null;
  position: number | null;
  /** Which `attach` call set the use, so a partly failed one undoes only its own work. */
  claim: Types.ObjectId | null;
}

export interface WatermarkDoc {
  _id: Types.ObjectId;
  conversationId: Types.ObjectId;
  userId: Types.ObjectId;
  deliveredSeq: number;
  readSeq: number;
  /** The member's notification level; missing means 'all' (and before version 2). */
  notifications?: 'all' | 'mentions' | 'none';
}

// Paths are declared in the shorthand form: the adapter writes every field of a document
// explicitly from the typed shapes above, so Mongoose defaults and `required` would add
// nothing, and the long form trips typescript-eslint (SchemaTypeOptions is a class).
//
// Every schema: no `__v` (nothing here uses optimistic versioning; writes are atomic
// updates), `strict: 'throw'` so a misspelt field is a bug report rather than lost data,
// and index creation left to `openMongoStore`, which awaits it.
/** How long after its refresh expiry a session document is removed (see the TTL index). */
export const SESSION_TTL_AFTER_EXPIRY_SECONDS = 24 * 60 * 60;

/**
 * The server-side time limit of every read made through a model (find, findOne, distinct,
 * count, aggregate): a read that takes longer is stopped by the server and the request
 * answers 503 instead of hanging. Generous: the slowest read (a conversation list with its
 * summaries) takes milliseconds on an index.
 */
export const READ_MAX_TIME_MS = 10_000;

const READ_QUERIES: MongooseQueryMiddleware[] = ['find', 'findOne', 'countDocuments', 'distinct'];

/** Gives every read of a schema `READ_MAX_TIME_MS`, unless the query set its own. */
function boundReads(schema: Schema): void {
  schema.pre(READ_QUERIES, function (this: Query<unknown, unknown>) {
    if (this.getOptions().maxTimeMS === undefined) this.maxTimeMS(READ_MAX_TIME_MS);
  });
  schema.pre('aggregate', function () {
    this.options.maxTimeMS ??= READ_MAX_TIME_MS;
  });
}

const schemaOptions = {
  versionKey: false,
  // As the connection: fail at once while disconnected instead of queueing operations.
  bufferCommands: false,
  strict: 'throw',
  autoIndex: false,
  autoCreate: false,
} as const;

const avatarSchema = new Schema<AvatarDoc>(
  {
    attachmentId: Schema.Types.ObjectId,
    name: String,
    contentType: String,
    size: Number,
    width: Number,
    height: Number,
    thumbnail: Boolean,
  },
  { _id: false, strict: 'throw' },
);

const userSchema = new Schema<UserDoc>(
  {
    username: String,
    displayName: String,
    displayNameLower: String,
    passwordHash: String,
    createdAt: Date,
    lastSeenAt: Date,
    deletedAt: Date,
    avatar: avatarSchema,
  },
  { ...schemaOptions, collection: 'users' },
);
userSchema.index({ username: 1 }, { unique: true, name: 'username_unique' });
// Usernames are lower-cased before they are stored; this one makes the database refuse
// two that differ only in case even if a writer forgot. Queries keep using the simple
// index above (an index with a collation only serves queries that name it).
userSchema.index(
  { username: 1 },
  {
    unique: true,
    name: 'username_ci_unique',
    collation: { locale: 'en', strength: 2 },
  },
);
userSchema.index({ displayNameLower: 1 }, { name: 'display_name_lower' });

const sessionSchema = new Schema<SessionDoc>(
  {
    userId: Schema.Types.ObjectId,
    refreshGeneration: Number,
    createdAt: Date,
    refreshExpiresAt: Date,
    revokedAt: Date,
    rotatedAt: Date,
    client: String,
    lastActiveAt: Date,
  },
  { ...schemaOptions, collection: 'sessions' },
);
// For revoking or listing a user's sessions.
sessionSchema.index({ userId: 1 }, { name: 'session_user' });
// A session whose refresh token expired can never be used again (no access token outlives
// it either: each is issued before the refresh expiry and lives at most 15 minutes). The
// server's TTL monitor removes it a day after that, so the collection does not grow forever.
sessionSchema.index(
  { refreshExpiresAt: 1 },
  { name: 'session_expiry_ttl', expireAfterSeconds: SESSION_TTL_AFTER_EXPIRY_SECONDS },
);

const blockSchema = new Schema<BlockDoc>(
  {
    blockerId: Schema.Types.ObjectId,
    blockedId: Schema.Types.ObjectId,
    createdAt: Date,
  },
  { ...schemaOptions, collection: 'blocks' },
);
// One block per pair (blocking twice is one upsert), and a blocker's list straight from it.
blockSchema.index({ blockerId: 1, blockedId: 1 }, { unique: true, name: 'block_pair_unique' });

const conversationSchema = new Schema<ConversationDoc>(
  {
    type: String,
    title: String,
    memberIds: [Schema.Types.ObjectId],
    directKey: String,
    // Mongoose gives new documents an empty array here (groups too): the list query names
    // groups explicitly, so only a direct conversation's openedBy is ever consulted.
    openedBy: [Schema.Types.ObjectId],
    createdAt: Date,
    lastSeq: Number,
    lastActivityAt: Date,
    rev: Number,
    adminIds: [Schema.Types.ObjectId],
    avatar: avatarSchema,
  },
  { ...schemaOptions, collection: 'conversations' },
);
// A member's conversation list, in exactly the order listForMember sorts it (newest
// activity first, then _id), straight from the index (multikey on memberIds): no in-memory
// sort. Replaces `member_activity` ({memberIds, lastActivityAt}), which could not give
// the _id tie-break; that one is dropped by `dropUnlistedIndexes`.
conversationSchema.index(
  { memberIds: 1, lastActivityAt: -1, _id: -1 },
  { name: 'member_activity_id' },
);
// At most one direct conversation per pair; groups carry no directKey and are exempt.
conversationSchema.index(
  { directKey: 1 },
  {
    unique: true,
    name: 'direct_key_unique',
    partialFilterExpression: { type: 'direct' },
  },
);

const messageSchema = new Schema<MessageDoc>(
  {
    conversationId: Schema.Types.ObjectId,
    seq: Number,
    senderId: Schema.Types.ObjectId,
    clientId: String,
    body: String,
    createdAt: Date,
    kind: String,
    system: new Schema<SystemEventDoc>(
      {
        event: String,
        actorId: Schema.Types.ObjectId,
        userIds: [Schema.Types.ObjectId],
        title: String,
      },
      { _id: false, strict: 'throw' },
    ),
    rev: Number,
    editedAt: Date,
    deletedAt: Date,
    replyTo: new Schema<ReplyToDoc>(
      { seq: Number, senderId: Schema.Types.ObjectId, excerpt: String, deleted: Boolean },
      { _id: false, strict: 'throw' },
    ),
    reactions: [
      new Schema<ReactionDoc>(
        { emoji: String, userIds: [Schema.Types.ObjectId] },
        { _id: false, strict: 'throw' },
      ),
    ],
    mentions: [Schema.Types.ObjectId],
    words: [String],
  },
  { ...schemaOptions, collection: 'messages' },
);
// The seq allocator's arbiter (see messages.ts) and the history index, both directions.
messageSchema.index({ conversationId: 1, seq: 1 }, { unique: true, name: 'message_seq_unique' });
// Idempotent sending: one message per (conversation, sender, clientId).
messageSchema.index(
  { conversationId: 1, senderId: 1, clientId: 1 },
  { unique: true, name: 'message_client_unique' },
);
// Catching up by rev (`changedAfter`). Not unique: revs are unique by how they are
// allocated (one $inc each), and a unique index would refuse documents written before
// version 2 until they are upgraded.
messageSchema.index({ conversationId: 1, rev: 1 }, { name: 'message_rev' });
// The replies a deletion has to erase the quote of.
messageSchema.index(
  { conversationId: 1, 'replyTo.seq': 1 },
  { name: 'message_reply', partialFilterExpression: { 'replyTo.seq': { $exists: true } } },
);
// Full-text search (see `search` in messages.ts). Not a `$text` index: MongoDB's text
// search matches whole stemmed words only, and search must match word prefixes the way
// SQLite's FTS5 does. Each message keeps its folded words; a term is an anchored,
// case-sensitive prefix regex over them, which this multikey index answers as a range
// scan within each of the caller's conversations. (On Atlas, a `$search` index with an
// edgeGram analyzer could replace it; the contract suite is what either must pass.)
messageSchema.index({ conversationId: 1, words: 1 }, { name: 'message_words' });

const watermarkSchema = new Schema<WatermarkDoc>(
  {
    conversationId: Schema.Types.ObjectId,
    userId: Schema.Types.ObjectId,
    deliveredSeq: Number,
    readSeq: Number,
    notifications: String,
  },
  { ...schemaOptions, collection: 'watermarks' },
);
watermarkSchema.index({ conversationId: 1, userId: 1 }, { unique: true, name: 'watermark_unique' });

const attachmentSchema = new Schema<AttachmentDoc>(
  {
    uploaderId: Schema.Types.ObjectId,
    name: String,
    contentType: String,
    size: Number,
    width: Number,
    height: Number,
    storageKey: String,
    thumbnailKey: String,
    thumbnailContentType: String,
    createdAt: Date,
    useKind: String,
    conversationId: Schema.Types.ObjectId,
    messageId: Schema.Types.ObjectId,
    position: Number,
    claim: Schema.Types.ObjectId,
  },
  { ...schemaOptions, collection: 'attachments' },
);
// A message's attachments in order; loose uploads oldest first for the sweeper.
attachmentSchema.index({ messageId: 1, position: 1 }, { name: 'attachment_message' });
// Not a partial index: older servers refuse a null equality in partialFilterExpression.
attachmentSchema.index({ useKind: 1, createdAt: 1 }, { name: 'attachment_loose' });

/** A Web Push subscription (issue #19); `_id` is generated, the endpoint is unique. */
export interface PushSubscriptionDoc {
  _id: Types.ObjectId;
  endpoint: string;
  userId: Types.ObjectId;
  sessionId: Types.ObjectId;
  p256dh: string;
  auth: string;
  createdAt: Date;
}

/** A user's push preferences; `_id` is the user's id. Missing: the defaults. */
export interface PushPreferenceDoc {
  _id: Types.ObjectId;
  showText: boolean;
}

const pushSubscriptionSchema = new Schema<PushSubscriptionDoc>(
  {
    endpoint: String,
    userId: Schema.Types.ObjectId,
    sessionId: Schema.Types.ObjectId,
    p256dh: String,
    auth: String,
    createdAt: Date,
  },
  { ...schemaOptions, collection: 'push_subscriptions' },
);
// One subscription per endpoint, whoever made it; a user's and a session's, for sending
// and for ending them with the session.
pushSubscriptionSchema.index({ endpoint: 1 }, { unique: true, name: 'push_endpoint_unique' });
pushSubscriptionSchema.index({ userId: 1, createdAt: 1 }, { name: 'push_user' });
pushSubscriptionSchema.index({ sessionId: 1 }, { name: 'push_session' });

const pushPreferenceSchema = new Schema<PushPreferenceDoc>(
  { showText: Boolean },
  { ...schemaOptions, collection: 'push_preferences' },
);

export interface Models {
  users: Model<UserDoc>;
  sessions: Model<SessionDoc>;
  conversations: Model<ConversationDoc>;
  messages: Model<MessageDoc>;
  watermarks: Model<WatermarkDoc>;
  attachments: Model<AttachmentDoc>;
  blocks: Model<BlockDoc>;
  pushSubscriptions: Model<PushSubscriptionDoc>;
  pushPreferences: Model<PushPreferenceDoc>;
}

for (const schema of [
  userSchema,
  sessionSchema,
  conversationSchema,
  messageSchema,
  watermarkSchema,
  attachmentSchema,
  blockSchema,
  pushSubscriptionSchema,
  pushPreferenceSchema,
] as Schema[]) {
  boundReads(schema);
}

/** Compiles the models on one dedicated connection (never the global mongoose one). */
export function compileModels(connection: Connection): Models {
  return {
    users: connection.model<UserDoc>('User', userSchema),
    sessions: connection.model<SessionDoc>('Session', sessionSchema),
    conversations: connection.model<ConversationDoc>('Conversation', conversationSchema),
    messages: connection.model<MessageDoc>('Message', messageSchema),
    watermarks: connection.model<WatermarkDoc>('Watermark', watermarkSchema),
    attachments: connection.model<AttachmentDoc>('Attachment', attachmentSchema),
    blocks: connection.model<BlockDoc>('Block', blockSchema),
    pushSubscriptions: connection.model<PushSubscriptionDoc>(
      'PushSubscription',
      pushSubscriptionSchema,
    ),
    pushPreferences: connection.model<PushPreferenceDoc>('PushPreference', pushPreferenceSchema),
  };
}

/**
 * Creates the collections and every index of the schemas that is missing, and waits for
 * them: the unique indexes are what make usernames, direct pairs, seqs and clientIds
 * unique, so no request may be served before they exist.
 *
 * It never drops an index. Several versions of the API run side by side during a rolling
 * deploy, an operator may add indexes of their own, and replacing a unique index must not
 * leave a moment without one: dropping is `dropUnlistedIndexes`, an explicit step run once
 * every instance runs the new version (see docs/mongodb.md). An index that exists under
 * one of these names with other keys or options fails the start, naming it.
 */
export async function ensureIndexes(models: Models): Promise<void> {
  for (const model of Object.values(models) as Model<unknown>[]) {
    try {
      await model.createCollection();
    } catch (err) {
      // Another API instance starting at the same time may have created it first.
      if (!(err instanceof mongo.MongoServerError && err.code === NAMESPACE_EXISTS)) throw err;
    }
    await model.createIndexes();
  }
}

/**
 * The explicit migration step: drops, in every collection of the adapter, the indexes the
 * schemas no longer declare (and creates the missing ones first, so a replaced index is
 * never missing). Resolves with the names it dropped, as `collection.index`. Run it with
 * `npm run mongodb:drop-unlisted-indexes -w api` (DATABASE_URL set) after a deploy that
 * replaced an index, once no instance of an older version runs.
 */
export async function dropUnlistedIndexes(models: Models): Promise<string[]> {
  await ensureIndexes(models);
  const dropped: string[] = [];
  for (const model of Object.values(models) as Model<unknown>[]) {
    const names = await model.diffIndexes();
    for (const name of names.toDrop) {
      const indexName = typeof name === 'string' ? name : JSON.stringify(name);
      await model.collection.dropIndex(indexName);
      dropped.push(`${model.collection.collectionName}.${indexName}`);
    }
  }
  return dropped;
}

const NAMESPACE_EXISTS = 48;
