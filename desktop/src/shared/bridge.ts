/**
 * The bridge contract: `window.chat`, the one narrow surface the renderer talks to.
 *
 * Implemented twice, checked against this file on both sides:
 * - Electron: the preload forwards each call over IPC (`IPC_CHANNELS`), the main process
 *   validates the argument with `BRIDGE_ARG_SCHEMAS` and runs it on the client core;
 * - web: `createWebBridge()` runs the core inside the page.
 *
 * Rules every implementation follows:
 * - every call resolves (never rejects) to a `Result`; failures are values, so nothing
 *   crosses the process boundary as an exception;
 * - every call takes at most ONE argument, a plain object, so IPC validation is one schema;
 * - state reaches the renderer as small incremental `ChatEvent`s through `onEvent`, never as
 *   whole-state dumps; the renderer asks for lists (`listConversations`, `loadHistory`) once
 *   and then applies events;
 * - tokens never cross the bridge.
 *
 * Environment-neutral: no DOM, Node or Electron imports here.
 */
import { z } from 'zod';
import {
  ClientId,
  Id,
  LIMITS,
  parse,
  LoginRequest,
  MessageBody,
  RegisterRequest,
  Seq,
  UserSearchQuery,
  CreateGroupRequest,
} from '@chat/protocol';
import type {
  Conversation,
  ErrorCode,
  ErrorDetail,
  MemberReceipt,
  Person,
  User,
} from '@chat/protocol';
import type { NotificationPermissionControl } from './notifications';

// ---- results -------------------------------------------------------------

/**
 * Codes the client adds to the contract's `ErrorCode`s:
 * - `network`: the server could not be reached or the connection broke mid-request;
 * - `offline`: the client did not try because it knows it cannot reach the server;
 * - `not_signed_in`: the call needs a session and there is none;
 * - `bad_response`: the server answered something that does not follow the contract;
 * - `timeout`: no answer in time (the outcome is unknown);
 * - `unsupported`: this bridge implementation cannot do that (e.g. a shell-only feature).
 */
export const CLIENT_ERROR_CODES = [
  'network',
  'offline',
  'not_signed_in',
  'bad_response',
  'timeout',
  'unsupported',
] as const;
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];
export type BridgeErrorCode = ErrorCode | ClientErrorCode;

export interface BridgeError {
  code: BridgeErrorCode;
  /** Human-readable, safe to show; never contains tokens or internals. */
  message: string;
  /** Which fields were wrong, for `invalid_request` / `payload_too_large`. */
  details?: ErrorDetail[];
  /** For `rate_limited`: whole seconds to wait (from `Retry-After`). */
  retryAfterSeconds?: number;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: BridgeError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}
/** Success of a call that has nothing to return. */
export function done(): Result<null> {
  return { ok: true, value: null };
}
export function fail(
  code: BridgeErrorCode,
  message: string,
  extra?: Partial<BridgeError>,
): {
  ok: false;
  error: BridgeError;
} {
  return { ok: false, error: { ...extra, code, message } };
}

// ---- the model the renderer sees -----------------------------------------

export interface SessionInfo {
  user: User;
  /** The API's origin, e.g. `https://chat.example.com`. */
  serverUrl: string;
}

/**
 * Own messages: `pending` (in the outbox, not yet acknowledged), `sent` (stored by the
 * server, has a seq), `delivered` (every other member holds it), `read` (every other member
 * read it), `failed` (refused for good; kept with `error`, can be retried or discarded).
 * Messages from others are always `sent`.
 */
