/**
 * Client → server events and their acknowledgements: every emit waits for the server's
 * `Ack`, with a timeout; a disconnect fails it at once instead of waiting out the timeout,
 * and a refusal becomes a `ClientError` with the contract's code.
 */
import { ApiError, ERROR_STATUS } from '@chat/protocol';
import type { ClientToServerEvents } from '@chat/protocol';
import type { Clock } from '../clock';
import { ClientError, clientError } from '../errors';
import type { ChatSocket } from './socket';

export interface AckShape {
  ok: boolean;
  error?: unknown;
  message?: unknown;
}

export type ClientEventName = keyof ClientToServerEvents;
export type ClientEventPayload<E extends ClientEventName> = Parameters<ClientToServerEvents[E]>[0];

/** Emits on the live socket (or fails with `network` when there is none). */
export type Emit = <E extends ClientEventName>(
  event: E,
  payload: ClientEventPayload<E>,
) => Promise<AckShape>;

export function emitWithAck<E extends ClientEventName>(
  socket: ChatSocket | null,
  clock: Clock,
  timeoutMs: number,
  event: E,
  payload: ClientEventPayload<E>,
): Promise<AckShape> {
  if (!socket?.connected) {
    return Promise.reject(clientError('network', 'Not connected to the server.'));
  }
  return new Promise<AckShape>((resolve, reject) => {
    let settled = false;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      clock.clearTimeout(timer);
      socket.off('disconnect', onDisconnect);
      settle();
    };
    const onDisconnect = () =>
      finish(() =>
        reject(clientError('network', 'The connection dropped before the server answered.')),
      );
    const timer = clock.setTimeout(
      () => finish(() => reject(clientError('timeout', 'The server did not acknowledge in time.'))),
      timeoutMs,
    );
    socket.on('disconnect', onDisconnect);
    // The typed emit cannot be called with a generic event name; the payload type is
    // still checked by this function's signature.
    const loose = socket as unknown as {
      emit(event: string, payload: unknown, ack: (response: unknown) => void): void;
    };
    loose.emit(event, payload, (response) =>
      finish(() => {
        const ack = toAck(response);
        if (ack.ok) resolve(ack);
        else reject(ackError(ack.error));
      }),
    );
  });
}

function toAck(response: unknown): AckShape {
  if (typeof response === 'object' && response !== null && 'ok' in response) {
    return response as AckShape;
  }
  return {
    ok: false,
    error: { code: 'internal', message: 'The server answered in an unexpected format.' },
  };
}

function ackError(error: unknown): ClientError {
  const parsed = ApiError.safeParse(error);
  if (!parsed.success) return clientError('bad_response', 'The server refused without a reason.');
  return new ClientError(parsed.data, ERROR_STATUS[parsed.data.code]);
}
