import { z } from 'zod';
import type { ErrorCode } from './errors';
import { LIMITS, UPLOAD_LIMITS } from './limits';
import { Conversation, Message, Person, User } from './models';
import {
  AttachmentPathParams,
  AvatarQuery,
  AddMembersRequest,
  AuthResponse,
  BlockedUsersResponse,
  ChangePasswordRequest,
  DeleteMeRequest,
  SessionsResponse,
  ConversationListIdsResponse,
  ConversationListQuery,
  ConversationListResponse,
  CreateConversationRequest,
  HealthResponse,
  ReadinessResponse,
  HistoryQuery,
  HistoryResponse,
  EditMessageRequest,
  LoginRequest,
  MarkReadRequest,
  MessagePathParams,
  ReactionPathParams,
  RefreshRequest,
  RegisterRequest,
  SearchQuery,
  SearchResponse,
  SendMessageRequest,
  UploadFields,
  UploadResponse,
  SetAdminRequest,
  SetNotificationsRequest,
  UpdateMeRequest,
  TokenPair,
  UpdateConversationRequest,
  UserSearchQuery,
  UserSearchResponse,
} from './rest';
import {
  PushKeyResponse,
  PushPreferences,
  PushSubscriptionRequest,
  PushUnsubscribeRequest,
  SetPushPreferencesRequest,
} from './push';

/**
 * Every REST route, declared once. The API registers its router from this table (and
 * validates params, query and body with its schemas), the OpenAPI document's `paths` are
 * generated from it, and the client calls through it. Adding an endpoint is one entry
 * here, one handler in the API, one test.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The success statuses a route may answer. */
export type SuccessStatus = 200 | 201 | 204 | 206;

/** `'/api/conversations/:id/messages/:seq'` -> `'id' | 'seq'`. */
export type PathParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | PathParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

// ---- request bodies ----------------------------------------------------------

export interface JsonBody<S extends z.ZodType = z.ZodType> {
  readonly kind: 'json';
  readonly schema: S;
  /** Rules the JSON Schema cannot show (transforms, refinements), in words. */
  readonly description?: string;
}

/** `multipart/form-data`: named file parts, plus text fields validated by `fields`. */
export interface MultipartBody<
  F extends readonly string[] = readonly string[],
  S extends z.ZodType = z.ZodType,
> {
  readonly kind: 'multipart';
  readonly files: F;
  readonly fields: S;
  readonly description?: string;
}

export type BodySpec = JsonBody | MultipartBody;

export const jsonBody = <S extends z.ZodType>(schema: S, description?: string): JsonBody<S> =>
  description === undefined ? { kind: 'json', schema } : { kind: 'json', schema, description };

export const multipartBody = <const F extends readonly string[], S extends z.ZodType>(
  files: F,
  fields: S,
  description?: string,
): MultipartBody<F, S> =>
  description === undefined
    ? { kind: 'multipart', files, fields }
    : { kind: 'multipart', files, fields, description };

// ---- responses ---------------------------------------------------------------

export interface JsonReply<S extends z.ZodType = z.ZodType> {
  readonly kind: 'json';
  readonly schema: S;
  readonly description: string;
}
/** No body (204). */
export interface EmptyReply {
  readonly kind: 'empty';
  readonly description: string;
}
/** Raw bytes of a stored type (downloads); `ranges`: Range requests are honoured. */
export interface BinaryReply {
  readonly kind: 'binary';
  readonly description: string;
  readonly ranges: boolean;
}
export type ReplySpec = JsonReply | EmptyReply | BinaryReply;

export const json = <S extends z.ZodType>(schema: S, description: string): JsonReply<S> => ({
  kind: 'json',
  schema,
  description,
});
export const empty = (description: string): EmptyReply => ({ kind: 'empty', description });
export const binary = (description: string, options: { ranges: boolean }): BinaryReply => ({
  kind: 'binary',
  description,
  ranges: options.ranges,
});

// ---- routes ------------------------------------------------------------------

export interface RouteDocs {
  /** The OpenAPI tag (the feature the route belongs to). */
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  /** One line per path parameter and query field. */
  readonly params?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
}

export interface RouteSpec {
  readonly method: HttpMethod;
  /** Koa spelling: `/api/conversations/:id`. */
  readonly path: `/api/${string}`;
  /** A Bearer access token of a live session is required (else 401 before anything else). */
  readonly auth: boolean;
  /** Path parameters; its keys are exactly the path's `:names`. */
  readonly params?: z.ZodObject;
  readonly query?: z.ZodType;
  readonly body?: BodySpec;
  readonly responses: Readonly<Partial<Record<SuccessStatus, ReplySpec>>>;
  /**
   * The error codes the route can answer besides `internal` and `unavailable`, which any
   * route can.
   */
  readonly errors: readonly Exclude<ErrorCode, 'internal' | 'unavailable'>[];
  readonly docs: RouteDocs;
}

