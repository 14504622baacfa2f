import type { RouteHandlers } from '../http/route-table';
import type { UsersService } from './service';

export function usersRoutes(
  users: UsersService,
): RouteHandlers<'me' | 'updateMe' | 'searchUsers' | 'getUser'> {
  return {
    updateMe: async ({ body, caller }) => ({
      status: 200,
      body: await users.update(caller.userId, body),
    }),

    me: async ({ caller }) => ({ status: 200, body: await users.me(caller.userId) }),

    searchUsers: async ({ query, caller }) => ({
      status: 200,
      body: { users: await users.search(caller.userId, query) },
    }),

    getUser: async ({ params }) => ({ status: 200, body: await users.person(params.id) }),
  };
}
