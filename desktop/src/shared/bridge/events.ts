/**
 * Everything that changes reaches the renderer as one of these small increments, through
 * `onEvent`; never as whole-state dumps.
 */
import type { ShellSettings } from '../settings';
import type { UpdateState } from '../app-status';
import type {
  ConnectionStatus,
  ConversationView,
  LocalMessage,
  SessionChangeReason,
  SessionInfo,
} from './model';

export type ChatEvent =
  /** Insert or replace by (conversationId, key). Covers pending → sent → failed transitions. */
  | { type: 'message'; message: LocalMessage }
  /**
   * A message from someone else that arrived live (`message:new` on the socket) and was not
   * held before, and is not a group change (a `system` message is history, not news); sent right after its `message` event. History pages and catch-up never
   * produce one, so shells notify for these only (never a burst at sign-in or reload).
   */
  | { type: 'incoming'; message: LocalMessage }
  /** A message the client held is gone (a failed message the user discarded). */
  | { type: 'message-removed'; conversationId: string; key: string }
  /**
   * Own messages in `conversationId` with `seq <= upToSeq` are now at least `state`
   * (a receipt watermark moved). Compact on purpose: one event, not one per message.
   */
  | { type: 'delivery'; conversationId: string; upToSeq: number; state: 'delivered' | 'read' }
  /** Insert or replace by id (new conversation, new last message, unread count change…). */
  | { type: 'conversation'; conversation: ConversationView }
  /** The user is no longer a member (removed, or left on another device): drop it. */
  | { type: 'conversation-removed'; conversationId: string }
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
  /** How much of an upload (started with an `uploadId`) went out. */
  | { type: 'upload-progress'; uploadId: string; sent: number; total: number }
  | { type: 'session'; session: SessionInfo | null; reason: SessionChangeReason }
  /** Shell only: the user clicked a notification; show this conversation. */
  | { type: 'open-conversation'; conversationId: string }
  /** Shell only: mute / do-not-disturb changed. */
  | { type: 'settings'; settings: ShellSettings }
  /** Shell only (desktop): the update moved on (checking, downloading, ready to install). */
  | { type: 'update'; update: UpdateState };

export type ChatEventListener = (event: ChatEvent) => void;
