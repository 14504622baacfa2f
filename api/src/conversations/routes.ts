import type { RouteHandlers } from '../http/route-table';
import type { ConversationsService } from './service';

export function conversationsRoutes(
  conversations: ConversationsService,
): RouteHandlers<'createConversation' | 'listConversations' | 'getConversation'> {
  return {
    createConversation: async ({ body, caller }) => {
      if (body.type === 'direct') {
        const { conversation, created } = await conversations.openDirect(
          caller.userId,
          body.userId,
        );
        return { status: created ? 201 : 200, body: conversation };
      }
      return { status: 201, body: await conversations.createGroup(caller.userId, body) };
    },

    listConversations: async ({ query, caller }) => ({
      status: 200,
      body: await conversations.list(caller.userId, query),
    }),

    getConversation: async ({ params, caller }) => ({
      status: 200,
      body: await conversations.get(caller.userId, params.id),
    }),
  };
}
