import { z } from 'zod';
import { isSingleEmoji } from './emoji';
import {
  CLIENT_ID_PATTERN,
  LIMITS,
  UPLOAD_LIMITS,
  USERNAME_PATTERN,
  codePointLength,
} from './limits';
import {
  Attachment,
  Conversation,
  Id,
  Message,
  NotificationLevel,
  Person,
  Timestamp,
  User,
} from './models';

/** Marks the one validation failure the contract answers with 413 instead of 400. */
export const PAYLOAD_TOO_LARGE = 'payload_too_large';

export const Username = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(
    z
      .string()
      .min(LIMITS.usernameMin)
      .max(LIMITS.usernameMax)
      .regex(USERNAME_PATTERN, 'may hold only a-z, 0-9, _, . and -'),
  );

/**
 * A lone surrogate (`"a\ud800b"`) is not text: stored as UTF-8 it comes back as U+FFFD,
 * so what was acknowledged and delivered would differ from what history returns. Refused
 * everywhere text is stored (issue #14).
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** Control characters, and the bidi embeddings, overrides and isolates that reorder a name. */
const NAME_FORBIDDEN = /[\p{Cc}\u061C\u202A-\u202E\u2066-\u2069]/u;
/**
 * Nothing a reader can see: spaces, zero-width and other default-ignorable characters
 * (Hangul fillers among them), format characters and the blank braille pattern.
 */
const INVISIBLE_ONLY = /^[\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cf}\u2800]*$/u;

/**
 * A name people see (display name, group title): well-formed, no control or bidi-override
 * characters, and at least one visible character, so nobody can hide or pose as another.
 */
function shownName(min: number, max: number) {
  return z
    .string()
    .trim()
    .min(min)
    .max(max)
    .refine(isWellFormedText, 'must be well-formed text (no lone surrogates)')
    .refine((s) => !NAME_FORBIDDEN.test(s), 'must not contain control or bidi-override characters')
    .refine((s) => !INVISIBLE_ONLY.test(s), 'must contain a visible character');
}

export const Password = z
  .string()
  .min(LIMITS.passwordMin)
  .max(LIMITS.passwordMax)
  .refine(isWellFormedText, 'must be well-formed text (no lone surrogates)');

export const DisplayName = shownName(LIMITS.displayNameMin, LIMITS.displayNameMax);

export const GroupTitle = shownName(LIMITS.titleMin, LIMITS.titleMax);

export const ClientId = z
  .string()
  .min(1)
  .max(LIMITS.clientIdMax)
  .regex(CLIENT_ID_PATTERN, 'may hold only A-Z, a-z, 0-9, _ and -');

export const MessageBody = z
  .string()
  .refine((s) => s.trim().length > 0, 'must contain a non-whitespace character')
  .refine(isWellFormedText, 'must be well-formed text (no lone surrogates)')
  .refine((s) => codePointLength(s) <= LIMITS.messageBodyMax, {
    message: `must be at most ${LIMITS.messageBodyMax} characters`,
    params: { code: PAYLOAD_TOO_LARGE },
  });

/**
 * The body of a message that may carry attachments: possibly blank, since a message with
 * at least one attachment needs no text (`withAttachmentRule` checks that pairing).
 */
const SentBody = z
  .string()
  .refine(isWellFormedText, 'must be well-formed text (no lone surrogates)')
  .refine((s) => codePointLength(s) <= LIMITS.messageBodyMax, {
    message: `must be at most ${LIMITS.messageBodyMax} characters`,
    params: { code: PAYLOAD_TOO_LARGE },
  });

/** (version 2) Uploads of the sender's, not yet attached to anything, in display order. */
export const AttachmentIds = z
  .array(Id)
  .max(UPLOAD_LIMITS.attachmentsPerMessageMax)
  .refine((ids) => new Set(ids).size === ids.length, 'must not name an upload twice');

/** What a send carries besides where it goes: text, attachments, what it replies to. */
export const SentMessageFields = {
  clientId: ClientId,
  body: SentBody,
  attachmentIds: AttachmentIds.optional(),
};

/** A send needs text, or at least one attachment. */
export function withAttachmentRule<
  T extends z.ZodObject<{
    body: typeof SentBody;
    attachmentIds: z.ZodOptional<typeof AttachmentIds>;
  }>,
