import { Schema, mongo, type Connection, type Model, type Types } from 'mongoose';
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
const schemaOptions = {
  versionKey: false,
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
    avatar: avatarSchema,
  },
  { ...schemaOptions, collection: 'users' },
);
userSchema.index({ username: 1 }, { unique: true, name: 'username_unique' });
userSchema.index({ displayNameLower: 1 }, { name: 'display_name_lower' });

const sessionSchema = new Schema<SessionDoc>(
  {
    userId: Schema.Types.ObjectId,
    refreshGeneration: Number,
    createdAt: Date,
    refreshExpiresAt: Date,
    revokedAt: Date,
  },
  { ...schemaOptions, collection: 'sessions' },
);
// For revoking or listing a user's sessions.
sessionSchema.index({ userId: 1 }, { name: 'session_user' });

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
// A member's conversation list, newest activity first, straight from the index
// (multikey on memberIds).
conversationSchema.index({ memberIds: 1, lastActivityAt: -1 }, { name: 'member_activity' });
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

export interface Models {
  users: Model<UserDoc>;
  sessions: Model<SessionDoc>;
  conversations: Model<ConversationDoc>;
  messages: Model<MessageDoc>;
  watermarks: Model<WatermarkDoc>;
  attachments: Model<AttachmentDoc>;
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
  };
}

/**
 * Makes the collections and indexes match the schemas, and waits for them: the unique
 * indexes are what make usernames, direct pairs, seqs and clientIds unique, so no
 * request may be served before they exist. Indexes that are not in the schema are
 * dropped (the database belongs to this adapter).
 */
export async function syncIndexes(models: Models): Promise<void> {
  for (const model of Object.values(models) as Model<unknown>[]) {
    try {
      await model.createCollection();
    } catch (err) {
      // Another API instance starting at the same time may have created it first.
      if (!(err instanceof mongo.MongoServerError && err.code === NAMESPACE_EXISTS)) throw err;
    }
    await model.syncIndexes();
  }
}

const NAMESPACE_EXISTS = 48;
