import type {
  AvatarRecord,
  ConversationKind,
  ConversationRecord,
  MessageRecord,
  ReactionRecord,
  SessionRecord,
  SystemEventRecord,
  UserRecord,
  WatermarkRecord,
} from '../types';

/** Row shapes as SQLite returns them (times are epoch ms) and their mapping to records. */

export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  created_at: number;
  last_seen_at: number | null;
  deleted_at: number | null;
  /** JSON AvatarRecord, or null. */
  avatar: string | null;
}

export interface SessionRow {
  id: string;
  user_id: string;
  refresh_generation: number;
  created_at: number;
  refresh_expires_at: number;
  revoked_at: number | null;
  rotated_at: number | null;
  client: string;
  /** null only on rows written before migration 6 ran (it fills them in). */
  last_active_at: number | null;
}

export interface ConversationRow {
  id: string;
  type: ConversationKind;
  title: string | null;
  created_at: number;
  last_seq: number;
  last_activity_at: number;
  rev: number;
  /** JSON AvatarRecord, or null. */
  avatar: string | null;
}

export interface MemberRow {
  conversation_id: string;
  user_id: string;
  delivered_seq: number;
  read_seq: number;
  admin: number;
}

export interface MessageRow {
  id: string;
  conversation_id: string;
  seq: number;
  sender_id: string;
  client_id: string;
  body: string;
  created_at: number;
  kind: 'text' | 'system';
  /** JSON SystemEventRecord, or null. */
  system: string | null;
  rev: number;
  edited_at: number | null;
  deleted_at: number | null;
  reply_to_seq: number | null;
  reply_sender_id: string | null;
  reply_excerpt: string | null;
  reply_deleted: number;
  /** JSON ReactionRecord[]. */
  reactions: string;
  /** JSON string[]. */
  mentions: string;
  /** 1 once an upload was attached to the message (migration 13), else 0. */
  has_attachments: number;
}

export const USER_COLUMNS =
  'id, username, display_name, password_hash, created_at, last_seen_at, deleted_at, avatar';
export const SESSION_COLUMNS =
  'id, user_id, refresh_generation, created_at, refresh_expires_at, revoked_at, rotated_at, client, last_active_at';
export const CONVERSATION_COLUMNS =
  'id, type, title, created_at, last_seq, last_activity_at, rev, avatar';
export const MESSAGE_FIELDS = [
  'id',
  'conversation_id',
  'seq',
  'sender_id',
  'client_id',
  'body',
  'created_at',
  'kind',
  'system',
  'rev',
  'edited_at',
  'deleted_at',
  'reply_to_seq',
  'reply_sender_id',
  'reply_excerpt',
  'reply_deleted',
  'reactions',
  'mentions',
  'has_attachments',
] as const satisfies readonly (keyof MessageRow)[];
export const MESSAGE_COLUMNS = MESSAGE_FIELDS.join(', ');

const date = (ms: number) => new Date(ms);
const optionalDate = (ms: number | null) => (ms === null ? null : new Date(ms));
export const avatarOf = (json: string | null): AvatarRecord | null =>
  json === null ? null : (JSON.parse(json) as AvatarRecord);
export const avatarJson = (avatar: AvatarRecord | null): string | null =>
  avatar === null
    ? null
    : JSON.stringify({
        id: avatar.id,
        name: avatar.name,
        contentType: avatar.contentType,
        size: avatar.size,
        width: avatar.width,
        height: avatar.height,
        thumbnail: avatar.thumbnail,
      } satisfies AvatarRecord);

export function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    passwordHash: row.password_hash,
    createdAt: date(row.created_at),
    lastSeenAt: optionalDate(row.last_seen_at),
    deletedAt: optionalDate(row.deleted_at),
    avatar: avatarOf(row.avatar),
  };
}

export function toSession(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    userId: row.user_id,
    refreshGeneration: row.refresh_generation,
    createdAt: date(row.created_at),
    refreshExpiresAt: date(row.refresh_expires_at),
    revokedAt: optionalDate(row.revoked_at),
    rotatedAt: optionalDate(row.rotated_at),
    client: row.client,
    lastActiveAt: date(row.last_active_at ?? row.created_at),
  };
}

export function toConversation(
  row: ConversationRow,
  memberIds: string[],
  adminIds: string[],
): ConversationRecord {
  return {
    id: row.id,
    type: row.type,
    title: row.title,
    memberIds,
    createdAt: date(row.created_at),
    lastSeq: row.last_seq,
    lastActivityAt: date(row.last_activity_at),
    rev: row.rev,
    adminIds,
    avatar: row.type === 'group' ? avatarOf(row.avatar) : null,
  };
}

export function toWatermark(row: MemberRow): WatermarkRecord {
  return { userId: row.user_id, deliveredSeq: row.delivered_seq, readSeq: row.read_seq };
}

/**
 * A stored JSON list. Most messages have no reactions and no mentions, and a page parsed
 * `'[]'` twice per message: ~100 ns a parse against ~30 for the comparison.
 */
function listOf<T>(json: string): T[] {
  return json === '[]' ? [] : (JSON.parse(json) as T[]);
}

/** Each message column's place in a row read as an array (`raw`), in MESSAGE_FIELDS order. */
const MESSAGE_AT = Object.fromEntries(MESSAGE_FIELDS.map((field, i) => [field, i])) as {
  readonly [K in keyof MessageRow]: number;
};

/**
 * A message from its column values in MESSAGE_FIELDS order, from `from` on: a row read as
 * an array (`raw`) or parsed from `json_array`. Reads of many rows (a history page, the
 * conversation list) so skip the named object better-sqlite3 would build per row.
 */
export function messageOfValues(values: readonly unknown[], from = 0): MessageRecord {
  const system = values[from + MESSAGE_AT.system] as MessageRow['system'];
  const replyToSeq = values[from + MESSAGE_AT.reply_to_seq] as MessageRow['reply_to_seq'];
  return {
    id: values[from + MESSAGE_AT.id] as string,
    conversationId: values[from + MESSAGE_AT.conversation_id] as string,
    seq: values[from + MESSAGE_AT.seq] as number,
    senderId: values[from + MESSAGE_AT.sender_id] as string,
    clientId: values[from + MESSAGE_AT.client_id] as string,
    body: values[from + MESSAGE_AT.body] as string,
    createdAt: date(values[from + MESSAGE_AT.created_at] as number),
    kind: values[from + MESSAGE_AT.kind] as MessageRow['kind'],
    system: system === null ? null : (JSON.parse(system) as SystemEventRecord),
    rev: values[from + MESSAGE_AT.rev] as number,
    editedAt: optionalDate(values[from + MESSAGE_AT.edited_at] as number | null),
    deletedAt: optionalDate(values[from + MESSAGE_AT.deleted_at] as number | null),
    replyTo:
      replyToSeq === null
        ? null
        : {
            seq: replyToSeq,
            senderId: (values[from + MESSAGE_AT.reply_sender_id] as string | null) ?? '',
            excerpt: (values[from + MESSAGE_AT.reply_excerpt] as string | null) ?? '',
            deleted: values[from + MESSAGE_AT.reply_deleted] === 1,
          },
    reactions: listOf<ReactionRecord>(values[from + MESSAGE_AT.reactions] as string),
    mentions: listOf<string>(values[from + MESSAGE_AT.mentions] as string),
    hasAttachments: values[from + MESSAGE_AT.has_attachments] === 1,
  };
}

export function toMessage(row: MessageRow): MessageRecord {
  return messageOfValues(MESSAGE_FIELDS.map((field) => row[field]));
}
