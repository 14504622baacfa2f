import Router from '@koa/router';
import { LoginRequest, RefreshRequest, RegisterRequest } from '@chat/protocol';
import type { AppState } from '../http/context';
import { validate } from '../http/errors';
import { callerOf, requireAuth } from './middleware';
import type { AuthService } from './service';

export function authRoutes(auth: AuthService): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/api/auth' });

  // Tokens must not be kept by a browser's or a proxy's cache.
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  router.post('/register', async (ctx) => {
    const input = validate(RegisterRequest, ctx.request.body);
    ctx.status = 201;
    ctx.body = await auth.register(input, ctx.state.clientAddress);
  });

  router.post('/login', async (ctx) => {
    ctx.body = await auth.login(validate(LoginRequest, ctx.request.body), ctx.state.clientAddress);
  });

  router.post('/refresh', async (ctx) => {
    const { refreshToken } = validate(RefreshRequest, ctx.request.body);
    ctx.body = await auth.refresh(refreshToken);
  });

  router.post('/logout', requireAuth(auth), async (ctx) => {
    await auth.logout(callerOf(ctx).sessionId);
    ctx.status = 204;
  });

  return router;
}
