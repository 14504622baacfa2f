import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';
import { pino, type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { LogLevel } from '../config';
import type { AppState } from './context';

/**
 * Secrets never reach the log, whoever logs what: request bodies are not logged at all,
 * and these paths are censored if an object holding them is.
 */
const REDACT = [
  'authorization',
  'cookie',
  'password',
  'token',
  'accessToken',
  'refreshToken',
  'jwtSecret',
  '*.authorization',
  '*.cookie',
  '*.password',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.jwtSecret',
  '*.headers.authorization',
  '*.headers.cookie',
];

export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  const options = { level, redact: { paths: REDACT, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}

/** An incoming `X-Request-Id` is kept when it is this tame; otherwise a new id is made. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The path without the query string: search terms are what people typed. */
function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const query = raw.indexOf('?');
  return query === -1 ? raw : raw.slice(0, query);
}

/**
 * One log line per request through pino-http: method, path (never the query string),
 * status, response time, the route table's name, the client address (from TRUST_PROXY's
 * proxies' X-Forwarded-For, see client-address.ts) and the request id. A request id a
 * proxy or client sent as `X-Request-Id` is honoured when it is 1-128 characters of
 * A-Z a-z 0-9 . _ : - (so one id follows a request through the proxy's logs and ours);
 * otherwise one is made. Either way it is echoed as `X-Request-Id`, so error bodies stay
 * identical across requests. Headers and bodies are never logged.
 */
export function requestLogging(
  logger: Logger,
  clientAddressOf: (req: IncomingMessage) => string,
): Middleware<AppState> {
  const routes = new WeakMap<IncomingMessage, string>();
  const httpLogger = pinoHttp({
    logger,
    quietReqLogger: true,
    genReqId: (req, res) => {
      const incoming = req.headers['x-request-id'];
      const id =
        typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    serializers: {
      req: (req: { method?: string; url?: string }) => ({
        method: req.method,
        path: pathOf(req.url),
      }),
      res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
    },
    // Server errors are logged with their stack by the error middleware; this line is
    // the access log's record of them.
    customLogLevel: (_req, res, err) =>
      err !== undefined || res.statusCode >= 500 ? 'warn' : 'info',
    customSuccessMessage: () => 'request',
    customErrorMessage: () => 'request',
    // Asked twice by pino-http: for the request's child logger when it starts, and again
    // for the line written when it ends. Only the second gets them, or each key would be
    // written twice on that line (and the route is known only at the end anyway).
    customProps: (req, res) => {
      if (!res.writableFinished) return {};
      const route = routes.get(req);
      return route === undefined
        ? { clientAddress: clientAddressOf(req) }
        : { clientAddress: clientAddressOf(req), route };
    },
  });
  return async (ctx, next) => {
    httpLogger(ctx.req, ctx.res);
    // genReqId above always makes a string.
    ctx.state.requestId = typeof ctx.req.id === 'string' ? ctx.req.id : '';
    try {
      await next();
    } finally {
      if (ctx.state.routeName !== undefined) routes.set(ctx.req, ctx.state.routeName);
    }
  };
}
