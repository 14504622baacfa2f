import type Router from '@koa/router';

export interface RouteInfo {
  /** Upper-case HTTP method. */
  method: string;
  /** OpenAPI spelling: `/api/conversations/{id}`. */
  path: string;
}

/**
 * Every route the routers answer, read from the routers themselves so the OpenAPI test
 * compares the document with what is really served. HEAD (added by the router for every
 * GET) and router-wide middleware (no methods) are left out.
 */
export function routesOf(routers: readonly Router[]): RouteInfo[] {
  const routes: RouteInfo[] = [];
  for (const router of routers) {
    for (const layer of router.stack) {
      // Every route here is declared with a string path; a RegExp one would have no
      // OpenAPI spelling and shows up as a mismatch in the docs test.
      const path = typeof layer.path === 'string' ? layer.path : String(layer.path);
      for (const method of layer.methods) {
        if (method === 'HEAD') continue;
        routes.push({ method, path: path.replace(/:([A-Za-z0-9_]+)/g, '{$1}') });
      }
    }
  }
  return routes;
}