/** Rejects (at compile time) a route whose `params` keys differ from its path's `:names`. */
type ParamsMatchPath<R extends RouteSpec> = [PathParamNames<R['path']>] extends [never]
  ? { readonly params?: never }
  : { readonly params: z.ZodObject<Record<PathParamNames<R['path']>, z.ZodType>> };

/** A route table, checked: each route's `params` name exactly its path's `:names`. */
export function defineRoutes<const T extends Record<string, RouteSpec>>(
  routes: T & { [K in keyof T]: ParamsMatchPath<T[K]> },
): T {
  return routes;
}

/**
 * A path segment naming a resource. Not checked for shape: an id the server does not
 * know is `404` whatever it looks like, so its format never leaks.
 */
const PathId = z.string();

export const ROUTES = defineRoutes({
  health: {
    method: 'GET',
    path: '/api/health',
    auth: false,
    responses: { 200: json(HealthResponse, 'The API is ready.') },
    errors: [],
    docs: { tag: 'health', summary: 'Readiness' },
  },
  healthLive: {
    method: 'GET',
    path: '/api/health/live',
    auth: false,
    responses: {
      200: json(HealthResponse, 'The process answers HTTP. Nothing else is checked.'),
    },
    errors: [],
    docs: { tag: 'health', summary: 'Liveness (for a process supervisor)' },
  },
  healthReady: {
    method: 'GET',
    path: '/api/health/ready',
    auth: false,
    responses: {
      200: json(
        ReadinessResponse,
        'The store and, when configured, Redis answered within the deadline (2 s each). `checks.search` says whether search works now; a `degraded` search (its index thread restarting or rebuilding) does not make the instance unready.',
      ),
    },
    // `unavailable` (503, naming what failed), as any route can.
    errors: [],
    docs: {
      tag: 'health',
      summary: 'Readiness of the dependencies (for load balancers and healthchecks)',
    },
  },
  openapi: {
    method: 'GET',
    path: '/api/openapi.json',
    auth: false,
    responses: {
      200: json(z.record(z.string(), z.unknown()), 'The OpenAPI 3.1 document of the REST API.'),
    },
    errors: [],
    docs: { tag: 'health', summary: 'This document' },
  },

  // ---- auth ----
  register: {
    method: 'POST',
    path: '/api/auth/register',
    auth: false,
    body: jsonBody(
      RegisterRequest,
      `username: ${LIMITS.usernameMin}-${LIMITS.usernameMax} characters of a-z 0-9 _ . - (lower-cased on input); password: ${LIMITS.passwordMin}-${LIMITS.passwordMax} characters; displayName: ${LIMITS.displayNameMin}-${LIMITS.displayNameMax} characters after trimming, defaults to the username.`,
    ),
    responses: { 201: json(AuthResponse, 'The new user and the tokens of a new session.') },
    errors: ['invalid_request', 'conflict', 'payload_too_large', 'rate_limited'],
    docs: { tag: 'auth', summary: 'Create an account and start a session' },
  },
  login: {
    method: 'POST',
    path: '/api/auth/login',
    auth: false,
    body: jsonBody(LoginRequest),
    responses: { 200: json(AuthResponse, 'The user and the tokens of a new session.') },
    errors: ['invalid_request', 'unauthorized', 'payload_too_large', 'rate_limited'],
    docs: {
      tag: 'auth',
      summary: 'Start a session',
      description: `After ${LIMITS.loginFailuresMax} failed attempts for one username within ${LIMITS.loginFailureWindowSeconds / 60} minutes, attempts for it get 429 until the window passes.`,
    },
  },
  refresh: {
    method: 'POST',
    path: '/api/auth/refresh',
    auth: false,
    body: jsonBody(RefreshRequest),
    responses: { 200: json(TokenPair, 'A new access token and a new refresh token.') },
    errors: ['invalid_request', 'unauthorized', 'payload_too_large'],
    docs: {
      tag: 'auth',
      summary: 'Exchange a refresh token for a new token pair',
      description:
        'Refresh tokens are single use. Presenting one that was already used revokes its whole session and disconnects its sockets, except within 10 seconds of its own rotation: that is taken as a retry whose answer was lost and answered with the same new pair.',
    },
  },
  logout: {
    method: 'POST',
    path: '/api/auth/logout',
    auth: true,
    responses: { 204: empty('The session is revoked.') },
    errors: ['unauthorized'],
    docs: {
      tag: 'auth',
      summary: "Revoke the caller's session",
      description:
        'Its tokens stop working and its open sockets are disconnected within one second. Other sessions are untouched.',
    },
  },

  changePassword: {
    method: 'POST',
    path: '/api/auth/password',
    auth: true,
    body: jsonBody(
      ChangePasswordRequest,
      `newPassword: ${LIMITS.passwordMin}-${LIMITS.passwordMax} characters.`,
    ),
    responses: { 204: empty('The password is changed; every other session is revoked.') },
    errors: ['invalid_request', 'unauthorized', 'payload_too_large', 'rate_limited'],
    docs: {
      tag: 'auth',
      summary: "Change the caller's password",
      description:
        'A wrong `currentPassword` is 401 (and counts as a failed sign-in for the throttle). Every other session of the user is revoked and its sockets disconnected; the calling session stays signed in.',
    },
  },
  listSessions: {
    method: 'GET',
    path: '/api/auth/sessions',
    auth: true,
    responses: { 200: json(SessionsResponse, "The caller's live sessions, newest first.") },
    errors: ['unauthorized'],
    docs: {
      tag: 'auth',
      summary: "The caller's signed-in sessions",
      description: `\`current\` marks the session of the token that asked; \`client\` is the User-Agent at sign-in (at most ${LIMITS.sessionClientMax} characters); \`lastActiveAt\` moves on sign-in, refresh and socket connect.`,
    },
  },
  revokeSession: {
    method: 'DELETE',
    path: '/api/auth/sessions/:id',
    auth: true,
    params: z.object({ id: PathId }),
    responses: { 204: empty('The session is revoked.') },
    errors: ['unauthorized', 'not_found'],
    docs: {
      tag: 'auth',
      summary: "Sign out one of the caller's sessions",
      description:
        'Revokes it as logout does: its tokens stop working and its sockets are disconnected. A session of another user, or none, is 404. Revoking one already revoked is 204.',
      params: { id: 'The session id (opaque).' },
    },
  },

  // ---- users ----
  me: {
    method: 'GET',
    path: '/api/users/me',
    auth: true,
    responses: { 200: json(User, 'The caller.') },
    errors: ['unauthorized'],
    docs: { tag: 'users', summary: 'The caller' },
  },
  updateMe: {
    method: 'PATCH',
    path: '/api/users/me',
    auth: true,
    body: jsonBody(
      UpdateMeRequest,
      `displayName: ${LIMITS.displayNameMin}-${LIMITS.displayNameMax} characters after trimming. avatarId: an image upload of the caller's not attached to anything (else 400), or null to remove the avatar.`,
    ),
    responses: { 200: json(User, 'The caller after the change.') },
    errors: ['invalid_request', 'unauthorized', 'payload_too_large'],
    docs: {
      tag: 'users',
      summary: "Change the caller's profile",
      description:
        "People sharing a conversation with the caller, and the caller's own sockets, receive `user:updated` with the person. A replaced or removed avatar is erased, its stored bytes included.",
    },
  },
  userAvatar: {
    method: 'GET',
    path: '/api/users/:id/avatar',
    auth: true,
    params: z.object({ id: PathId }),
    query: AvatarQuery,
    responses: { 200: binary("The user's avatar image.", { ranges: false }) },
    errors: ['invalid_request', 'unauthorized', 'not_found'],
    docs: {
      tag: 'users',
      summary: "A user's avatar",
      description:
        'For any signed-in user; 404 when the user has none. Headers as for attachments (`nosniff`, `Cache-Control: private`).',
      params: { id: 'The user id (opaque).' },
      query: {
        size: '`thumbnail` (default, at most 320 px) or `full`.',
        v: "Ignored; a client puts the avatar's id here so that a new avatar has a new URL.",
      },
    },
  },
  searchUsers: {
    method: 'GET',
    path: '/api/users',
    auth: true,
    query: UserSearchQuery,
    responses: {
      200: json(UserSearchResponse, 'Matching users, the caller excluded, with presence.'),
    },
    errors: ['invalid_request', 'unauthorized'],
    docs: {
      tag: 'users',
      summary: 'Search users by username or display name prefix',
      query: {
        q: 'Case-insensitive prefix of the username or display name; empty matches everyone.',
        limit: `1-${LIMITS.userSearchLimitMax}, default ${LIMITS.userSearchLimitDefault}; out of range is 400, not clamped.`,
      },
    },
  },
  deleteMe: {
    method: 'DELETE',
    path: '/api/users/me',
    auth: true,
    body: jsonBody(DeleteMeRequest),
    responses: { 204: empty('The account is deleted.') },
    errors: ['invalid_request', 'unauthorized', 'payload_too_large', 'rate_limited'],
    docs: {
      tag: 'users',
      summary: "Delete the caller's account",
      description: `A wrong \`password\` is 401. Every session is revoked (sockets disconnected), the profile erased; the messages stay, their sender shown as \`{ username: null, displayName: "Deleted account", deleted: true }\`. The username can be registered again after ${LIMITS.deletedUsernameHoldDays} days.`,
    },
  },
  listBlocked: {
    method: 'GET',
    path: '/api/users/blocked',
    auth: true,
    responses: { 200: json(BlockedUsersResponse, 'The people the caller blocks.') },
    errors: ['unauthorized'],
    docs: { tag: 'users', summary: 'The people the caller blocks' },
  },
  blockUser: {
    method: 'PUT',
    path: '/api/users/:id/block',
    auth: true,
    params: z.object({ id: PathId }),
    responses: { 204: empty('Blocked (also when already blocked).') },
    errors: ['invalid_request', 'unauthorized', 'not_found'],
    docs: {
      tag: 'users',
      summary: 'Block a person',
      description:
        'While the caller blocks them, they cannot open a direct conversation with the caller nor send into it (403; refused, not queued) and receive no `presence` or `typing` of the caller. Groups are unaffected. Blocking oneself is 400.',
      params: { id: 'The user id (opaque).' },
    },
  },
  unblockUser: {
    method: 'DELETE',
    path: '/api/users/:id/block',
    auth: true,
    params: z.object({ id: PathId }),
    responses: { 204: empty('Not blocked (also when it was not).') },
    errors: ['unauthorized', 'not_found'],
    docs: {
      tag: 'users',
      summary: 'Unblock a person',
      params: { id: 'The user id (opaque).' },
    },
  },
  getUser: {
    method: 'GET',
    path: '/api/users/:id',
    auth: true,
    params: z.object({ id: PathId }),
    responses: { 200: json(Person, 'The user.') },
    errors: ['unauthorized', 'not_found'],
    docs: {
      tag: 'users',
      summary: 'One user, with live presence',
      params: { id: 'The user id (opaque).' },
    },
  },

  // ---- conversations ----
  createConversation: {
    method: 'POST',
    path: '/api/conversations',
    auth: true,
    body: jsonBody(CreateConversationRequest),
    responses: {
      201: json(Conversation, 'Created.'),
      200: json(Conversation, 'The direct conversation already existed.'),
    },
    errors: [
      'invalid_request',
      'unauthorized',
      'forbidden',
      'not_found',
      'payload_too_large',
      'rate_limited',
    ],
    docs: {
      tag: 'conversations',
      summary: 'Open a direct conversation or create a group',
      description: `Direct: the one conversation between the caller and \`userId\` (201 when created, 200 when it already existed, whoever created it); \`userId\` = caller is 400, an unknown user 404, a user who blocks the caller 403. Group: \`title\` ${LIMITS.titleMin}-${LIMITS.titleMax} characters, the caller is always a member, ${LIMITS.groupMembersMin}-${LIMITS.groupMembersMax} members in all after removing repeats, an unknown member id is 404. Every member, the creator included, receives \`conversation:new\` on their sockets, so the creator's other devices learn of it too.`,
    },
  },
  listConversations: {
    method: 'GET',
    path: '/api/conversations',
    auth: true,
    query: ConversationListQuery,
    responses: {
      // The form asked for first: it is what our client asks for, and a union stops at
      // the first schema that parses.
      200: json(
        z.union([ConversationListIdsResponse, ConversationListResponse]),
        "Each with its last message, unread count and receipts; with `members=ids`, each member as an id and every member's user once in `users`.",
      ),
    },
    errors: ['invalid_request', 'unauthorized'],
    docs: {
      tag: 'conversations',
      summary: "The caller's conversations, most recent activity first",
      description:
        "Paged: without `limit` the first page of the most recent conversations; `nextCursor` names the next page (null on the last). (Extension) `members=ids` answers the same page with each conversation's `members` as user ids (in the same order) and every member's user once in `users`: a smaller answer, cheaper to build, for clients that keep users by id. A server without the extension ignores the parameter and answers with users, so a client must accept either form.",
      query: {
        limit: `1-${LIMITS.conversationListLimitMax}, default ${LIMITS.conversationListLimitDefault}; out of range is 400, not clamped.`,
        cursor: 'The `nextCursor` of the page before.',
        members:
          '(extension) `users` (default): each member as a user object; `ids`: each member as a user id, the users once in `users`. Anything else is 400.',
      },
    },
  },
  getConversation: {
    method: 'GET',
    path: '/api/conversations/:id',
    auth: true,
    params: z.object({ id: PathId }),
    responses: { 200: json(Conversation, 'The conversation as the caller sees it.') },
    errors: ['unauthorized', 'not_found'],
    docs: {
      tag: 'conversations',
      summary: 'One conversation of the caller',
      params: { id: 'The conversation id (opaque).' },
    },
  },

  // ---- groups (version 2) ----
  updateConversation: {
    method: 'PATCH',
    path: '/api/conversations/:id',
    auth: true,
    params: z.object({ id: PathId }),
    body: jsonBody(
      UpdateConversationRequest,
      `title: ${LIMITS.titleMin}-${LIMITS.titleMax} characters after trimming. avatarId: an image upload of the caller's not attached to anything (else 400), or null to remove the group's avatar.`,
    ),
    responses: { 200: json(Conversation, 'The group after the change, as the caller sees it.') },
    errors: ['invalid_request', 'unauthorized', 'forbidden', 'not_found', 'payload_too_large'],
    docs: {
      tag: 'groups',
      summary: 'Rename a group or change its avatar (admins)',
      description:
        'A changed title writes a `title_changed` system message and sends `conversation:updated` to every member; a changed avatar sends `conversation:updated` only (the replaced one is erased). A direct conversation, or a caller who is not an admin, is 403.',
      params: { id: 'The conversation id (opaque).' },
    },
  },
  conversationAvatar: {
    method: 'GET',
    path: '/api/conversations/:id/avatar',
    auth: true,
    params: z.object({ id: PathId }),
    query: AvatarQuery,
    responses: { 200: binary("The group's avatar image.", { ranges: false }) },
    errors: ['invalid_request', 'unauthorized', 'not_found'],
    docs: {
      tag: 'groups',
      summary: "A group's avatar",
      description: 'For its members; 404 for anyone else and when the group has none.',
      params: { id: 'The conversation id (opaque).' },
      query: {
        size: '`thumbnail` (default, at most 320 px) or `full`.',
        v: "Ignored; a client puts the avatar's id here so that a new avatar has a new URL.",
      },
    },
  },
  addMembers: {
    method: 'POST',
    path: '/api/conversations/:id/members',
    auth: true,
    params: z.object({ id: PathId }),
    body: jsonBody(AddMembersRequest),
    responses: { 200: json(Conversation, 'The group after the change, as the caller sees it.') },
    errors: ['invalid_request', 'unauthorized', 'forbidden', 'not_found', 'payload_too_large'],
    docs: {
      tag: 'groups',
      summary: 'Add members to a group (admins)',
      description: `Users already in the group are skipped; an unknown user id is 404; more than ${LIMITS.groupMembersMax} members in all is 400. The new members receive \`conversation:new\`, everyone \`conversation:updated\` and a \`member_added\` system message.`,
      params: { id: 'The conversation id (opaque).' },
    },
  },
  removeMember: {
    method: 'DELETE',
    path: '/api/conversations/:id/members/:userId',
    auth: true,
    params: z.object({ id: PathId, userId: PathId }),
    responses: { 204: empty('The member is out of the group.') },
    errors: ['unauthorized', 'forbidden', 'not_found'],
    docs: {
      tag: 'groups',
      summary: 'Remove a member (admins), or leave (anyone, their own id)',
      description:
        "The removed member's sockets receive `conversation:removed` and nothing more of it; from then on the group is 404 to them. The last admin leaving makes the longest-standing remaining member admin. A `member_removed` or `member_left` system message and `conversation:updated` reach the members who stay.",
      params: { id: 'The conversation id (opaque).', userId: 'The member to remove.' },
    },
  },
  setMemberAdmin: {
    method: 'PATCH',
    path: '/api/conversations/:id/members/:userId',
    auth: true,
    params: z.object({ id: PathId, userId: PathId }),
    body: jsonBody(SetAdminRequest),
    responses: { 200: json(Conversation, 'The group after the change, as the caller sees it.') },
    errors: ['invalid_request', 'unauthorized', 'forbidden', 'not_found', 'payload_too_large'],
    docs: {
      tag: 'groups',
      summary: 'Make a member admin, or not (admins)',
      description:
        'A user who is not a member is 404. Taking the role from the only admin is 403 (leaving hands it over instead). A change writes an `admin_changed` system message and sends `conversation:updated`.',
      params: { id: 'The conversation id (opaque).', userId: 'The member.' },
    },
  },

  setNotifications: {
    method: 'PUT',
    path: '/api/conversations/:id/notifications',
    auth: true,
    params: z.object({ id: PathId }),
    body: jsonBody(SetNotificationsRequest),
    responses: { 204: empty('Stored.') },
    errors: ['invalid_request', 'unauthorized', 'not_found', 'payload_too_large'],
    docs: {
      tag: 'conversations',
      summary: "The caller's notification level for a conversation",
      description:
        '`all`, `mentions` (a message naming the caller) or `none`; kept per member on the server, shown as `notifications` in the conversation. Every socket of the caller receives `conversation:updated`, so their other devices follow it.',
      params: { id: 'The conversation id (opaque).' },
    },
  },

  // ---- Web Push ----
  pushKey: {
    method: 'GET',
    path: '/api/push/key',
    auth: true,
    responses: { 200: json(PushKeyResponse, 'The VAPID public key (base64url).') },
    errors: ['unauthorized'],
    docs: {
      tag: 'push',
      summary: "The server's VAPID public key",
      description:
        'The `applicationServerKey` to subscribe with. Generated on first start and kept beside the database, or set with `VAPID_PUBLIC_KEY`.',
    },
  },
  subscribePush: {
    method: 'POST',
    path: '/api/push/subscriptions',
    auth: true,
    body: jsonBody(
      PushSubscriptionRequest,
      "`endpoint`: an `https:` URL whose host does not resolve to a loopback, private or link-local address. `keys`: the subscription's `p256dh` (65-byte P-256 point) and `auth` (16 bytes), base64url.",
    ),
    responses: { 201: empty('Stored for the calling session (also when it already was).') },
    errors: ['invalid_request', 'unauthorized', 'payload_too_large'],
    docs: {
      tag: 'push',
      summary: 'Receive pushes on this browser',
      description:
        'The subscription belongs to the calling session and ends with it (sign-out, revocation). Subscribing an endpoint again moves it to this session with the new keys. For each new message of a conversation whose level allows it, one push per subscription (TTL 24 h, payload `{ conversationId, seq, title, body }`), unless the user has a socket connected; a push service answering 404/410 ends the subscription.',
    },
  },
  unsubscribePush: {
    method: 'DELETE',
    path: '/api/push/subscriptions',
    auth: true,
    body: jsonBody(PushUnsubscribeRequest),
    responses: { 204: empty('No push goes to this endpoint any more (also when none did).') },
    errors: ['invalid_request', 'unauthorized', 'payload_too_large'],
    docs: { tag: 'push', summary: 'Stop pushes to an endpoint of the caller' },
  },
  getPushPreferences: {
    method: 'GET',
    path: '/api/push/preferences',
    auth: true,
    responses: { 200: json(PushPreferences, "The caller's push preferences.") },
    errors: ['unauthorized'],
    docs: { tag: 'push', summary: "The caller's push preferences" },
  },
  setPushPreferences: {
    method: 'PUT',
    path: '/api/push/preferences',
    auth: true,
    body: jsonBody(SetPushPreferencesRequest),
    responses: { 200: json(PushPreferences, 'The preferences after the change.') },
    errors: ['invalid_request', 'unauthorized', 'payload_too_large'],
    docs: {
      tag: 'push',
      summary: 'Whether pushes carry message text',
      description:
        '`showText: false`: every push of the caller says "New message" instead of the text (the push service never sees the text either way: payloads are encrypted to the browser). Applies to all of the caller\'s devices.',
    },
  },

  // ---- messages ----
  sendMessage: {
    method: 'POST',
    path: '/api/conversations/:id/messages',
    auth: true,
    params: z.object({ id: PathId }),
    body: jsonBody(SendMessageRequest),
    responses: {
      201: json(Message, 'Stored.'),
      200: json(Message, 'The clientId was sent before: the message stored then.'),
    },
    errors: [
      'invalid_request',
      'unauthorized',
      'forbidden',
      'not_found',
      'payload_too_large',
      'rate_limited',
    ],
    docs: {
      tag: 'messages',
      summary: 'Send a message',
      description: `\`clientId\`: 1-${LIMITS.clientIdMax} characters of A-Z a-z 0-9 _ - chosen by the client; a repeated one returns the message stored the first time (200) and stores nothing. \`body\`: at least one non-whitespace character, at most ${LIMITS.messageBodyMax} Unicode code points (longer is 413). The message is durable before the response; every socket of every member then receives \`message:new\`. Into a direct conversation whose other member blocks the caller: 403, nothing stored.`,
      params: { id: 'The conversation id (opaque).' },
    },
  },
  listMessages: {
    method: 'GET',
    path: '/api/conversations/:id/messages',
    auth: true,
    params: z.object({ id: PathId }),
    query: HistoryQuery,
    responses: { 200: json(HistoryResponse, 'Messages in ascending seq.') },
    errors: ['invalid_request', 'unauthorized', 'not_found'],
    docs: {
      tag: 'messages',
      summary: 'Message history, ascending seq',
      description:
        'Without a cursor: the latest `limit` messages. `before`: the `limit` messages just before that seq. `after`: the `limit` messages just after it (catching up). `around`: that message and those around it, about half before and half after (404 beyond the last message). `changedAfter`: the messages whose `rev` is above it, new and changed alike, in ascending `rev` (catching up on edits, deletions and reactions). More than one cursor at once is 400.',
      params: { id: 'The conversation id (opaque).' },
      query: {
        limit: `1-${LIMITS.historyLimitMax}, default ${LIMITS.historyLimitDefault}; out of range is 400, not clamped.`,
        before: 'Messages with a smaller seq.',
        after: 'Messages with a greater seq.',
        around: 'The message with this seq and its neighbours.',
        changedAfter: 'Messages whose rev is greater, in ascending rev.',
      },
    },
  },
  searchMessages: {
    method: 'GET',
    path: '/api/search',
    auth: true,
    query: SearchQuery,
    responses: {
      200: json(SearchResponse, 'Matching messages, newest first, with marked snippets.'),
    },
    errors: ['invalid_request', 'unauthorized', 'not_found'],
    docs: {
      tag: 'search',
      summary: "Full-text search of the messages in the caller's conversations",
      description:
        'Newest first, only in conversations the caller is a member of now. The text is split into words (letters and digits); a message matches when every word is one of its words or the start of one, case- and accent-insensitively ("cafe" finds "Café"). Nothing in `q` is query syntax: quotes, `*`, `OR`, `NEAR` are plain text. A `q` without any letter or digit matches nothing. Deleted messages never match; edited ones match their current text only. `snippet` is plain text with each match between `<<` and `>>` (a `<<` or `>>` of the body itself has a zero-width space put between its two characters).',
      query: {
        q: `1-${LIMITS.searchQueryMax} characters, at most ${LIMITS.searchTermsMax} words; more is 400.`,
        conversationId: 'Only this conversation (404 when the caller is not a member).',
        limit: `1-${LIMITS.searchLimitMax}, default ${LIMITS.searchLimitDefault}; out of range is 400, not clamped.`,
        before: 'The `next` of the page before: the results older than it.',
      },
    },
  },
  markRead: {
    method: 'POST',
    path: '/api/conversations/:id/read',
    auth: true,
    params: z.object({ id: PathId }),
    body: jsonBody(MarkReadRequest),
    responses: { 204: empty('Done.') },
    errors: ['invalid_request', 'unauthorized', 'not_found', 'payload_too_large'],
    docs: {
      tag: 'messages',
      summary: "Move the caller's read watermark",
      description:
        'Up to `seq` (a lower value than the current one changes nothing; a value past the newest message counts as the newest). The other members receive `receipt` with `type: "read"` when it moved.',
      params: { id: 'The conversation id (opaque).' },
    },
  },

  // ---- message lifecycle (version 2): edit, delete for everyone, reactions ----
  editMessage: {
    method: 'PATCH',
    path: '/api/conversations/:id/messages/:seq',
    auth: true,
    params: MessagePathParams.extend({ id: PathId }),
    body: jsonBody(EditMessageRequest),
    responses: { 200: json(Message, 'The message after the edit.') },
    errors: [
      'invalid_request',
      'unauthorized',
      'forbidden',
      'not_found',
      'payload_too_large',
      'rate_limited',
    ],
    docs: {
      tag: 'messages',
      summary: "Edit the caller's own message",
      description: `Only the sender may edit (403), and not a deleted or system message (403). \`body\` follows the rules of sending (at most ${LIMITS.messageBodyMax} code points, else 413). \`mentions\` are recomputed. The edit is durable before every socket of every member, the caller's included, receives \`message:updated\`.`,
      params: { id: 'The conversation id (opaque).', seq: 'The seq of the message.' },
    },
  },
  deleteMessage: {
    method: 'DELETE',
    path: '/api/conversations/:id/messages/:seq',
    auth: true,
    params: MessagePathParams.extend({ id: PathId }),
    responses: { 204: empty('Deleted (also when it already was).') },
    errors: ['invalid_request', 'unauthorized', 'forbidden', 'not_found', 'rate_limited'],
    docs: {
      tag: 'messages',
      summary: 'Delete a message for everyone',
      description:
        'The sender may delete their message; a group admin may delete any message of the group (403 otherwise). The body, reactions, mentions and attachments are erased; the message stays as a tombstone with `deletedAt` set and an empty body, so seq keeps no gaps. Every member receives `message:updated`.',
      params: { id: 'The conversation id (opaque).', seq: 'The seq of the message.' },
    },
  },
  addReaction: {
    method: 'PUT',
    path: '/api/conversations/:id/messages/:seq/reactions/:emoji',
    auth: true,
    params: ReactionPathParams.extend({ id: PathId }),
    responses: { 204: empty('The caller reacts with this emoji (also when they already did).') },
    errors: ['invalid_request', 'unauthorized', 'forbidden', 'not_found', 'rate_limited'],
    docs: {
      tag: 'messages',
      summary: 'React to a message',
      description: `Idempotent. \`emoji\` is one emoji (one grapheme cluster), URL-encoded, else 400; at most ${LIMITS.reactionsPerMessageMax} different emoji on one message (400 for another). A deleted message takes no reaction (403). Every member receives \`message:updated\` when it changed.`,
      params: {
        id: 'The conversation id (opaque).',
        seq: 'The seq of the message.',
        emoji: 'One emoji, URL-encoded.',
      },
    },
  },
  removeReaction: {
    method: 'DELETE',
    path: '/api/conversations/:id/messages/:seq/reactions/:emoji',
    auth: true,
    params: ReactionPathParams.extend({ id: PathId }),
    responses: { 204: empty('The caller no longer reacts with this emoji.') },
    errors: ['invalid_request', 'unauthorized', 'not_found', 'rate_limited'],
    docs: {
      tag: 'messages',
      summary: "Take back the caller's reaction",
      description: 'Idempotent. Every member receives `message:updated` when it changed.',
      params: {
        id: 'The conversation id (opaque).',
        seq: 'The seq of the message.',
        emoji: 'One emoji, URL-encoded.',
      },
    },
  },
  // ---- uploads (version 2) ----
  uploadFile: {
    method: 'POST',
    path: '/api/uploads',
    auth: true,
    body: multipartBody(
      ['file'],
      UploadFields,
      `One part named \`file\`, at most UPLOAD_MAX_BYTES (default ${UPLOAD_LIMITS.bytesMaxDefault} bytes).`,
    ),
    responses: { 201: json(UploadResponse, 'Stored; attach it to a message within 24 hours.') },
    errors: ['invalid_request', 'unauthorized', 'payload_too_large', 'rate_limited'],
    docs: {
      tag: 'uploads',
      summary: 'Upload a file or an image',
      description:
        'Streamed; over the limit is 413 and nothing is kept. The type is decided from the bytes. Images are turned upright, stripped of metadata, scaled to at most 2048 px and re-encoded as WebP, with a 320 px thumbnail. An upload not attached to a message within 24 hours is deleted. Busy (every image slot taken) or too many uploads per user is 429.',
    },
  },
  downloadAttachment: {
    method: 'GET',
    path: '/api/attachments/:id',
    auth: true,
    params: AttachmentPathParams,
    responses: {
      200: binary('The stored bytes.', { ranges: true }),
      206: binary('The requested range of the bytes.', { ranges: true }),
    },
    errors: ['unauthorized', 'not_found'],
    docs: {
      tag: 'uploads',
      summary: 'The bytes of an attachment',
      description:
        'For the uploader and the members of the conversation it was sent in; 404 for anyone else. `X-Content-Type-Options: nosniff`, `Cache-Control: private`; anything but an image this server made is `Content-Disposition: attachment`. One `Range` is honoured (206; 416 past the end).',
      params: { id: 'The attachment id (opaque).' },
    },
  },
  attachmentThumbnail: {
    method: 'GET',
    path: '/api/attachments/:id/thumbnail',
    auth: true,
    params: AttachmentPathParams,
    responses: { 200: binary('The thumbnail (WebP, at most 320 px).', { ranges: false }) },
    errors: ['unauthorized', 'not_found'],
    docs: {
      tag: 'uploads',
      summary: 'The thumbnail of an image attachment',
      description: 'Who may read the attachment may read its thumbnail; 404 when it has none.',
      params: { id: 'The attachment id (opaque).' },
    },
  },
});