export const DELIVERY_STATES = ['pending', 'sent', 'delivered', 'read', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export interface LocalMessage {
  /**
   * Stable render key, the same while pending and after the server stored it:
   * `${senderId}:${clientId}` (a clientId cannot contain ':'; the server makes
   * sender + clientId unique per conversation).
   */
  key: string;
  conversationId: string;
  clientId: string;
  senderId: string;
  body: string;
  /** Server time once stored; local time of writing while pending/failed. */
  createdAt: string;
  /** Server id and seq; `null` while pending or failed. */
  id: string | null;
  seq: number | null;
  /**
   * For pending/failed messages: their position in the outbox (increasing in the order
   * they were written), so unsent messages sort after stored ones in writing order.
   */
  outboxOrder: number | null;
  mine: boolean;
  state: DeliveryState;
  /** Why a `failed` message was refused; `null` otherwise. */
  error: BridgeError | null;
}

/** Stored messages by seq, then unsent ones in the order they were written. */
export function compareLocalMessages(a: LocalMessage, b: LocalMessage): number {
  if (a.seq !== null && b.seq !== null) return a.seq - b.seq;
  if (a.seq !== null) return -1;
  if (b.seq !== null) return 1;
  return (a.outboxOrder ?? 0) - (b.outboxOrder ?? 0);
}

/**
 * A conversation as the client holds it: the contract's, with local unread/last message.
 * Version 2's `rev` and `admins` are left out until the client core keeps them up to date.
 */
export interface ConversationView extends Omit<Conversation, 'lastMessage' | 'rev' | 'admins'> {
  /** The latest message, including the caller's own unsent ones. */
  lastMessage: LocalMessage | null;
  /** For sorting the list: the last message's time, else the creation time. */
  lastActivityAt: string;
}

export type { MemberReceipt, Person, User };

export const CONNECTION_STATUSES = [
  'connecting',
  'online',
  'offline',
  'reconnecting',
  'catching-up',
] as const;
/**
 * `connecting`: first connection after sign-in/start; `online`: connected and caught up;
 * `catching-up`: connected, fetching what was missed; `reconnecting`: lost, retrying with
 * backoff; `offline`: not trying (signed out, or the client was told it is offline).
 */
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

/**
 * `signed-in`/`registered`/`restored` bring a session; the others end it:
 * `signed-out` (the user asked), `expired` (the refresh token was refused: revoked,
 * reused, or the session ended on the server).
 */
export type SessionChangeReason =
  'signed-in' | 'registered' | 'restored' | 'signed-out' | 'expired';

/** Shell-kept preferences (Electron persists them; the web bridge may keep them in memory). */
export interface ShellSettings {
  doNotDisturb: boolean;
  mutedConversationIds: string[];
  /**
   * Whether the session survives a restart. The Electron shell keeps the refresh token
   * only through the OS key store; without one (Linux without a keyring) it keeps the
   * session in memory and says why here, so the renderer can tell the user they will
   * sign in again next launch. Absent where it does not apply.
   */
  sessionPersistence?: SessionPersistence;
}

export type SessionPersistence =
  | { persistent: true }
  | {
      persistent: false;
      reason: 'encryption-unavailable' | 'no-keyring';
      /** One sentence for the user. */
      message: string;
    };

/** Everything that changes, as small increments. */
export type ChatEvent =
  /** Insert or replace by (conversationId, key). Covers pending → sent → failed transitions. */
  | { type: 'message'; message: LocalMessage }
  /** A message the client held is gone (a failed message the user discarded). */
  | { type: 'message-removed'; conversationId: string; key: string }
  /**
   * Own messages in `conversationId` with `seq <= upToSeq` are now at least `state`
   * (a receipt watermark moved). Compact on purpose: one event, not one per message.
   */
  | { type: 'delivery'; conversationId: string; upToSeq: number; state: 'delivered' | 'read' }
  /** Insert or replace by id (new conversation, new last message, unread count change…). */
  | { type: 'conversation'; conversation: ConversationView }
  | { type: 'presence'; userId: string; online: boolean; lastSeenAt: string | null }
  /** Who is typing now in a conversation (expired typists already removed). */
  | { type: 'typing'; conversationId: string; userIds: string[] }
  /** One member's watermarks moved (for "read by" displays). */
  | {
      type: 'receipt';
      conversationId: string;
      userId: string;
      deliveredSeq: number;
      readSeq: number;
    }
  | { type: 'connection'; status: ConnectionStatus }
  | { type: 'session'; session: SessionInfo | null; reason: SessionChangeReason }
  /** Shell only: the user clicked a notification; show this conversation. */
  | { type: 'open-conversation'; conversationId: string }
  /** Shell only: mute / do-not-disturb changed. */
  | { type: 'settings'; settings: ShellSettings };

export type ChatEventListener = (event: ChatEvent) => void;

// ---- arguments: one zod schema per call (the main process validates with these) ----

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
  signOut: NoArgs,
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
  sendMessage: z.object({ conversationId: Id, body: MessageBody }),
  retryMessage: z.object({ conversationId: Id, clientId: ClientId }),
  discardMessage: z.object({ conversationId: Id, clientId: ClientId }),
  markRead: z.object({ conversationId: Id, seq: Seq }),
  setTyping: z.object({ conversationId: Id, typing: z.boolean() }),
  catchUp: NoArgs,
  // Shell-side calls:
  setActiveConversation: z.object({ conversationId: Id.nullable() }),
  setMuted: z.object({ conversationId: Id, muted: z.boolean() }),
  setDoNotDisturb: z.object({ enabled: z.boolean() }),
  getSettings: NoArgs,
  openExternal: z.object({ url: HttpUrl }),
} as const;

