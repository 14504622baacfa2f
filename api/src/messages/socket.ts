import type { SocketFeature } from '../realtime/types';
import type { ReceiptsService } from './receipts';
import type { MessagesService } from './service';
import type { TypingService } from './typing';

/** `message:send`, `typing` and `receipt`: payloads arrive validated by the socket layer. */
export function messagingSocketFeature(deps: {
  messages: MessagesService;
  typing: TypingService;
  receipts: ReceiptsService;
}): SocketFeature {
  return (socket, helpers) => {
    // Read per event, never captured from the payload: a socket acts only as its own user.
    const userId = () => socket.data.userId;

    helpers.on('message:send', async ({ conversationId, clientId, body, replyToSeq }) => {
      const { message } = await deps.messages.send(
        userId(),
        conversationId,
        { clientId, body, replyToSeq },
        { socketId: socket.id },
      );
      return { message };
    });

    helpers.on('typing', async ({ conversationId, typing }) => {
      await deps.typing.set(userId(), conversationId, typing, socket.id);
      return {};
    });

    helpers.on('receipt', async ({ conversationId, type, seq }) => {
      await deps.receipts.advance(userId(), conversationId, type, seq);
      return {};
    });

    socket.on('disconnect', () => deps.typing.socketClosed(socket.id));
  };
}
