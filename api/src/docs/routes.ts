import type { RouteHandlers } from '../http/route-table';
import { openApiDocument } from './openapi';

export function docsRoutes(): RouteHandlers<'openapi'> {
  return { openapi: () => ({ status: 200, body: openApiDocument() }) };
}
