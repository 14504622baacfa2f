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
import { sessionCookies } from './auth/session-cookie';
import { SessionStatus } from './auth/session-status';
import { createAccessTokens, createRefreshTokens } from './auth/tokens';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import { Membership } from './conversations/membership';
import { conversationsRoutes } from './conversations/routes';
import { ConversationsService } from './conversations/service';
import { routesOf, type RouteInfo } from './docs/route-list';
import { docsRoutes } from './docs/routes';
import type { AppState } from './http/context';
import { errorMiddleware } from './http/errors';
import { createLogger, requestLogging } from './http/logging';
import { ReceiptsService } from './messages/receipts';
import { messagesRoutes } from './messages/routes';
import { createSendLimiter } from './messages/send-limiter';
import { MessagesService } from './messages/service';
import { messagingSocketFeature } from './messages/socket';
import { TypingService } from './messages/typing';
import { PresenceService } from './presence/service';
import { presenceSocketFeature } from './presence/socket';
import { InMemoryPresenceTracker, type PresenceTracker } from './presence/tracker';
import { createSocketNotifier } from './realtime/notifier';
import { createRealtime } from './realtime/server';
import type { ChatServer, SocketFeature } from './realtime/types';
import type { ScaleOut } from './scale/index';
import type { Store } from './store/types';
import { usersRoutes } from './users/routes';
import { UsersService } from './users/service';
import { webClient } from './web/static';

export interface AppDeps {
  config: Config;
  store: Store;
  logger?: Logger;
  clock?: Clock;
  /** Defaults to one instance's in-memory tracker. */
  presenceTracker?: PresenceTracker;
  /** Shorter timings for tests; the defaults are the contract's. */
  timings?: { presenceOfflineGraceMs?: number; typingExpiryMs?: number };
  /** The built web client to serve at `/`; defaults to desktop/dist/web. */
  webRoot?: string;
  /**
   * Several instances acting as one (REDIS_URL): adapter, presence, rate limits and
   * revocations shared through Redis. The caller starts it and closes it after `close`.
   */
  scaleOut?: ScaleOut;
}

export interface App {
  server: HttpServer;
  io: ChatServer;
  /** Built parts, for features that plug in and for tests. */
  services: AppServices;
  /** Every REST route served (method and OpenAPI path), for the docs and their test. */
  routes: readonly RouteInfo[];
  /** Resolves with the bound address; defaults to config.port / config.host. */
  listen(port?: number, host?: string): Promise<AddressInfo>;
  /** Stops accepting, disconnects sockets, ends keep-alive connections. The store stays open. */
  close(): Promise<void>;
}

export interface AppServices {
  auth: AuthService;
  users: UsersService;
  sessionStatus: SessionStatus;
  conversations: ConversationsService;
  messages: MessagesService;
  presence: PresenceService;
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
  const { config, store, scaleOut } = deps;
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger(config.logLevel);

  const sessionStatus = new SessionStatus(store.sessions);
  const passwords = createPasswordHasher(config.argon2, {
    concurrency: config.passwordHashConcurrency,
    maxWaiting: config.rateLimits ? PASSWORD_QUEUE_MAX : Number.POSITIVE_INFINITY,
  });
  const auth = new AuthService({
    store,
    passwords,
    accessTokens: createAccessTokens({
      secret: config.jwtSecret,
      ttlSeconds: config.accessTokenTtlSeconds,
      clock,
    }),
    refreshTokens: createRefreshTokens(config.jwtSecret),
    sessionStatus,
    loginThrottle: createLoginThrottle({
      enabled: config.rateLimits,
      shared: scaleOut?.limiterStore,
    }),
    clock,
    refreshTtlSeconds: config.refreshTokenTtlSeconds,
    logger,
  });
  // The http server exists before Koa's handler is composed (below), so the socket layer,
  // and the services that notify through it, can be built first.
  const server = createServer((req, res) => {
    // Koa answers its own errors; the promise only settles after the response.
    void handle(req, res);
  });
  const realtime = createRealtime({ httpServer: server, auth, sessionStatus, logger, clock });
  const notifier = createSocketNotifier(realtime.io);
  const membership = new Membership(store.conversations);
  const presence = new PresenceService({
    tracker: deps.presenceTracker ?? scaleOut?.presenceTracker ?? new InMemoryPresenceTracker(),
    store,
    notifier,
    clock,
    logger,
    offlineGraceMs: deps.timings?.presenceOfflineGraceMs,
  });
  const typing = new TypingService(membership, notifier, {
    expiryMs: deps.timings?.typingExpiryMs,
    relayClear: scaleOut?.relayTypingClear,
  });
  scaleOut?.attach({ io: realtime.io, sessionStatus, typing });
  const receipts = new ReceiptsService(store.receipts, membership, notifier);
  const conversations = new ConversationsService({ store, membership, notifier });
  const messages = new MessagesService({
    messages: store.messages,
    membership,
    limiter: createSendLimiter({ enabled: config.rateLimits, shared: scaleOut?.limiterStore }),
    notifier,
    typing,
  });
  const users = new UsersService(store.users, presence);
  realtime.use(presenceSocketFeature(presence));
  realtime.use(messagingSocketFeature({ messages, typing, receipts }));

  const koa = new Koa<AppState>();
  // Behind a proxy X-Forwarded-For would matter; this API binds to loopback by default.
  koa.proxy = false;

  const health = new Router<AppState>();
  health.get('/api/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  const routers = [
    health,
    docsRoutes(),
    authRoutes(auth),
    usersRoutes(auth, users),
    conversationsRoutes(auth, conversations),
    messagesRoutes(auth, messages, receipts),
  ];

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
    .use(sessionCookies({ maxAgeSeconds: config.refreshTokenTtlSeconds }));
  for (const router of routers) koa.use(router.routes());
  // Last: only what no API route answered reaches the web client.
  koa.use(webClient({ root: deps.webRoot }));

  const handle = koa.callback();

  return {
    server,
    io: realtime.io,
    services: {
      auth,
      users,
      sessionStatus,
      conversations,
      messages,
      presence,
      useSocketFeature: realtime.use,
    },
    routes: routesOf(routers),
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
      // Before sockets close: their users are handed to the other instances, which run
      // the offline grace while clients reconnect to them.
      await scaleOut?.detach().catch((err: unknown) => {
        logger.warn({ err }, 'could not hand presence to the other instances');
      });
      await realtime.close();
      typing.close();
      await presence.close();
      // Idle keep-alive connections would otherwise hold close() open for seconds.
      server.closeAllConnections();
      await closed;
      await passwords.close();
    },
  };
}
