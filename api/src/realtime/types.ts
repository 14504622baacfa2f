import type { DefaultEventsMap, Server, Socket } from 'socket.io';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type {
  CLIENT_EVENT_TABLE,
  ClientEvent,
  ClientEventAck,
  ClientToServerEvents,
  ServerToClientEvents,
} from '@chat/protocol';

/** Filled by the handshake middleware; every handler can rely on it. */
export interface SocketData {
  userId: string;
  sessionId: string;
  /** Access-token expiry, seconds since the epoch; `auth:renew` moves it. */
  tokenExp: number;
}

export type ChatServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  DefaultEventsMap,
  SocketData
>;
export type ChatSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  DefaultEventsMap,
  SocketData
>;

export type { ClientEvent };

/** The validated payload of a client event, as the protocol's event table outputs it. */
export type EventPayload<E extends ClientEvent> = z.output<
  (typeof CLIENT_EVENT_TABLE)[E]['payload']
>;

/** What a handler returns on success; the wrapper sends `{ ok: true, ...result }`. */
export type EventResult<E extends ClientEvent> = ClientEventAck<E>;

export type EventHandler<E extends ClientEvent> = (
  payload: EventPayload<E>,
  socket: ChatSocket,
) => Promise<EventResult<E>> | EventResult<E>;

export interface SocketHelpers {
  /**
   * Registers a client event handler. The payload is validated with the contract schema
   * first; the ack is always answered, with `{ ok: true, ...result }` or
   * `{ ok: false, error }` (ApiError thrown by the handler, `internal` for anything else).
   */
  on<E extends ClientEvent>(event: E, handler: EventHandler<E>): void;
  logger: Logger;
}

/**
 * A feature's socket side: called once per authenticated socket, after it joined
 * `user:<userId>` and `session:<sessionId>`. Register client events with `helpers.on`
 * and lifecycle hooks (`socket.on('disconnect')`) directly.
 */
export type SocketFeature = (socket: ChatSocket, helpers: SocketHelpers) => void;

export const userRoom = (userId: string): string => `user:${userId}`;
export const sessionRoom = (sessionId: string): string => `session:${sessionId}`;
