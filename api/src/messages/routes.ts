import Router from '@koa/router';
import { HistoryQuery, MarkReadRequest, SendMessageRequest } from '@chat/protocol';
import { callerOf, requireAuth } from '../auth/middleware';
import type { AuthService } from '../auth/service';
import type { AppState } from '../http/context';
import { validate } from '../http/errors';
import type { ReceiptsService } from './receipts';
import type { MessagesService } from './service';

export function messagesRoutes(
  auth: AuthService,
  messages: MessagesService,
  receipts: ReceiptsService,
): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/api/conversations/:id' });
  router.use(requireAuth(auth));

  router.post('/messages', async (ctx) => {
    const input = validate(SendMessageRequest, ctx.request.body);
    const sent = await messages.send(callerOf(ctx).userId, ctx.params.id ?? '', input);
    ctx.status = sent.created ? 201 : 200;
    ctx.body = sent.message;
  });

  router.get('/messages', async (ctx) => {
    const range = validate(HistoryQuery, ctx.query);
    ctx.body = {
      messages: await messages.history(callerOf(ctx).userId, ctx.params.id ?? '', range),
    };
  });

  router.post('/read', async (ctx) => {
    const { seq } = validate(MarkReadRequest, ctx.request.body);
    await receipts.advance(callerOf(ctx).userId, ctx.params.id ?? '', 'read', seq);
    ctx.status = 204;
  });

  return router;
}