>(schema: T): T {
  return schema.superRefine(
    (value: { body: string; attachmentIds?: string[] | undefined }, ctx) => {
      if (value.body.trim().length === 0 && (value.attachmentIds?.length ?? 0) === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['body'],
          message: 'must contain a non-whitespace character (or attach a file)',
        });
      }
    },
  );
}

export const Seq = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** The seq of a message that exists: numbering starts at 1. */
export const MessageSeq = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** One emoji: one grapheme cluster that is an emoji (a flag, a skin tone, a ZWJ family). */
export const ReactionEmoji = z
  .string()
  .max(LIMITS.emojiLengthMax)
  .refine(isSingleEmoji, 'must be exactly one emoji');

// ---- Accounts and sessions -------------------------------------------------

export const RegisterRequest = z.object({
  username: Username,
  password: Password,
  displayName: DisplayName.optional(),
});
export type RegisterRequest = z.input<typeof RegisterRequest>;

export const LoginRequest = z.object({
  // Not validated against the username rules: a malformed name is simply unknown (401),
  // so the login form reveals nothing about which names could exist.
  username: z.string().max(256),
  password: z.string().max(1024),
});
export type LoginRequest = z.input<typeof LoginRequest>;

export const RefreshRequest = z.object({ refreshToken: z.string().min(1).max(1024) });
export type RefreshRequest = z.input<typeof RefreshRequest>;

export const AuthResponse = z.object({
  // A deleted account cannot sign in: the user who just did always has a username.
  user: User.extend({ username: z.string() }),
  accessToken: z.string(),
  refreshToken: z.string(),
});
export type AuthResponse = z.infer<typeof AuthResponse>;

export const TokenPair = z.object({ accessToken: z.string(), refreshToken: z.string() });
export type TokenPair = z.infer<typeof TokenPair>;

/** The current password is only compared, never stored: any length up to the cap. */
export const ChangePasswordRequest = z.object({
  currentPassword: z.string().max(1024),
  newPassword: Password,
});
export type ChangePasswordRequest = z.input<typeof ChangePasswordRequest>;