export type Routes = typeof ROUTES;
export type RouteName = keyof Routes;

/** Route names in table order, for iterating (registration, docs, tests). */
export const ROUTE_NAMES = Object.keys(ROUTES) as RouteName[];

// ---- types inferred from the table -----------------------------------------------

type Io = 'input' | 'output';
type SchemaType<S, I extends Io> = S extends z.ZodType
  ? I extends 'input'
    ? z.input<S>
    : z.output<S>
  : never;

/** Path parameters: `output` is what a handler gets, `input` what a caller gives. */
export type RouteParams<N extends RouteName, I extends Io = 'output'> = Routes[N] extends {
  params: infer S;
}
  ? SchemaType<S, I>
  : Record<string, never>;

export type RouteQuery<N extends RouteName, I extends Io = 'output'> = Routes[N] extends {
  query: infer S;
}
  ? SchemaType<S, I>
  : Record<string, never>;

/** A JSON body's type; a multipart body's text fields. */
export type RouteBody<N extends RouteName, I extends Io = 'output'> = Routes[N] extends {
  body: infer B;
}
  ? B extends JsonBody<infer S>
    ? SchemaType<S, I>
    : B extends MultipartBody<readonly string[], infer S>
      ? SchemaType<S, I>
      : never
  : undefined;

