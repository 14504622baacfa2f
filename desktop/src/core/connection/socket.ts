/**
 * The Socket.IO socket of a signed-in client, and the server → client events it carries,
 * each validated with the protocol's schema (`SERVER_EVENT_SCHEMAS`) before anything in
 * the core sees it: a payload that does not follow the contract is dropped.
 */
import { io } from 'socket.io-client';
import type { ManagerOptions, Socket, SocketOptions } from 'socket.io-client';
import { SERVER_EVENTS, SERVER_EVENT_SCHEMAS } from '@chat/protocol';
import type { ClientToServerEvents, ServerToClientEvents } from '@chat/protocol';
import type { z } from 'zod';

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type IoFactory = (
  url: string,
  options: Partial<ManagerOptions & SocketOptions>,
) => ChatSocket;

export const defaultIoFactory: IoFactory = (url, options) => io(url, options);

/** The longest wait between two reconnection attempts. */
export const RECONNECT_DELAY_MAX_MS = 3_000;

/** The options every connection uses; `auth` presents the freshest token on each (re)connect. */
export function socketOptions(
  auth: (cb: (data: object) => void) => void,
): Partial<ManagerOptions & SocketOptions> {
  return {
    autoConnect: false,
    // Several clients in one process (tests, account switch) must not share a Manager.
    forceNew: true,
    // WebSocket only: no long-polling, so several API instances need no sticky sessions.
    transports: ['websocket'],
    // Capped low: after an API restart queued messages waited out a backoff of 10-30 s
    // (issue #13). The jitter still spreads clients; a reconnect is one small handshake.
    reconnectionDelay: 500,
    reconnectionDelayMax: RECONNECT_DELAY_MAX_MS,
    randomizationFactor: 0.5,
    auth,
  };
}

export type ServerEventName = (typeof SERVER_EVENTS)[number];
export type ServerEventPayload<E extends ServerEventName> = z.output<
  (typeof SERVER_EVENT_SCHEMAS)[E]
>;
/** One handler per server → client event of the protocol; each gets a validated payload. */
export type ServerEventHandlers = {
  [E in ServerEventName]: (payload: ServerEventPayload<E>) => void;
};

/** The part of a socket this needs (a real socket, or a fake in tests). */
export interface EventSource {
  on(event: string, listener: (payload: unknown) => void): unknown;
}

/**
 * Subscribes `handlers` to every server → client event named by the protocol. A payload
 * that fails its schema never reaches a handler; `onInvalid` hears of it.
 */
export function listenToServer(
  socket: EventSource,
  handlers: ServerEventHandlers,
  onInvalid?: (event: ServerEventName) => void,
): void {
  for (const event of SERVER_EVENTS) {
    const schema = SERVER_EVENT_SCHEMAS[event];
    // Each handler's payload type comes from the same schema that validates it.
    const handler = handlers[event] as (payload: unknown) => void;
    socket.on(event, (raw) => {
      const parsed = schema.safeParse(raw);
      if (parsed.success) handler(parsed.data);
      else onInvalid?.(event);
    });
  }
}
