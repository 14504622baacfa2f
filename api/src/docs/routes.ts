import Router from '@koa/router';
import type { AppState } from '../http/context';
import { openApiDocument } from './openapi';

export function docsRoutes(): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/api/openapi.json', (ctx) => {
    ctx.body = openApiDocument();
  });
  return router;
}
