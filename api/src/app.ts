import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import helmet from 'koa-helmet';
import type { Logger } from 'pino';
import { LIMITS } from '@chat/protocol';
import { createLoginThrottle } from './auth/login-throttle';
import { createPasswordHasher } from './auth/passwords';
import { authRoutes } from './auth/routes';
import { AuthService } from './auth/service';
import { SessionStatus } from './auth/session-status';
import { createAccessTokens, createRefreshTokens } from './auth/tokens';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import type { AppState } from './http/context';
import { errorMiddleware } from './http/errors';
import { createLogger, requestLogging } from './http/logging';
import { createRealtime } from './realtime/server';
import type { ChatServer, SocketFeature } from './realtime/types';
import type { Store } from './store/types';
import { offlinePresence, type PresenceReader } from './users/presence';
import { usersRoutes } from './users/routes';
import { UsersService } from './users/service';
import { webClient } from './web/static';

export interface AppDeps {
  config: Config;
  store: Store;
  logger?: Logger;
  clock?: Clock;
  /** The built web client to serve at `/`; defaults to desktop/dist/web. */
  webRoot?: string;
}

export interface App {
  server: HttpServer;
  io: ChatServer;
  /** Built parts, for features that plug in and for tests. */
  services: AppServices;
  /** Resolves with the bound address; defaults to config.port / config.host. */
  listen(port?: number, host?: string): Promise<AddressInfo>;
  /** Stops accepting, disconnects sockets, ends keep-alive connections. The store stays open. */
  close(): Promise<void>;
}

export interface AppServices {
  auth: AuthService;
  users: UsersService;
  sessionStatus: SessionStatus;
  /** Socket features registered here apply to sockets that connect afterwards. */
  useSocketFeature(feature: SocketFeature): void;
}

/** Waiting hashes beyond this are refused with 429 rather than queued without bound. */
const PASSWORD_QUEUE_MAX = 256;

/**
 * Builds the whole API (REST + Socket.IO on one http.Server) from its dependencies,
 * without listening, so tests can start it on port 0 with a temporary database.
 */
export function createApp(deps: AppDeps): App {
  const { config, store } = deps;
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger(config.logLevel);

  const sessionStatus = new SessionStatus(store.sessions);
  const auth = new AuthService({
    store,
    passwords: createPasswordHasher(config.argon2, {
      concurrency: config.passwordHashConcurrency,
      maxWaiting: config.rateLimits ? PASSWORD_QUEUE_MAX : Number.POSITIVE_INFINITY,
    }),
    accessTokens: createAccessTokens({
      secret: config.jwtSecret,
      ttlSeconds: config.accessTokenTtlSeconds,
      clock,
    }),
    refreshTokens: createRefreshTokens(config.jwtSecret),
    sessionStatus,
    loginThrottle: createLoginThrottle({ enabled: config.rateLimits }),
    clock,
    refreshTtlSeconds: config.refreshTokenTtlSeconds,
    logger,
  });
  // Presence comes from the socket layer once it tracks connections.
  const presence: PresenceReader = offlinePresence;
  const users = new UsersService(store.users, presence);

  const koa = new Koa<AppState>();
  // Behind a proxy X-Forwarded-For would matter; this API binds to loopback by default.
  koa.proxy = false;

  const health = new Router<AppState>();
  health.get('/api/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  koa
    .use(requestLogging(logger))
    .use(errorMiddleware(logger))
    .use(helmet())
    .use(
      bodyParser({
        enableTypes: ['json'],
        jsonLimit: LIMITS.payloadBytesMax,
        // Only objects and arrays; the schemas then refuse anything but an object.
        jsonStrict: true,
      }),
    )
    .use(health.routes())
    .use(authRoutes(auth).routes())
    .use(usersRoutes(auth, users).routes())
    // Last: only what no API route answered reaches the web client.
    .use(webClient({ root: deps.webRoot }));

  const handle = koa.callback();
  const server = createServer((req, res) => {
    // Koa answers its own errors; the promise only settles after the response.
    void handle(req, res);
  });
  const realtime = createRealtime({ httpServer: server, auth, sessionStatus, logger, clock });

  return {
    server,
    io: realtime.io,
    services: { auth, users, sessionStatus, useSocketFeature: realtime.use },
    listen(port = config.port, host = config.host) {
      return new Promise<AddressInfo>((resolve, reject) => {
        const onError = (err: Error) => reject(err);
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    async close() {
      const closed = new Promise<void>((resolve) => {
        if (!server.listening) resolve();
        else server.once('close', () => resolve());
      });
      await realtime.close();
      // Idle keep-alive connections would otherwise hold close() open for seconds.
      server.closeAllConnections();
      await closed;
    },
  };
}
