import Router from '@koa/router';
import { UserSearchQuery } from '@chat/protocol';
import { callerOf, requireAuth } from '../auth/middleware';
import type { AuthService } from '../auth/service';
import type { AppState } from '../http/context';
import { validate } from '../http/errors';
import type { UsersService } from './service';

export function usersRoutes(auth: AuthService, users: UsersService): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/api/users' });
  router.use(requireAuth(auth));

  router.get('/me', async (ctx) => {
    ctx.body = await users.me(callerOf(ctx).userId);
  });

  router.get('/', async (ctx) => {
    const query = validate(UserSearchQuery, ctx.query);
    ctx.body = { users: await users.search(callerOf(ctx).userId, query) };
  });

  router.get('/:id', async (ctx) => {
    ctx.body = await users.person(ctx.params.id ?? '');
  });

  return router;
}
