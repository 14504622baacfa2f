/**
 * The argument of each bridge call, as one zod schema (every call takes at most ONE
 * argument, a plain object, so validation is one schema), and the typed shapes derived
 * from them and the table in `methods.ts`.
 *
 * Arguments are validated once, at the edge where they arrive: the main process's IPC
 * listener, or the web bridge. The core receives them parsed.
 */
import { z } from 'zod';
import {
  AddMembersRequest,
  Attachment,
  GroupTitle,
  NotificationLevel,
  UPLOAD_LIMITS,
  ClientId,
  CreateGroupRequest,
  Id,
  LIMITS,
  LoginRequest,
  MessageBody,
  MessageSeq,
  PushSubscriptionRequest,
  PushUnsubscribeRequest,
  SetPushPreferencesRequest,
  ReactionEmoji,
  RegisterRequest,
  Seq,
  SearchQuery,
  UserSearchQuery,
  ChangePasswordRequest,
  DeleteMeRequest,
  UpdateMeRequest,
  parse,
} from '@chat/protocol';
import type { BridgeMethod, BridgeValues, CoreMethod } from './methods';
import { fail, ok, type Result } from './results';
import { safeExternalUrl } from '../external-url';

/** http(s) only: the one scheme a chat server or an external link may use. */
export const HttpUrl = z
  .string()
  .max(2048)
  .refine((s) => {
    try {
      const url = new URL(s);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL');

export const NoArgs = z.undefined();

export const BRIDGE_ARG_SCHEMAS = {
  signIn: LoginRequest.extend({ serverUrl: HttpUrl }),
  register: RegisterRequest.extend({ serverUrl: HttpUrl }),
  /** `keep`: the account's unsent messages wait for its next sign-in; `discard`: gone. */
  signOut: z.object({ unsent: z.enum(['keep', 'discard']) }),
  countUnsent: NoArgs,
  getSession: NoArgs,
  getConnectionStatus: NoArgs,
  searchUsers: z.object({
    q: UserSearchQuery.shape.q,
    limit: z.number().int().min(1).max(LIMITS.userSearchLimitMax).optional(),
  }),
  getPeople: z.object({ userIds: z.array(Id).min(1).max(256) }),
  openDirect: z.object({ userId: Id }),
  createGroup: CreateGroupRequest.omit({ type: true }),
  listConversations: NoArgs,
  loadHistory: z.object({
    conversationId: Id,
    /** Older than this seq; omit for the latest page (plus unsent messages). */
    beforeSeq: Seq.optional(),
    limit: z.number().int().min(1).max(LIMITS.historyLimitMax).optional(),
  }),
  loadNewer: z.object({
    conversationId: Id,
    /** Newer than this seq. */
    afterSeq: Seq,
    limit: z.number().int().min(1).max(LIMITS.historyLimitMax).optional(),
  }),
  sendMessage: z.union([
    // With files (first: the text-only shape would strip them): the text may be empty.
    z.object({
      conversationId: Id,
      body: z.string().max(LIMITS.messageBodyMax * 2),
      attachments: z.array(Attachment).min(1).max(UPLOAD_LIMITS.attachmentsPerMessageMax),
      /** (version 2) The seq of the message this one answers. */
      replyToSeq: MessageSeq.optional(),
    }),
    z.object({
      conversationId: Id,
      body: MessageBody,
      /** (version 2) The seq of the message this one answers. */
      replyToSeq: MessageSeq.optional(),
    }),
  ]),
  retryMessage: z.object({ conversationId: Id, clientId: ClientId }),
  discardMessage: z.object({ conversationId: Id, clientId: ClientId }),
  markRead: z.object({ conversationId: Id, seq: Seq }),
  setTyping: z.object({ conversationId: Id, typing: z.boolean() }),
  catchUp: NoArgs,
  // ---- message lifecycle (version 2) ----
  editMessage: z.object({ conversationId: Id, seq: MessageSeq, body: MessageBody }),
  deleteMessage: z.object({ conversationId: Id, seq: MessageSeq }),
  react: z.object({ conversationId: Id, seq: MessageSeq, emoji: ReactionEmoji, on: z.boolean() }),
  loadAround: z.object({
    conversationId: Id,
    seq: MessageSeq,
    limit: z.number().int().min(1).max(LIMITS.historyLimitMax).optional(),
  }),
  searchMessages: z.object({
    q: SearchQuery.shape.q,
    conversationId: Id.optional(),
    limit: z.number().int().min(1).max(LIMITS.searchLimitMax).optional(),
    /** The `next` of the page before. */
    before: z.string().min(1).max(256).optional(),
  }),
  uploadFile: z.object({
    name: z.string().min(1).max(255),
    bytes: z.instanceof(Uint8Array),
    /** Chosen by the caller: names the upload's `upload-progress` events and `cancelUpload`. */
    uploadId: z.string().min(1).max(64).optional(),
  }),
  cancelUpload: z.object({ uploadId: z.string().min(1).max(64) }),
  attachmentBytes: z.object({ attachmentId: Id, thumbnail: z.boolean() }),
  // ---- groups and notification levels (version 2) ----
  renameGroup: z.object({ conversationId: Id, title: GroupTitle }),
  addMembers: AddMembersRequest.extend({ conversationId: Id }),
  removeMember: z.object({ conversationId: Id, userId: Id }),
  setAdmin: z.object({ conversationId: Id, userId: Id, admin: z.boolean() }),
  setNotificationLevel: z.object({ conversationId: Id, level: NotificationLevel }),
  // ---- accounts (version 2) ----
  updateProfile: UpdateMeRequest,
  changePassword: ChangePasswordRequest,
  listSessions: NoArgs,
  revokeSession: z.object({ sessionId: Id }),
  revokeOtherSessions: NoArgs,
  deleteAccount: DeleteMeRequest,
  listBlocked: NoArgs,
  setBlocked: z.object({ userId: Id, blocked: z.boolean() }),
  getPushKey: NoArgs,
  subscribePush: PushSubscriptionRequest,
  unsubscribePush: PushUnsubscribeRequest,
  getPushPreferences: NoArgs,
  setPushPreferences: SetPushPreferencesRequest,
  avatarBytes: z.object({
    kind: z.enum(['user', 'conversation']),
    id: Id,
    avatarId: Id,
  }),
  setMyAvatar: z.object({ attachmentId: Id.nullable() }),
  setGroupAvatar: z.object({ conversationId: Id, attachmentId: Id.nullable() }),
  setActiveConversation: z.object({ conversationId: Id.nullable() }),
  setDoNotDisturb: z.object({ enabled: z.boolean() }),
  getSettings: NoArgs,
  /** A web link, or a plain `mailto:` address (an e-mail address in a message). */
  openExternal: z.object({
    url: z
      .string()
      .max(2048)
      .refine((s) => safeExternalUrl(s) !== null, 'must be an http(s) URL or a mailto: address'),
  }),
  saveAttachment: z.object({ attachmentId: Id, name: z.string().min(1).max(255) }),
  getAppStatus: NoArgs,
  setLaunchAtLogin: z.object({ enabled: z.boolean() }),
  checkForUpdates: NoArgs,
  installUpdate: NoArgs,
} as const satisfies { [M in BridgeMethod]: z.ZodType };

type Schemas = typeof BRIDGE_ARG_SCHEMAS;
/** What the renderer passes (before zod transforms such as username lower-casing). */
export type ArgsOf<M extends BridgeMethod> = z.input<Schemas[M]>;
/** What an implementation receives after validation. */
export type ParsedArgsOf<M extends BridgeMethod> = z.output<Schemas[M]>;

/** A call as the renderer makes it: unvalidated input, always resolves. */
export type Call<M extends BridgeMethod> = Schemas[M] extends typeof NoArgs
  ? () => Promise<Result<BridgeValues[M]>>
  : (args: ArgsOf<M>) => Promise<Result<BridgeValues[M]>>;

/** Every call of the bridge, one per capability. */
export type BridgeCalls = { [M in BridgeMethod]: Call<M> };
/** The core's calls as a bridge offers them (unvalidated input). */
export type ChatCoreCalls = { [M in CoreMethod]: Call<M> };

/** Serves one call behind the edge: the argument has been validated already. */
export type Handler<M extends BridgeMethod> = Schemas[M] extends typeof NoArgs
  ? () => Promise<Result<BridgeValues[M]>>
  : (args: ParsedArgsOf<M>) => Promise<Result<BridgeValues[M]>>;
/** One handler per bridge call. */
export type BridgeHandlers = { [M in BridgeMethod]: Handler<M> };
/** What the client core implements. */
export type CoreHandlers = { [M in CoreMethod]: Handler<M> };

/**
 * Validates an untrusted bridge argument (from IPC, or from page code) and turns a failure
 * into the bridge's error result.
 */
export function parseBridgeArgs<M extends BridgeMethod>(
  method: M,
  input: unknown,
): Result<ParsedArgsOf<M>> {
  const parsed = parse(BRIDGE_ARG_SCHEMAS[method], input);
  if (parsed.ok) return ok(parsed.value as ParsedArgsOf<M>);
  return { ok: false, error: parsed.error };
}

/**
 * Serves `handlers` as bridge calls: each argument is validated first (a refused one never
 * reaches the handler), and a handler that throws (a bug) resolves to an `internal` error,
 * so every call resolves. Used where the calls are made in-process (the web bridge, tests);
 * the Electron main process does the same per IPC channel (`ipc.main.ts`).
 */
export function validatingCalls<M extends BridgeMethod>(
  methods: readonly M[],
  handlers: Pick<BridgeHandlers, M>,
  onHandlerError?: (method: BridgeMethod, error: unknown) => void,
): Pick<BridgeCalls, M> {
  const serve = async (method: M, input: unknown): Promise<Result<unknown>> => {
    const parsed = parseBridgeArgs(method, input);
    if (!parsed.ok) return parsed;
    const handler = handlers[method] as (args: unknown) => Promise<Result<unknown>>;
    try {
      return await handler(parsed.value);
    } catch (error) {
      onHandlerError?.(method, error);
      return fail('internal', 'Something went wrong. Please try again.');
    }
  };
  return Object.fromEntries(
    methods.map((method) => [method, (input?: unknown) => serve(method, input)]),
  ) as unknown as Pick<BridgeCalls, M>;
}
