import type { ServerToClientEvents } from '@chat/protocol';
import { userRoom, type ChatServer } from './types';

export type ServerEvent = keyof ServerToClientEvents;
export type ServerEventPayload<E extends ServerEvent> = Parameters<ServerToClientEvents[E]>[0];

/**
 * How services tell people about something without knowing about sockets. Addressed by
 * user, so every session and device of a user is reached; with the Redis adapter the
 * same call reaches sockets on every API instance.
 */
export interface Notifier {
  toUsers<E extends ServerEvent>(
    userIds: Iterable<string>,
    event: E,
    payload: ServerEventPayload<E>,
    options?: { exceptSocketId?: string | undefined },
  ): void;
}

/** Emits through the `user:<id>` rooms every authenticated socket joins. */
export function createSocketNotifier(io: ChatServer): Notifier {
  return {
    toUsers<E extends ServerEvent>(
      userIds: Iterable<string>,
      event: E,
      payload: ServerEventPayload<E>,
      options: { exceptSocketId?: string | undefined } = {},
    ) {
      const rooms = [...userIds].map(userRoom);
      if (rooms.length === 0) return;
      let target = io.to(rooms);
      // Every socket is in a room named by its id, so this works across instances too.
      if (options.exceptSocketId !== undefined) target = target.except(options.exceptSocketId);
      // Socket.IO's emit cannot relate a generic event name to its payload type; the
      // Notifier signature above already ties them together.
      (target.emit as (event: ServerEvent, payload: ServerEventPayload<E>) => boolean)(
        event,
        payload,
      );
    },
  };
}
