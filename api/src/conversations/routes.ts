import Router from '@koa/router';
import { ConversationListQuery, CreateConversationRequest } from '@chat/protocol';
import { callerOf, requireAuth } from '../auth/middleware';
import type { AuthService } from '../auth/service';
import type { AppState } from '../http/context';
import { validate } from '../http/errors';
import type { ConversationsService } from './service';

export function conversationsRoutes(
  auth: AuthService,
  conversations: ConversationsService,
): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/api/conversations' });
  router.use(requireAuth(auth));

  router.post('/', async (ctx) => {
    const input = validate(CreateConversationRequest, ctx.request.body);
    const callerId = callerOf(ctx).userId;
    if (input.type === 'direct') {
      const { conversation, created } = await conversations.openDirect(callerId, input.userId);
      ctx.status = created ? 201 : 200;
      ctx.body = conversation;
    } else {
      ctx.status = 201;
      ctx.body = await conversations.createGroup(callerId, input);
    }
  });

  router.get('/', async (ctx) => {
    const query = validate(ConversationListQuery, ctx.query);
    ctx.body = await conversations.list(callerOf(ctx).userId, query);
  });

  router.get('/:id', async (ctx) => {
    ctx.body = await conversations.get(callerOf(ctx).userId, ctx.params.id ?? '');
  });

  return router;
}