export const SessionInfo = z.object({
  id: Id,
  /** The session of the token that asked. */
  current: z.boolean(),
  createdAt: Timestamp,
  /** Sign-in, refresh or socket connect, whichever was last. */
  lastActiveAt: Timestamp,
  /** The User-Agent at sign-in, at most 200 characters ('' if none). */
  client: z.string(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

export const SessionsResponse = z.object({ sessions: z.array(SessionInfo) });
export type SessionsResponse = z.infer<typeof SessionsResponse>;

export const DeleteMeRequest = z.object({ password: z.string().max(1024) });
export type DeleteMeRequest = z.input<typeof DeleteMeRequest>;

export const HealthResponse = z.object({ status: z.literal('ok') });

/** One dependency's answer to a readiness check. */
export const ReadinessCheck = z.object({
  status: z.enum(['ok', 'not_configured']),
  /** How long it took to answer, in milliseconds; absent when not configured. */
  ms: z.number().nonnegative().optional(),
});
/**
 * The search index's writer, where it runs beside the store (SQLite's thread). Search is a
 * feature, not what decides whether an instance serves traffic: `degraded` (the thread is
 * down until its restart, or the index is being rebuilt; searches answer 503 meanwhile)
 * never makes readiness fail. `not_configured` where the store searches by itself (MongoDB,
 * an in-memory database).
 */
export const SearchReadinessCheck = z.discriminatedUnion('status', [
  z.object({ status: z.literal('ok') }),
  z.object({
    status: z.literal('degraded'),
    /** Times the thread failed since the instance started. */
    failures: z.number().int().nonnegative(),
    /** What is wrong, in general words (never the error itself, which the log has). */
    message: z.string().optional(),
  }),
  z.object({ status: z.literal('not_configured') }),
]);
export type SearchReadinessCheck = z.infer<typeof SearchReadinessCheck>;
export const ReadinessResponse = z.object({
  status: z.literal('ok'),
  checks: z.object({
    store: ReadinessCheck,
    redis: ReadinessCheck,
    /** Added after `store` and `redis`: absent from older servers' answers. */
    search: SearchReadinessCheck.optional(),
  }),
});
export type ReadinessResponse = z.infer<typeof ReadinessResponse>;

// ---- Users -----------------------------------------------------------------

/** Query values arrive as strings; a limit outside its range is refused, not clamped. */
function intQuery(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,16}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}

export const UserSearchQuery = z.object({
  q: z
    .string()
    .max(LIMITS.usernameMax * 4)
    .default(''),
  limit: intQuery(1, LIMITS.userSearchLimitMax).default(LIMITS.userSearchLimitDefault),
});
export type UserSearchQuery = z.output<typeof UserSearchQuery>;

export const UserSearchResponse = z.object({ users: z.array(Person) });
export type UserSearchResponse = z.infer<typeof UserSearchResponse>;

export const BlockedUsersResponse = z.object({ users: z.array(Person) });
export type BlockedUsersResponse = z.infer<typeof BlockedUsersResponse>;

// ---- Conversations ---------------------------------------------------------

export const CreateDirectRequest = z.object({ type: z.literal('direct'), userId: Id });
export const CreateGroupRequest = z.object({
  type: z.literal('group'),
  title: GroupTitle,
  memberIds: z.array(Id).max(LIMITS.groupMembersMax),
});
export const CreateConversationRequest = z.discriminatedUnion('type', [
  CreateDirectRequest,
  CreateGroupRequest,
]);
export type CreateConversationRequest = z.input<typeof CreateConversationRequest>;

/** (extension) The forms of the conversation list's `members`; `users` is the contract's. */
export const ConversationListMembers = z.enum(['users', 'ids']);
export type ConversationListMembers = z.infer<typeof ConversationListMembers>;

/**
 * `cursor` is the `nextCursor` of the page before, opaque to clients. Without `limit` the
 * first `conversationListLimitDefault` are returned, so a client that knows nothing of
 * paging still gets the most recent ones.
 */
export const ConversationListQuery = z.object({
  limit: intQuery(1, LIMITS.conversationListLimitMax).default(LIMITS.conversationListLimitDefault),
  cursor: z
    .string()
    .max(256)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be a nextCursor of an earlier page')
    .optional(),
  /**
   * (extension) How each conversation's `members` are given: `users` (the contract's
   * answer, the default) or `ids` (`ConversationListIdsResponse`).
   */
  members: ConversationListMembers.default('users'),
});
export type ConversationListQuery = z.output<typeof ConversationListQuery>;

export const ConversationListResponse = z.object({
  conversations: z.array(Conversation),
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type ConversationListResponse = z.infer<typeof ConversationListResponse>;

/** A conversation of `?members=ids`: its members as user ids, in the contract's order. */
export const ConversationWithMemberIds = Conversation.extend({ members: z.array(Id) });
export type ConversationWithMemberIds = z.infer<typeof ConversationWithMemberIds>;

/**
 * (extension) `GET /api/conversations?members=ids`: the same page, each member's user
 * given once in `users` instead of once per conversation they are in. A user in 200
 * conversations got the same people (themselves in every one) hundreds of times over.
 */
export const ConversationListIdsResponse = z.object({
  conversations: z.array(ConversationWithMemberIds),
  /** Every member of the page's conversations, once each. */
  users: z.array(User),
  nextCursor: z.string().nullable(),
});
export type ConversationListIdsResponse = z.infer<typeof ConversationListIdsResponse>;

// ---- Messages --------------------------------------------------------------

export const SendMessageRequest = withAttachmentRule(
  z.object({
    ...SentMessageFields,
    /** (version 2) The seq of the message this one answers, in the same conversation. */
    replyToSeq: MessageSeq.optional(),
  }),
);
export type SendMessageRequest = z.input<typeof SendMessageRequest>;

/** `PATCH /api/conversations/:id/messages/:seq` (version 2). */
export const EditMessageRequest = z.object({ body: MessageBody });
export type EditMessageRequest = z.input<typeof EditMessageRequest>;

/** The `:seq` of `/api/conversations/:id/messages/:seq…` (version 2). */
export const MessagePathParams = z.object({ seq: intQuery(1, Number.MAX_SAFE_INTEGER) });
export type MessagePathParams = z.output<typeof MessagePathParams>;

/** `…/messages/:seq/reactions/:emoji`, the emoji already URL-decoded (version 2). */
export const ReactionPathParams = z.object({
  seq: intQuery(1, Number.MAX_SAFE_INTEGER),
  emoji: ReactionEmoji,
});
export type ReactionPathParams = z.output<typeof ReactionPathParams>;

const HISTORY_CURSORS = ['before', 'after', 'around', 'changedAfter'] as const;

export const HistoryQuery = z
  .object({
    limit: intQuery(1, LIMITS.historyLimitMax).default(LIMITS.historyLimitDefault),
    before: intQuery(0, Number.MAX_SAFE_INTEGER).optional(),
    after: intQuery(0, Number.MAX_SAFE_INTEGER).optional(),
    /** (version 2) The message SEQ and those around it, about half before and half after. */
    around: intQuery(1, Number.MAX_SAFE_INTEGER).optional(),
    /** (version 2) Messages whose rev is above REV, new and changed alike, ascending rev. */
    changedAfter: intQuery(0, Number.MAX_SAFE_INTEGER).optional(),
  })
  .refine((q) => HISTORY_CURSORS.filter((cursor) => q[cursor] !== undefined).length <= 1, {
    message: `give at most one of ${HISTORY_CURSORS.join(', ')}`,
    path: ['before'],
  });
export type HistoryQuery = z.output<typeof HistoryQuery>;

export const HistoryResponse = z.object({ messages: z.array(Message) });
export type HistoryResponse = z.infer<typeof HistoryResponse>;

export const MarkReadRequest = z.object({ seq: Seq });
export type MarkReadRequest = z.input<typeof MarkReadRequest>;

/** `POST /api/uploads` (version 2): the one `file` part; no text fields. */
export const UploadFields = z.object({});

/** `/api/attachments/:id[/thumbnail]` (version 2). */
export const AttachmentPathParams = z.object({ id: z.string() });

/** `GET /api/users/:id/avatar` and `GET /api/conversations/:id/avatar`. */
export const AvatarQuery = z.object({
  /** `thumbnail` (default): at most 320 px, enough for any avatar; `full`: the stored image. */
  size: z.enum(['thumbnail', 'full']).default('thumbnail'),
  /** Ignored by the server: clients put the avatar's id here so a new avatar is a new URL. */
  v: z.string().max(128).optional(),
});
export type AvatarQuery = z.input<typeof AvatarQuery>;

/** `201` of `POST /api/uploads`. */
export const UploadResponse = Attachment;

// ---- groups (version 2) ----

/** `avatarId`: an image upload of the caller's (see "Files and images"); null removes it. */
export const AvatarId = Id.nullable();

export const UpdateConversationRequest = z.object({
  title: GroupTitle.optional(),
  avatarId: AvatarId.optional(),
});
export type UpdateConversationRequest = z.input<typeof UpdateConversationRequest>;

export const AddMembersRequest = z.object({
  userIds: z.array(Id).min(1).max(LIMITS.groupMembersMax),
});
export type AddMembersRequest = z.input<typeof AddMembersRequest>;

export const SetAdminRequest = z.object({ admin: z.boolean() });
export type SetAdminRequest = z.input<typeof SetAdminRequest>;

export const UpdateMeRequest = z.object({
  displayName: DisplayName.optional(),
  avatarId: AvatarId.optional(),
});
export type UpdateMeRequest = z.input<typeof UpdateMeRequest>;

export const SetNotificationsRequest = z.object({ level: NotificationLevel });
export type SetNotificationsRequest = z.input<typeof SetNotificationsRequest>;

// ---- Search ----------------------------------------------------------------

/** A `next` of an earlier page: opaque to clients, base64url. */
const SearchCursor = z
  .string()
  .max(256)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be the next of an earlier page');

/**
 * `q` is plain text, never a query language: the server splits it into words and matches
 * each as a whole word or a word prefix, case- and accent-insensitively, all of them in
 * one message.
 */
export const SearchQuery = z.object({
  q: z.string().min(1).max(LIMITS.searchQueryMax),
  conversationId: Id.optional(),
  limit: intQuery(1, LIMITS.searchLimitMax).default(LIMITS.searchLimitDefault),
  before: SearchCursor.optional(),
});
export type SearchQuery = z.output<typeof SearchQuery>;

export const SearchResult = z.object({
  message: Message,
  conversationId: Id,
  /** Plain text (never HTML): an excerpt of the body with each match between `<<` and `>>`. */
  snippet: z.string(),
});
export type SearchResult = z.infer<typeof SearchResult>;

export const SearchResponse = z.object({
  results: z.array(SearchResult),
  /** Pass as `before` for the next (older) page; null on the last page. */
  next: SearchCursor.nullable(),
});
export type SearchResponse = z.infer<typeof SearchResponse>;
