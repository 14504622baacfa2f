import type { RouteHandlers } from '../http/route-table';
import { sessionClient, type AuthService } from './service';

export function authRoutes(
  auth: AuthService,
): RouteHandlers<
  'register' | 'login' | 'refresh' | 'logout' | 'changePassword' | 'listSessions' | 'revokeSession'
> {
  return {
    register: async ({ body, ctx }) => ({
      status: 201,
      body: await auth.register(
        body,
        ctx.state.clientAddress,
        sessionClient(ctx.get('user-agent') || undefined),
      ),
    }),

    login: async ({ body, ctx }) => ({
      status: 200,
      body: await auth.login(
        body,
        ctx.state.clientAddress,
        sessionClient(ctx.get('user-agent') || undefined),
      ),
    }),

    refresh: async ({ body }) => ({ status: 200, body: await auth.refresh(body.refreshToken) }),

    logout: async ({ caller }) => {
      await auth.logout(caller.sessionId);
      return { status: 204 };
    },

    changePassword: async ({ body, caller, ctx }) => {
      await auth.changePassword(caller, body, ctx.state.clientAddress);
      return { status: 204 };
    },

    listSessions: async ({ caller }) => ({
      status: 200,
      body: { sessions: await auth.sessions(caller) },
    }),

    revokeSession: async ({ params, caller }) => {
      await auth.revokeOwnSession(caller, params.id);
      return { status: 204 };
    },
  };
}
