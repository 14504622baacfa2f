import type { Logger } from 'pino';
import { CLIENT_EVENT_TABLE, parse, type Ack } from '@chat/protocol';
import { toApiError } from '../http/errors';
import type { ChatSocket, ClientEvent, EventHandler, SocketHelpers } from './types';

type RawListener = (...args: unknown[]) => void;

/**
 * Runs one client event: validates the payload with the contract schema, calls the
 * handler, and turns the outcome into the ack. Never throws.
 */
export async function answerClientEvent<E extends ClientEvent>(
  socket: ChatSocket,
  event: E,
  handler: EventHandler<E>,
  payload: unknown,
  logger: Logger,
): Promise<Ack> {
  try {
    const parsed = parse(CLIENT_EVENT_TABLE[event].payload, payload);
    if (!parsed.ok) return { ok: false, error: parsed.error };
    const result = await handler(parsed.value as Parameters<EventHandler<E>>[0], socket);
    return { ...result, ok: true };
  } catch (err) {
    const { error, known } = toApiError(err);
    if (!known) logger.error({ err, event, userId: socket.data.userId }, 'socket event failed');
    return { ok: false, error: error.toBody() };
  }
}

/** The helpers a SocketFeature gets for one socket. */
export function createSocketHelpers(socket: ChatSocket, logger: Logger): SocketHelpers {
  const registered = new Set<ClientEvent>();
  return {
    logger,
    on: (event, handler) => {
      // Two handlers would race to answer one ack; that is a wiring bug, caught loudly.
      if (registered.has(event)) throw new Error(`socket event ${event} registered twice`);
      registered.add(event);
      const listener: RawListener = (...args) => {
        // Clients may omit the ack or the payload; neither may crash or hang the server.
        const last = args.at(-1);
        const ack = typeof last === 'function' ? (last as (response: Ack) => void) : undefined;
        const payload = ack && args.length === 1 ? undefined : args[0];
        void answerClientEvent(socket, event, handler, payload, logger).then((response) =>
          ack?.(response),
        );
      };
      (socket.on as (event: string, listener: RawListener) => unknown).call(
        socket,
        event,
        listener,
      );
    },
  };
}
