import type { Readable } from 'node:stream';
import Router from '@koa/router';
import type { Middleware } from 'koa';
import {
  ROUTE_NAMES,
  ROUTES,
  openApiPath,
  type RouteBody,
  type RouteName,
  type RouteParams,
  type RouteQuery,
  type RouteReply,
  type BinaryReply,
  type RouteSpec,
  type Routes,
} from '@chat/protocol';
import type { AccessClaims } from '../auth/tokens';
import type { AppContext, AppState } from './context';
import { validate } from './errors';
import { JsonText } from './json-text';

/** What a handler gets: the request as the route table's schemas output it. */
export interface RouteRequest<N extends RouteName> {
  params: RouteParams<N>;
  query: RouteQuery<N>;
  body: RouteBody<N>;
  /** The authenticated caller, on routes the table marks `auth`. */
  caller: Routes[N]['auth'] extends true ? AccessClaims : undefined;
  /** For what the table does not describe: request headers, a Range, response headers. */
  ctx: AppContext;
}

/** The body of a `binary` answer. */
export type BinaryBody = Buffer | Uint8Array | Readable;

/**
 * A ranged download asked for bytes past the end: `416`, with the headers the handler set
 * on `ctx` (`Content-Range`). Allowed only on routes whose table entry honours ranges.
 */
export interface RangeNotSatisfiable {
  status: 416;
}

/** Routes answering bytes; the router allows 416 only where the table says `ranges`. */
type HonoursRanges<N extends RouteName> = true extends {
  [S in keyof Routes[N]['responses']]: Routes[N]['responses'][S] extends BinaryReply ? true : false;
}[keyof Routes[N]['responses']]
  ? true
  : false;

/** A JSON answer may also be given as its text (`JsonText`); bytes stay bytes. */
type OrText<R> = R extends { status: infer S; body: infer B }
  ? [B] extends [BinaryBody]
    ? R
    : { status: S; body: B | JsonText<B> }
  : R;

/** `{ status, body }` for one of the statuses the table declares for the route. */
export type RouteResult<N extends RouteName> =
  | OrText<RouteReply<N, 'input', BinaryBody>>
  | (HonoursRanges<N> extends true ? RangeNotSatisfiable : never);

export type RouteHandler<N extends RouteName> = (
  request: RouteRequest<N>,
) => Promise<RouteResult<N>> | RouteResult<N>;

/** Handlers for some routes of the table, keyed by route name; the app joins them all. */
export type RouteHandlers<N extends RouteName = RouteName> = { readonly [K in N]: RouteHandler<K> };

/**
 * One router for the whole table. For each route, in order: the caller is authenticated
 * (when the table says so), params, query and body are validated with the table's schemas
 * (the contract's 400/413 bodies), the handler runs, and its answer is checked against the
 * statuses the table declares.
 */
export function routeTableRouter(
  handlers: RouteHandlers,
  requireAuth: Middleware<AppState>,
): Router<AppState> {
  // `specificity`: of the routes matching a path, the one with the fewest parameters
  // answers, so `/api/users/me` wins over `/api/users/:id` whatever the table's order.
  const router = new Router<AppState>({ exclusive: 'specificity' });
  for (const name of ROUTE_NAMES) {
    const spec: RouteSpec = ROUTES[name];
    // A multipart body is never parsed here: its handler streams the file parts from
    // `ctx.req` itself (uploads go to disk as they arrive, see api/src/uploads), so only
    // routes without text fields can be multipart for now.
    const multipart = spec.body?.kind === 'multipart';
    if (multipart && !spec.body.fields.safeParse({}).success) {
      throw new Error(`route ${name}: multipart text fields are not parsed yet`);
    }
    const bodySchema = spec.body?.kind === 'json' ? spec.body.schema : undefined;
    const ranged = Object.values(spec.responses).some(
      (reply) => reply.kind === 'binary' && reply.ranges,
    );
    // The types make a missing handler a compile error; a cast could still hide one.
    if (typeof (handlers[name] as unknown) !== 'function') {
      throw new Error(`route ${name} has no handler`);
    }
    const handler = handlers[name] as unknown as (
      request: RouteRequest<RouteName>,
    ) => Promise<{ status: number; body?: unknown }> | { status: number; body?: unknown };
    const answer: Middleware<AppState> = async (ctx) => {
      const request = {
        params: spec.params ? validate(spec.params, ctx.params) : {},
        query: spec.query ? validate(spec.query, ctx.query) : {},
        body: multipart ? {} : bodySchema ? validate(bodySchema, ctx.request.body) : undefined,
        caller: ctx.state.auth,
        ctx,
      } as RouteRequest<RouteName>;
      const reply = await handler(request);
      if (reply.status === 416 && ranged) {
        ctx.status = 416;
        ctx.body = '';
        return;
      }
      const declared = spec.responses[reply.status as keyof RouteSpec['responses']];
      // Types rule this out; a cast somewhere could still slip past them.
      if (declared === undefined) {
        throw new Error(`route ${name} answered ${reply.status}, which the table does not declare`);
      }
      ctx.status = reply.status;
      if (declared.kind === 'json' && reply.body instanceof JsonText) {
        ctx.body = reply.body.body;
        // A string would go out as text (or html): it is the JSON Koa writes for an object.
        ctx.type = 'json';
      } else if (declared.kind !== 'empty') ctx.body = reply.body;
      // Koa would otherwise write the status text ("Created") as a body.
      else if (reply.status !== 204) ctx.body = '';
    };
    // First in the route's chain, so a request refused by requireAuth is still named.
    const named: Middleware<AppState> = (ctx, next) => {
      ctx.state.routeName = name;
      return next();
    };
    router.register(
      spec.path,
      [spec.method],
      spec.auth ? [named, requireAuth, answer] : [named, answer],
      { name },
    );
  }
  return router;
}

export interface RouteInfo {
  /** Upper-case HTTP method. */
  method: string;
  /** OpenAPI spelling: `/api/conversations/{id}`. */
  path: string;
}

/**
 * Every route the routers answer, read from the routers themselves so tests compare the
 * table (and the document generated from it) with what is really served. HEAD (added by
 * the router for every GET) and router-wide middleware (no methods) are left out.
 */
export function routesOf(routers: readonly Router[]): RouteInfo[] {
  const routes: RouteInfo[] = [];
  for (const router of routers) {
    for (const layer of router.stack) {
      // A RegExp path has no OpenAPI spelling and shows up as a mismatch in the tests.
      const path = typeof layer.path === 'string' ? layer.path : String(layer.path);
      for (const method of layer.methods) {
        if (method === 'HEAD') continue;
        routes.push({ method, path: openApiPath(path) });
      }
    }
  }
  return routes;
}

/** Routes served but not in the table, and table routes nobody serves, as `METHOD path`. */
export function compareWithTable(served: readonly RouteInfo[]): {
  undeclared: string[];
  unserved: string[];
} {
  const key = (route: RouteInfo) => `${route.method} ${route.path}`;
  const declared = new Set(
    ROUTE_NAMES.map((name) =>
      key({ method: ROUTES[name].method, path: openApiPath(ROUTES[name].path) }),
    ),
  );
  const servedKeys = new Set(served.map(key));
  return {
    undeclared: [...servedKeys].filter((route) => !declared.has(route)).sort(),
    unserved: [...declared].filter((route) => !servedKeys.has(route)).sort(),
  };
}