export type RouteStatus<N extends RouteName> = keyof Routes[N]['responses'] & SuccessStatus;

/** One success answer of a route, `{ status, body }`, for each status it declares. */
export type RouteReply<N extends RouteName, I extends Io = 'output', Bytes = never> = {
  [S in RouteStatus<N>]: Routes[N]['responses'][S] extends JsonReply<infer Schema>
    ? { status: S; body: SchemaType<Schema, I> }
    : Routes[N]['responses'][S] extends BinaryReply
      ? { status: S; body: Bytes }
      : { status: S };
}[RouteStatus<N>];

/** The OpenAPI spelling of a table path: `/api/conversations/{id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** Fills a table path's `:names`, each value URL-encoded (an emoji, a slash in an id). */
export function fillPath(path: string, params: Readonly<Record<string, string | number>>): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${path}`);
    return encodeURIComponent(String(value));
  });
}

// ---- what a client sends and gets back ---------------------------------------------

/** Query values as a caller gives them: the wire carries strings, numbers are spelled out. */
type WireQuery<Q> = { [K in keyof Q]?: string | number };

/** What a call of route `N` sends: path params, query and body, each only where it has one. */
export type RouteCall<N extends RouteName> = (Routes[N] extends { params: infer S }
  ? { params: SchemaType<S, 'input'> }
  : { params?: undefined }) &
  (Routes[N] extends { query: infer S }
    ? { query?: WireQuery<SchemaType<S, 'input'>> }
    : { query?: undefined }) &
  (Routes[N] extends { body: JsonBody<infer S> }
    ? { body: SchemaType<S, 'input'> }
    : { body?: undefined });

/** What a successful call of route `N` resolves to: the parsed body, `undefined` for a 204. */
export type RouteAnswer<N extends RouteName> =
  RouteReply<N> extends infer R ? (R extends { body: infer B } ? B : undefined) : never;
