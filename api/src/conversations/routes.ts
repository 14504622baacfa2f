import type { RouteHandlers } from '../http/route-table';
import type { GroupsService } from './groups';
import type { ConversationsService } from './service';

export function conversationsRoutes(
  conversations: ConversationsService,
  groups: GroupsService,
): RouteHandlers<
  | 'createConversation'
  | 'listConversations'
  | 'getConversation'
  | 'updateConversation'
  | 'addMembers'
  | 'removeMember'
  | 'setMemberAdmin'
  | 'setNotifications'
> {
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
      body:
        (await conversations.listText(caller.userId, query)) ??
        (await conversations.list(caller.userId, query)),
    }),

    getConversation: async ({ params, caller }) => ({
      status: 200,
      body: await conversations.get(caller.userId, params.id),
    }),

    setNotifications: async ({ params, body, caller }) => {
      await conversations.setNotifications(caller.userId, params.id, body.level);
      return { status: 204 };
    },

    // ---- groups ----
    updateConversation: async ({ params, body, caller }) => ({
      status: 200,
      body: await groups.update(caller.userId, params.id, body),
    }),

    addMembers: async ({ params, body, caller }) => ({
      status: 200,
      body: await groups.addMembers(caller.userId, params.id, body.userIds),
    }),

    removeMember: async ({ params, caller }) => {
      await groups.removeMember(caller.userId, params.id, params.userId);
      return { status: 204 };
    },

    setMemberAdmin: async ({ params, body, caller }) => ({
      status: 200,
      body: await groups.setAdmin(caller.userId, params.id, params.userId, body.admin),
    }),
  };
}
