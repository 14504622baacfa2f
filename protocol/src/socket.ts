import { z } from 'zod';
import { ApiError as ApiErrorSchema, type ApiError } from './errors';
import { Conversation, Id, Message, Person, ReceiptType, Timestamp } from './models';
import {
  MessageBody,
  MessageSeq,
  ReactionEmoji,
  SentMessageFields,
  Seq,
  withAttachmentRule,
} from './rest';

// ---- client -> server payloads ------------------------------------------

export const MessageSendPayload = withAttachmentRule(
  z.object({
    conversationId: Id,
    ...SentMessageFields,
    /** (version 2) The seq of the message this one answers, in the same conversation. */
    replyToSeq: MessageSeq.optional(),
  }),
);
export type MessageSendPayload = z.input<typeof MessageSendPayload>;

// Version 2 message lifecycle.
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

/** (version 2) A removed or leaving member's sockets hear nothing more of the conversation. */
export const ConversationRemovedEvent = z.object({ conversationId: Id });
export type ConversationRemovedEvent = z.infer<typeof ConversationRemovedEvent>;

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

// ---- client -> server events, declared once --------------------------------

export interface ClientEventSpec {
  /** Validated at the server's edge before any handler runs. */
  readonly payload: z.ZodType;
  /** What `{ ok: true, ... }` carries besides `ok`. */
  readonly ack: z.ZodObject;
}

/**
 * Every client -> server event: its payload and what its success ack carries. The API
 * validates payloads with these schemas; the typed event maps and the lists below are
 * derived from this table, so a new event is one entry here and one handler.
 */
export const CLIENT_EVENT_TABLE = {
  'message:send': { payload: MessageSendPayload, ack: z.object({ message: Message }) },
  typing: { payload: TypingPayload, ack: z.object({}) },
  receipt: { payload: ReceiptPayload, ack: z.object({}) },
  'auth:renew': { payload: AuthRenewPayload, ack: z.object({}) },
  // ---- message lifecycle (version 2) ----
  'message:edit': { payload: MessageEditPayload, ack: z.object({ message: Message }) },
  reaction: { payload: ReactionPayload, ack: z.object({}) },
  'message:delete': { payload: MessageDeletePayload, ack: z.object({}) },
} as const satisfies Record<string, ClientEventSpec>;

export type ClientEvent = keyof typeof CLIENT_EVENT_TABLE;
/** A payload as a client sends it (`z.input`). */
export type ClientEventPayload<E extends ClientEvent> = z.input<
  (typeof CLIENT_EVENT_TABLE)[E]['payload']
>;
/** What a success ack carries besides `ok`. */
export type ClientEventAck<E extends ClientEvent> = z.output<(typeof CLIENT_EVENT_TABLE)[E]['ack']>;

/** The whole ack of `event`, success or error, for a client to validate what it gets back. */
export function clientEventAckSchema(event: ClientEvent) {
  return z.union([
    CLIENT_EVENT_TABLE[event].ack.extend({ ok: z.literal(true) }),
    z.object({ ok: z.literal(false), error: ApiErrorSchema }),
  ]);
}

// ---- server -> client events, declared once --------------------------------

export const SERVER_EVENT_SCHEMAS = {
  'message:new': Message,
  'message:updated': Message,
  'conversation:new': Conversation,
  'conversation:updated': Conversation,
  'conversation:removed': ConversationRemovedEvent,
  presence: PresenceEvent,
  'user:updated': Person,
  typing: TypingEvent,
  receipt: ReceiptEvent,
} as const satisfies Record<string, z.ZodType>;

export type ServerEvent = keyof typeof SERVER_EVENT_SCHEMAS;

// ---- derived: typed event maps (socket.io generics) and lists ----------------

export type ClientToServerEvents = {
  [E in ClientEvent]: (payload: ClientEventPayload<E>, ack: AckCallback<ClientEventAck<E>>) => void;
};

export type ServerToClientEvents = {
  [E in ServerEvent]: (payload: z.output<(typeof SERVER_EVENT_SCHEMAS)[E]>) => void;
};

/** The name of every client -> server event, for iterating (validation, fuzzing, docs). */
export const CLIENT_EVENTS = Object.keys(CLIENT_EVENT_TABLE) as readonly ClientEvent[];
export const SERVER_EVENTS = Object.keys(SERVER_EVENT_SCHEMAS) as readonly ServerEvent[];

/** Each client event's payload schema (the payload column of `CLIENT_EVENT_TABLE`). */
export const CLIENT_EVENT_SCHEMAS = Object.fromEntries(
  CLIENT_EVENTS.map((event) => [event, CLIENT_EVENT_TABLE[event].payload]),
) as { readonly [E in ClientEvent]: (typeof CLIENT_EVENT_TABLE)[E]['payload'] };

/** The message a refused handshake's connect_error carries. */
export const UNAUTHORIZED = 'unauthorized';
