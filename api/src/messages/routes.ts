import type { RouteReply } from '@chat/protocol';
import { JsonText } from '../http/json-text';
import type { RouteHandlers } from '../http/route-table';
import type { ReceiptsService } from './receipts';
import type { MessagesService } from './service';

export function messagesRoutes(
  messages: MessagesService,
  receipts: ReceiptsService,
): RouteHandlers<
  | 'sendMessage'
  | 'listMessages'
  | 'markRead'
  | 'editMessage'
  | 'deleteMessage'
  | 'addReaction'
  | 'removeReaction'
> {
  return {
    sendMessage: async ({ params, body, caller }) => {
      const sent = await messages.send(caller.userId, params.id, body);
      return { status: sent.created ? 201 : 200, body: sent.message };
    },

    listMessages: async ({ params, query, caller }) => ({
      status: 200,
      body: new JsonText<RouteReply<'listMessages'>['body']>(
        await messages.historyJson(caller.userId, params.id, query),
      ),
    }),

    markRead: async ({ params, body, caller }) => {
      await receipts.advance(caller.userId, params.id, 'read', body.seq);
      return { status: 204 };
    },

    // ---- message lifecycle (version 2) ----
    editMessage: async ({ params, body, caller }) => ({
      status: 200,
      body: await messages.edit(caller.userId, params.id, params.seq, body.body),
    }),

    deleteMessage: async ({ params, caller }) => {
      await messages.remove(caller.userId, params.id, params.seq);
      return { status: 204 };
    },

    addReaction: async ({ params, caller }) => {
      await messages.react(caller.userId, params.id, params.seq, params.emoji, true);
      return { status: 204 };
    },

    removeReaction: async ({ params, caller }) => {
      await messages.react(caller.userId, params.id, params.seq, params.emoji, false);
      return { status: 204 };
    },
  };
}
