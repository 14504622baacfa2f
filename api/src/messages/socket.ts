import { ApiError } from '../http/errors';
import type { SocketFeature } from '../realtime/types';
import type { ReceiptsService } from './receipts';
import type { MessagesService } from './service';
import type { TypingService } from './typing';

/**
 * `typing` events one socket may send per second. A person types a few a second at most;
 * beyond this they are refused with `rate_limited` before any lookup (issue #14: 17,900 in
 * 3 s from one socket were each relayed to every member).
 */
export const TYPING_EVENTS_PER_SECOND = 10;

/** `message:send`, `typing`, `receipt` and the message lifecycle's `message:edit`,
 * `message:delete` and `reaction`: payloads arrive validated by the socket layer. */
export function messagingSocketFeature(deps: {
  messages: MessagesService;
  typing: TypingService;
  receipts: ReceiptsService;
  /** false with CHAT_RATE_LIMITS=off (benchmarks only), like every other rate limit. */
  limitTyping?: boolean;
}): SocketFeature {
  return (socket, helpers) => {
    // Read per event, never captured from the payload: a socket acts only as its own user.
    const userId = () => socket.data.userId;

    helpers.on(
      'message:send',
      async ({ conversationId, clientId, body, replyToSeq, attachmentIds }) => {
        const { message } = await deps.messages.send(
          userId(),
          conversationId,
          { clientId, body, replyToSeq, attachmentIds },
          { socketId: socket.id },
        );
        return { message };
      },
    );

    let typingWindowStart = 0;
    let typingInWindow = 0;
    helpers.on('typing', async ({ conversationId, typing }) => {
      const now = Date.now();
      if (now - typingWindowStart >= 1000) {
        typingWindowStart = now;
        typingInWindow = 0;
      }
      typingInWindow += 1;
      if (deps.limitTyping !== false && typingInWindow > TYPING_EVENTS_PER_SECOND) {
        throw new ApiError('rate_limited', 'Too many typing events.', undefined, 1);
      }
      await deps.typing.set(userId(), conversationId, typing, socket.id);
      return {};
    });

    helpers.on('receipt', async ({ conversationId, type, seq }) => {
      await deps.receipts.advance(userId(), conversationId, type, seq, socket.id);
      return {};
    });

    // ---- message lifecycle (version 2): the same service calls as the REST routes ----
    helpers.on('message:edit', async ({ conversationId, seq, body }) => ({
      message: await deps.messages.edit(userId(), conversationId, seq, body),
    }));

    helpers.on('message:delete', async ({ conversationId, seq }) => {
      await deps.messages.remove(userId(), conversationId, seq);
      return {};
    });

    helpers.on('reaction', async ({ conversationId, seq, emoji, on }) => {
      await deps.messages.react(userId(), conversationId, seq, emoji, on);
      return {};
    });

    socket.on('disconnect', () => deps.typing.socketClosed(socket.id));
  };
}
