import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import helmet from 'helmet';
import type { Middleware } from 'koa';

/**
 * Helmet's default headers (CSP, HSTS, X-Frame-Options...), worked out once at start:
 * with the default options they never depend on the request, and running Helmet's dozen
 * middlewares behind a promise on every request cost a few percent of a REST read.
 * Routes that need other values (the web client's CSP, downloads) still set their own
 * afterwards, as they did after Helmet. (Helmet also removes X-Powered-By, which neither
 * Node nor Koa sets.)
 */
export function securityHeaders(): Middleware {
  const response = new ServerResponse(new IncomingMessage(new Socket()));
  const state = { finished: false };
  helmet()(response.req, response, (err?: unknown) => {
    if (err !== undefined) throw err instanceof Error ? err : new Error('helmet failed');
    state.finished = true;
  });
  const headers = Object.entries(response.getHeaders()).flatMap(([name, value]) =>
    value === undefined ? [] : [[name, value] as const],
  );
  // Should a Helmet version ever work asynchronously, fail at start rather than go without.
  if (!state.finished || headers.length === 0) {
    throw new Error('helmet did not set its headers synchronously');
  }
  return (ctx, next) => {
    for (const [name, value] of headers) ctx.res.setHeader(name, value);
    return next();
  };
}
