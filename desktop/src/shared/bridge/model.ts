/**
 * The model the renderer sees: sessions, messages with their delivery state, conversation
 * views and the connection status. Built by the client core, shown by the renderer.
 */
import type {
  Attachment,
  Conversation,
  MemberReceipt,
  NotificationLevel,
  Person,
  Reaction,
  ReplyTo,
  SessionInfo as AccountSessionInfo,
  SystemEvent,
  User,
} from '@chat/protocol';
import type { BridgeError } from './results';

export type {
  AccountSessionInfo,
  MemberReceipt,
  NotificationLevel,
  Person,
  Reaction,
  ReplyTo,
  SystemEvent,
  User,
};

export interface SessionInfo {
  user: User;
  /** The API's origin, e.g. `https://chat.example.com`. */
  serverUrl: string;
}

/**
 * Own messages: `pending` (in the outbox, not yet acknowledged), `waiting` (in the outbox
 * while the connection has been down longer than the acknowledgement timeout: it is sent
 * when the connection is back), `sent` (stored by the
 * server, has a seq), `delivered` (every other member holds it), `read` (every other member
 * read it), `failed` (refused for good; kept with `error`, can be retried or discarded).
 * Messages from others are always `sent`.
 */
export const DELIVERY_STATES = [
  'pending',
  'waiting',
  'sent',
  'delivered',
  'read',
  'failed',
] as const;
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
  /** Server id and seq; `null` while pending, waiting or failed. */
  id: string | null;
  seq: number | null;
  /**
   * For unsent (pending, waiting, failed) messages: their position in the outbox (increasing in the order
   * they were written), so unsent messages sort after stored ones in writing order.
   */
  outboxOrder: number | null;
  mine: boolean;
  state: DeliveryState;
  /** Why a `failed` message was refused; `null` otherwise. */
  error: BridgeError | null;
  // ---- message lifecycle (version 2) ----
  /** `system` messages record a group change and have an empty body. */
  kind: 'text' | 'system';
  /** Who did what to whom, for a `system` message; `null` (or absent) for any other. */
  system?: SystemEvent | null;
  editedAt: string | null;
  /** Set on a message deleted for everyone (its body is then empty). */
  deletedAt: string | null;
  /** The quoted message; for an unsent reply, what the client holds of it. */
  replyTo: ReplyTo | null;
  reactions: Reaction[];
  /** Ids of the members named as `@username`. */
  mentions: string[];
  /**
   * Files and images, in the order the sender gave them (uploaded already while pending);
   * absent reads as none.
   */
  attachments?: Attachment[];
  /**
   * (version 3) The user's edit, deletion or reaction made offline (or queued behind unsent
   * messages) is shown already and waits to be applied.
   */
  changePending?: boolean;
  /** (version 3) Why the user's last change of it was refused: it shows the server's copy. */
  changeError?: BridgeError;
}

/** An attachment's bytes, fetched by the core with the session's token. */
export interface AttachmentBytes {
  contentType: string;
  bytes: Uint8Array;
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
 * Version 2's `rev` is left out (the core keeps it for catch-up, the UI has no use for it).
 * `notifications` is the caller's level, kept on the server and followed live on every
 * device (`conversation:updated`).
 */
export interface ConversationView extends Omit<
  Conversation,
  'lastMessage' | 'rev' | 'notifications'
> {
  /** The caller's notification level (the core always sets it; absent reads as `all`). */
  notifications?: NotificationLevel;
  /** The latest message, including the caller's own unsent ones. */
  lastMessage: LocalMessage | null;
  /** For sorting the list: the last message's time, else the creation time. */
  lastActivityAt: string;
}

export interface HistoryPage {
  /** Ascending (see `compareLocalMessages`); unsent messages last, only on the latest page. */
  messages: LocalMessage[];
  /** Whether older messages exist on the server. */
  hasMore: boolean;
}

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
  | 'signed-in'
  | 'registered'
  | 'restored'
  | 'signed-out'
  | 'expired'
  /** The same account, its profile changed (display name, avatar; here or elsewhere). */
  | 'profile';
