import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';
import { pino, type Logger } from 'pino';
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

/**
 * The logger for access-log lines: `logger` (its destination, level and format) without
 * the redaction. An access line's keys are the fixed ones `requestLogging` writes, none of
 * them a path in REDACT, so the redaction cannot censor anything there, yet it cloned and
 * walked every line for its wildcards: about 20 µs of a request's CPU (docs/BENCHMARKS.md).
 */
export function accessLogger(logger: Logger): Logger {
  return logger.child({}, { redact: [] });
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
 * One access-log line per request, written with the app's logger (its destination and
 * level; not its redaction, which could censor nothing there: see accessLogger) when the
 * response is done: method, path (never the query string), status,
 * response time, the route table's name, the client address (from TRUST_PROXY's proxies'
 * X-Forwarded-For, see client-address.ts) and the request id. A request id a proxy or
 * client sent as `X-Request-Id` is honoured when it is 1-128 characters of
 * A-Z a-z 0-9 . _ : - (so one id follows a request through the proxy's logs and ours);
 * otherwise one is made. Either way it is echoed as `X-Request-Id`, so error bodies stay
 * identical across requests. Headers and bodies are never logged.
 *
 * The line is the one pino-http wrote (same keys, same order), without what it did per
 * request to get there: three child loggers (each serialising its bindings through the
 * redaction), a request serialiser wrapper and three listeners: about 35 µs of CPU per
 * request (docs/BENCHMARKS.md, Levers).
 */
export function requestLogging(
  logger: Logger,
  clientAddressOf: (req: IncomingMessage) => string,
): Middleware<AppState> {
  const access = accessLogger(logger);
  return async (ctx, next) => {
    const started = Date.now();
    const { req, res } = ctx;
    const incoming = req.headers['x-request-id'];
    const reqId =
      typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', reqId);
    ctx.state.requestId = reqId;
    // Known once the router has run. The listener below must not hold `ctx`: that keeps
    // the whole answer (a list's 200 conversation views) alive until a slow client has read
    // the last byte, and the list measured more CPU per request that way than with none.
    let route: string | undefined;
    // 'close' comes once per response, after 'finish' or when the client went away first.
    res.once('close', () => {
      const status = res.statusCode;
      const line = {
        reqId,
        req: { method: req.method, path: pathOf(req.url) },
        clientAddress: clientAddressOf(req),
        ...(route === undefined ? {} : { route }),
        res: { status },
        // Server errors are logged with their stack by the error middleware; this line is
        // the access log's record of them.
        ...(status >= 500
          ? { err: { type: 'Error', message: `failed with status code ${status}` } }
          : {}),
        responseTime: Date.now() - started,
      };
      if (status >= 500) access.warn(line, 'request');
      else access.info(line, 'request');
    });
    try {
      await next();
    } finally {
      route = ctx.state.routeName;
    }
  };
}