type Schemas = typeof BRIDGE_ARG_SCHEMAS;
export type BridgeMethod = keyof Schemas;
/** What the renderer passes (before zod transforms such as username lower-casing). */
export type ArgsOf<M extends BridgeMethod> = z.input<Schemas[M]>;
/** What an implementation receives after validation. */
export type ParsedArgsOf<M extends BridgeMethod> = z.output<Schemas[M]>;

export interface HistoryPage {
  /** Ascending (see `compareLocalMessages`); unsent messages last, only on the latest page. */
  messages: LocalMessage[];
  /** Whether older messages exist on the server. */
  hasMore: boolean;
}

/** What each call resolves to on success. */
export interface BridgeValues {
  signIn: SessionInfo;
  register: SessionInfo;
  signOut: null;
  getSession: SessionInfo | null;
  getConnectionStatus: ConnectionStatus;
  searchUsers: Person[];
  getPeople: Person[];
  openDirect: ConversationView;
  createGroup: ConversationView;
  listConversations: ConversationView[];
  loadHistory: HistoryPage;
  /** Returns at once with the clientId; the outbox delivers it (watch `message` events). */
  sendMessage: { clientId: string; message: LocalMessage };
  retryMessage: null;
  discardMessage: null;
  markRead: null;
  setTyping: null;
  catchUp: null;
  setActiveConversation: null;
  setMuted: null;
  setDoNotDisturb: null;
  getSettings: ShellSettings;
  openExternal: null;
}

type Call<M extends BridgeMethod> = Schemas[M] extends typeof NoArgs
  ? () => Promise<Result<BridgeValues[M]>>
  : (args: ArgsOf<M>) => Promise<Result<BridgeValues[M]>>;

/** Every call of the bridge, one per capability. */
export type BridgeCalls = { [M in BridgeMethod]: Call<M> };

/** `window.chat`. */
export interface ChatBridge extends BridgeCalls {
  /** Subscribe to incremental events; returns the unsubscribe function. */
  onEvent(listener: ChatEventListener): () => void;
  /** Present only where notifications need the user's permission first (a browser). */
  readonly notificationPermission?: NotificationPermissionControl;
}

/** Calls the shell (Electron main, or the web bridge) implements itself, not the core. */
export const SHELL_METHODS = [
  'setActiveConversation',
  'setMuted',
  'setDoNotDisturb',
  'getSettings',
  'openExternal',
] as const satisfies readonly BridgeMethod[];
export type ShellMethod = (typeof SHELL_METHODS)[number];
export type CoreMethod = Exclude<BridgeMethod, ShellMethod>;

/** What the environment-neutral client core implements. */
export type ChatCoreCalls = { [M in CoreMethod]: Call<M> };

// ---- IPC -----------------------------------------------------------------

// The channel table lives in its own zod-free module so the sandboxed preload can import
// it without bundling every schema; re-exported here, so the contract stays one import.
export { BRIDGE_METHODS, IPC_CHANNELS } from './ipc-channels';

/**
 * Validates an untrusted bridge argument (from IPC, or from page code) and turns a failure
 * into the bridge's error result. The main process calls this before anything else.
 */
export function parseBridgeArgs<M extends BridgeMethod>(
  method: M,
  input: unknown,
): Result<ParsedArgsOf<M>> {
  const parsed = parse(BRIDGE_ARG_SCHEMAS[method], input);
  if (parsed.ok) return ok(parsed.value as ParsedArgsOf<M>);
  return { ok: false, error: parsed.error };
}
