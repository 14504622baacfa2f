import type { RouteHandlers } from '../http/route-table';
import type { ReceiptsService } from './receipts';
import type { MessagesService } from './service';

export function messagesRoutes(
  messages: MessagesService,
  receipts: ReceiptsService,
): RouteHandlers<'sendMessage' | 'listMessages' | 'markRead'> {
  return {
    sendMessage: async ({ params, body, caller }) => {
      const sent = await messages.send(caller.userId, params.id, body);
      return { status: sent.created ? 201 : 200, body: sent.message };
    },

    listMessages: async ({ params, query, caller }) => ({
      status: 200,
      body: { messages: await messages.history(caller.userId, params.id, query) },
    }),

    markRead: async ({ params, body, caller }) => {
      await receipts.advance(caller.userId, params.id, 'read', body.seq);
      return { status: 204 };
    },
  };
}
