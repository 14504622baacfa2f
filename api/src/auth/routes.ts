import type { RouteHandlers } from '../http/route-table';
import type { AuthService } from './service';

export function authRoutes(
  auth: AuthService,
): RouteHandlers<'register' | 'login' | 'refresh' | 'logout'> {
  return {
    register: async ({ body, ctx }) => ({
      status: 201,
      body: await auth.register(body, ctx.state.clientAddress),
    }),

    login: async ({ body, ctx }) => ({
      status: 200,
      body: await auth.login(body, ctx.state.clientAddress),
    }),

    refresh: async ({ body }) => ({ status: 200, body: await auth.refresh(body.refreshToken) }),

    logout: async ({ caller }) => {
      await auth.logout(caller.sessionId);
      return { status: 204 };
    },
  };
}
