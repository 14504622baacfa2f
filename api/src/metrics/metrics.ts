import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Middleware } from 'koa';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AppState } from '../http/context';
import { searchCheck } from '../health/routes';
import { ApiError } from '../http/errors';
import type { SearchThreadStats } from '../store/types';

/** Where the gauges read their values at scrape time. */
export interface MetricsSources {
  /** Sockets connected to this instance. */
  connectedSockets: () => number;
  /** The password-hashing line (every login and registration passes through it). */
  passwordQueue: () => { waiting: number; running: number };
  /** Web Push notifications waiting, being considered or being sent. */
  pushQueue?: () => number;
  /** Error events per Redis connection; absent without Redis. */
  redisErrors?: () => Readonly<Record<string, number>>;
  /** The store's search index thread; absent where the store has none (see Store). */
  searchThread?: SearchThreadStats;
}

/**
 * The API's Prometheus metrics, in a registry of their own (several apps share a process
 * in tests). Names follow Prometheus conventions: seconds, `_total` for counters.
 */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly messagesStored: Counter;
  readonly storeSeconds: Histogram<'operation' | 'outcome'>;
  readonly httpSeconds: Histogram<'route' | 'method' | 'status'>;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    // Process metrics, among them nodejs_eventloop_lag_seconds and its percentiles.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
    this.messagesStored = new Counter({
      name: 'chat_messages_stored_total',
      help: 'Messages stored (a retried send that was already stored is not counted again).',
      registers,
    });
    this.storeSeconds = new Histogram({
      name: 'chat_message_store_seconds',
      help: 'Latency of message store operations, by operation and outcome (ok or error).',
      labelNames: ['operation', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.httpSeconds = new Histogram({
      name: 'chat_http_request_duration_seconds',
      help: 'REST latency by route-table name (not the raw path), method and status.',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    new Gauge({
      name: 'chat_connected_sockets',
      help: 'Socket.IO connections on this instance.',
      registers,
      collect() {
        this.set(sources.connectedSockets());
      },
    });
    new Gauge({
      name: 'chat_password_hash_queue',
      help: 'Password hashes (logins, registrations, password changes) waiting for a thread.',
      registers,
      collect() {
        this.set(sources.passwordQueue().waiting);
      },
    });
    new Gauge({
      name: 'chat_password_hash_running',
      help: 'Password hashes running now.',
      registers,
      collect() {
        this.set(sources.passwordQueue().running);
      },
    });
    const pushQueue = sources.pushQueue;
    if (pushQueue) {
      new Gauge({
        name: 'chat_push_queue',
        help: 'Web Push notifications waiting (coalescing or retrying) or being sent.',
        registers,
        collect() {
          this.set(pushQueue());
        },
      });
    }
    const redisErrors = sources.redisErrors;
    if (redisErrors) {
      const seen = new Map<string, number>();
      new Counter({
        name: 'chat_redis_errors_total',
        help: 'Errors on the Redis connections (adapter-pub and adapter-sub carry the Socket.IO adapter).',
        labelNames: ['connection'],
        registers,
        collect() {
          for (const [connection, count] of Object.entries(redisErrors())) {
            const delta = count - (seen.get(connection) ?? 0);
            seen.set(connection, count);
            // Always touched, so every connection shows up with 0 before its first error.
            this.inc({ connection }, Math.max(0, delta));
          }
        },
      });
    }
    const search = sources.searchThread;
    if (search) searchThreadMetrics(search, registers);
  }

  /** The exposition text, and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/**
 * The search index's thread: down or rebuilding as a gauge (searches answer 503 while it is
 * 1, without the instance being unready), failures and rebuilds as counters.
 */
function searchThreadMetrics(thread: SearchThreadStats, registers: Registry[]): void {
  new Gauge({
    name: 'chat_search_index_degraded',
    help: 'Whether search is unavailable now: its index thread is restarting (1) or rebuilding a damaged index (1).',
    registers,
    collect() {
      // As readiness reports it, so the two never disagree.
      this.set(searchCheck(thread).status === 'degraded' ? 1 : 0);
    },
  });
  const counted = (name: string, help: string, count: () => number) => {
    let seen = 0;
    new Counter({
      name,
      help,
      registers,
      collect() {
        const now = count();
        this.inc(Math.max(0, now - seen));
        seen = now;
      },
    });
  };
  counted(
    'chat_search_index_failures_total',
    'Failures of the search index thread (each is restarted after a pause).',
    () => thread.failures,
  );
  counted(
    'chat_search_index_rebuilds_total',
    'Times the search index was rebuilt from the messages after its file was found damaged and moved aside (by this process or another on the same file).',
    () => thread.rebuilds,
  );
}

/**
 * The same store, with every promise-returning method timed into `chat_message_store_seconds`
 * and each newly created message counted.
 */
export function instrumentMessageStore<T extends object>(store: T, metrics: ApiMetrics): T {
  return new Proxy(store, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        const result = Reflect.apply(method, target, args);
        if (!(result instanceof Promise)) return result;
        const end = metrics.storeSeconds.startTimer({ operation: key });
        return result.then(
          (settled: unknown) => {
            end({ outcome: 'ok' });
            if (key === 'append' && isCreated(settled)) metrics.messagesStored.inc();
            return settled;
          },
          (err: unknown) => {
            end({ outcome: 'error' });
            throw err;
          },
        );
      };
    },
  });
}

function isCreated(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && 'created' in value && value.created === true
  );
}

