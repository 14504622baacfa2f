import type { AuthService } from '../auth/service';
import type { RouteHandlers } from '../http/route-table';
import type { UsersService } from './service';

export function usersRoutes(
  users: UsersService,
  auth: AuthService,
): RouteHandlers<
  | 'me'
  | 'updateMe'
  | 'deleteMe'
  | 'searchUsers'
  | 'getUser'
  | 'listBlocked'
  | 'blockUser'
  | 'unblockUser'
> {
  return {
    updateMe: async ({ body, caller }) => ({
      status: 200,
      body: await users.update(caller.userId, body),
    }),

    deleteMe: async ({ body, caller, ctx }) => {
      const deleted = await auth.deleteAccount(caller, body.password, ctx.state.clientAddress);
      await users.eraseAvatar(caller.userId);
      // Everyone who shares a conversation sees "Deleted account" from now on.
      if (deleted) await users.announce(deleted);
      return { status: 204 };
    },

    me: async ({ caller }) => ({ status: 200, body: await users.me(caller.userId) }),

    searchUsers: async ({ query, caller }) => ({
      status: 200,
      body: { users: await users.search(caller.userId, query) },
    }),

    getUser: async ({ params, caller }) => ({
      status: 200,
      body: await users.person(params.id, caller.userId),
    }),

    listBlocked: async ({ caller }) => ({
      status: 200,
      body: { users: await users.blocked(caller.userId) },
    }),

    blockUser: async ({ params, caller }) => {
      await users.block(caller.userId, params.id);
      return { status: 204 };
    },

    unblockUser: async ({ params, caller }) => {
      await users.unblock(caller.userId, params.id);
      return { status: 204 };
    },
  };
}
