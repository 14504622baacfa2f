import { z } from 'zod';
import type { ApiError } from './errors';
import { Conversation, Id, Message, ReceiptType, Timestamp } from './models';
import { ClientId, MessageBody, MessageSeq, ReactionEmoji, Seq } from './rest';

// ---- client -> server payloads ------------------------------------------

export const MessageSendPayload = z.object({
  conversationId: Id,
  clientId: ClientId,
  body: MessageBody,
  /** (version 2) The seq of the message this one answers, in the same conversation. */
  replyToSeq: MessageSeq.optional(),
});
export type MessageSendPayload = z.input<typeof MessageSendPayload>;

// Version 2 message lifecycle. Not in the event maps below until their handlers are
// registered, so nothing advertises an event the server does not answer yet.
export const MessageEditPayload = z.object({
  conversationId: Id,
  seq: MessageSeq,
  body: MessageBody,
});
export type MessageEditPayload = z.input<typeof MessageEditPayload>;

export const MessageDeletePayload = z.object({ conversationId: Id, seq: MessageSeq });
export type MessageDeletePayload = z.input<typeof MessageDeletePayload>;

export const ReactionPayload = z.object({
  conversationId: Id,
  seq: MessageSeq,
  emoji: ReactionEmoji,
  on: z.boolean(),
});
export type ReactionPayload = z.input<typeof ReactionPayload>;

export const TypingPayload = z.object({ conversationId: Id, typing: z.boolean() });
export type TypingPayload = z.input<typeof TypingPayload>;

export const ReceiptPayload = z.object({ conversationId: Id, type: ReceiptType, seq: Seq });
export type ReceiptPayload = z.input<typeof ReceiptPayload>;

export const AuthRenewPayload = z.object({ token: z.string().min(1).max(4096) });
export type AuthRenewPayload = z.input<typeof AuthRenewPayload>;

// ---- server -> client payloads ------------------------------------------

export const PresenceEvent = z.object({
  userId: Id,
  online: z.boolean(),
  lastSeenAt: Timestamp.nullable(),
});
export type PresenceEvent = z.infer<typeof PresenceEvent>;

export const TypingEvent = z.object({ conversationId: Id, userId: Id, typing: z.boolean() });
export type TypingEvent = z.infer<typeof TypingEvent>;

export const ReceiptEvent = z.object({
  conversationId: Id,
  userId: Id,
  type: ReceiptType,
  seq: Seq,
});
export type ReceiptEvent = z.infer<typeof ReceiptEvent>;

// ---- acknowledgements ----------------------------------------------------

/** Every client -> server event is answered with one of these. */
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: ApiError };
export type AckCallback<T extends object = object> = (response: Ack<T>) => void;

// ---- typed event maps (socket.io generics) -------------------------------

export interface ClientToServerEvents {
  'message:send': (payload: MessageSendPayload, ack: AckCallback<{ message: Message }>) => void;
  typing: (payload: TypingPayload, ack: AckCallback) => void;
  receipt: (payload: ReceiptPayload, ack: AckCallback) => void;
  'auth:renew': (payload: AuthRenewPayload, ack: AckCallback) => void;
}

export interface ServerToClientEvents {
  'message:new': (message: Message) => void;
  /** (version 2) The whole message after an edit, a deletion or a reaction. */
  'message:updated': (message: Message) => void;
  'conversation:new': (conversation: Conversation) => void;
  presence: (event: PresenceEvent) => void;
  typing: (event: TypingEvent) => void;
  receipt: (event: ReceiptEvent) => void;
}

/** The name of every client -> server event, for iterating (validation, fuzzing, docs). */
export const CLIENT_EVENTS = ['message:send', 'typing', 'receipt', 'auth:renew'] as const;
export const SERVER_EVENTS = [
  'message:new',
  'message:updated',
  'conversation:new',
  'presence',
  'typing',
  'receipt',
] as const;

export const CLIENT_EVENT_SCHEMAS = {
  'message:send': MessageSendPayload,
  typing: TypingPayload,
  receipt: ReceiptPayload,
  'auth:renew': AuthRenewPayload,
} as const satisfies Record<(typeof CLIENT_EVENTS)[number], z.ZodType>;

export const SERVER_EVENT_SCHEMAS = {
  'message:new': Message,
  'message:updated': Message,
  'conversation:new': Conversation,
  presence: PresenceEvent,
  typing: TypingEvent,
  receipt: ReceiptEvent,
} as const satisfies Record<(typeof SERVER_EVENTS)[number], z.ZodType>;

/** The message a refused handshake's connect_error carries. */
export const UNAUTHORIZED = 'unauthorized';