/** Times each request under its route-table name; first in the chain but for the logger. */
export function httpMetrics(metrics: ApiMetrics): Middleware<AppState> {
  return async (ctx, next) => {
    const end = metrics.httpSeconds.startTimer();
    try {
      await next();
    } finally {
      const route =
        ctx.state.routeName ??
        (ctx.path === '/api' || ctx.path.startsWith('/api/') ? 'unmatched' : 'web');
      // Errors are answered by the error middleware, further in: the status is final here.
      end({ route, method: ctx.method, status: String(ctx.status) });
    }
  };
}

function sameToken(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function bearer(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1] ?? null;
}

/**
 * `/metrics` on the API's own port, only with METRICS_TOKEN (as `Authorization: Bearer`).
 * Without a token, and for any other path under `/metrics`, the answer is the API's JSON
 * 404: never the web client's page.
 */
export function metricsEndpoint(metrics: ApiMetrics, token: string | null): Middleware<AppState> {
  return async (ctx, next) => {
    if (ctx.path !== '/metrics' && !ctx.path.startsWith('/metrics/')) {
      await next();
      return;
    }
    if (token === null || ctx.path !== '/metrics') throw new ApiError('not_found');
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw new ApiError('not_found');
    const given = bearer(ctx.get('authorization') || undefined);
    if (given === null || !sameToken(given, token)) {
      ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
      throw new ApiError('unauthorized', 'The metrics token is missing or wrong.');
    }
    const { contentType, body } = await metrics.scrape();
    ctx.set('Cache-Control', 'no-store');
    ctx.type = contentType;
    ctx.body = body;
  };
}

export interface MetricsServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/**
 * `/metrics` on a port of its own (METRICS_PORT), for a scraper on a private network;
 * METRICS_TOKEN, when set, is required there too. Everything else is a plain 404.
 */
export async function startMetricsServer(options: {
  metrics: ApiMetrics;
  port: number;
  host: string;
  token: string | null;
}): Promise<MetricsServer> {
  const { metrics, token } = options;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    if (token !== null) {
      const given = bearer(req.headers.authorization);
      if (given === null || !sameToken(given, token)) {
        res
          .writeHead(401, {
            'content-type': 'text/plain; charset=utf-8',
            'www-authenticate': 'Bearer realm="metrics"',
          })
          .end('Unauthorized\n');
        return;
      }
    }
    metrics.scrape().then(
      ({ contentType, body }) => {
        res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      () => {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Error\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
