import { STATUS_CODES, createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { bodyParser } from '@koa/bodyparser';
import Koa from 'koa';
import type { Logger } from 'pino';
import { LIMITS } from '@chat/protocol';
import { createLoginThrottle, createRegistrationLimit } from './auth/login-throttle';
import { createPasswordHasher } from './auth/passwords';
import { requireAuth } from './auth/middleware';
import { authRoutes } from './auth/routes';
import { AuthService } from './auth/service';
import { sessionCookies } from './auth/session-cookie';
import { SessionStatus } from './auth/session-status';
import { createAccessTokens, createRefreshTokens } from './auth/tokens';
import { systemClock, type Clock } from './clock';
import { vapidSettings, type Config } from './config';
import { createCreationLimiter } from './conversations/creation-limiter';
import { GroupsService } from './conversations/groups';
import { Membership } from './conversations/membership';
import { conversationsRoutes } from './conversations/routes';
import { ConversationsService } from './conversations/service';
import { ConversationListViews } from './conversations/list-views';
import { docsRoutes } from './docs/routes';
import { healthRoutes } from './health/routes';
import { clientAddressResolver } from './http/client-address';
import type { AppState } from './http/context';
import { errorMiddleware } from './http/errors';
import { securityHeaders } from './http/security-headers';
import { routeTableRouter, routesOf, type RouteInfo } from './http/route-table';
import { createLogger, requestLogging } from './http/logging';
import { ReceiptsService } from './messages/receipts';
import { messagesRoutes } from './messages/routes';
import {
  createChangeLimiter,
  createSendLimiter,
  createUploadLimiter,
} from './messages/send-limiter';
import { MessagesService } from './messages/service';
import {
  ApiMetrics,
  httpMetrics,
  instrumentMessageStore,
  metricsEndpoint,
} from './metrics/metrics';
import { messagingSocketFeature } from './messages/socket';
import { TypingService } from './messages/typing';
import { PresenceService } from './presence/service';
import { pushRoutes } from './push/routes';
import { createPushSender } from './push/sender';
import { PushService, type PushTimings } from './push/service';
import { presenceSocketFeature } from './presence/socket';
import { InMemoryPresenceTracker, type PresenceTracker } from './presence/tracker';
import { createSocketNotifier } from './realtime/notifier';
import { createRealtime } from './realtime/server';
import { userRoom, type ChatServer, type SocketFeature } from './realtime/types';
import type { ScaleOut } from './scale/index';
import { searchRoutes } from './search/routes';
import { SearchService } from './search/service';
import type { Store } from './store/types';
import { Blocks } from './users/blocks';
import { usersRoutes } from './users/routes';
import { UsersService } from './users/service';
import { webClient } from './web/static';
import { openBlobStorage, UploadService, type BlobStorage } from './uploads/index';
import { avatarRoutes, uploadsRoutes } from './uploads/routes';
import { Avatars } from './uploads/avatars';
import { localBlobStorage } from './uploads/storage';

export interface AppDeps {
  config: Config;
  store: Store;
  logger?: Logger;
  clock?: Clock;
  /** Defaults to one instance's in-memory tracker. */
  presenceTracker?: PresenceTracker;
  /** Shorter timings for tests; the defaults are the contract's. */
  timings?: {
    presenceOfflineGraceMs?: number;
    typingExpiryMs?: number;
    push?: Partial<PushTimings>;
  };
  /** The built web client to serve at `/`; defaults to desktop/dist/web. */
  webRoot?: string;
  /**
   * Several instances acting as one (REDIS_URL): adapter, presence, rate limits and
   * revocations shared through Redis. The caller starts it and closes it after `close`.
   */
  scaleOut?: ScaleOut;
  /** Where uploaded bytes go; defaults to what the configuration names (S3 or a folder). */
  blobs?: BlobStorage;
}

export interface App {
  server: HttpServer;
  io: ChatServer;
  /** Built parts, for features that plug in and for tests. */
  services: AppServices;
  /** Every REST route served (method and OpenAPI path), for the docs and their test. */
  routes: readonly RouteInfo[];
  /** The Prometheus metrics (served per METRICS_PORT / METRICS_TOKEN). */
  metrics: ApiMetrics;
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
  uploads: UploadService;
  push: PushService;
  /** Socket features registered here apply to sockets that connect afterwards. */
  useSocketFeature(feature: SocketFeature): void;
}

/** Waiting hashes beyond this are refused with 429 rather than queued without bound. */
const PASSWORD_QUEUE_MAX = 256;
/** One client address's share of that line: a flood from it is refused, not queued. */
const PASSWORD_QUEUE_PER_ADDRESS_MAX = 4;

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
    maxWaitingPerOwner: config.rateLimits
      ? PASSWORD_QUEUE_PER_ADDRESS_MAX
      : Number.POSITIVE_INFINITY,
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
    registrationLimit: createRegistrationLimit({
      perHour: config.registrationsPerAddressPerHour,
      shared: scaleOut?.limiterStore,
    }),
    clock,
    refreshTtlSeconds: config.refreshTokenTtlSeconds,
    sessionMaxAgeSeconds: config.sessionMaxAgeSeconds,
    refreshRetryGraceSeconds: config.refreshRetryGraceSeconds,
    logger,
  });
  // The http server exists before Koa's handler is composed (below), so the socket layer,
  // and the services that notify through it, can be built first.
  const server = createServer((req, res) => {
    // Koa answers its own errors; the promise only settles after the response.
    void handle(req, res);
  });
  const clientAddressOf = clientAddressResolver(config.trustProxy);
  const realtime = createRealtime({
    httpServer: server,
    auth,
    sessionStatus,
    logger,
    clock,
    clientAddressOf,
  });
  const metrics = new ApiMetrics({
    connectedSockets: () => realtime.io.of('/').sockets.size,
    passwordQueue: () => passwords.queue(),
    // Read at scrape time, once the push service below exists.
    pushQueue: () => push.busy,
    ...(scaleOut ? { redisErrors: () => scaleOut.redisErrors() } : {}),
    ...(store.searchThread ? { searchThread: store.searchThread } : {}),
  });
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
    blockedBy: (userId) => store.users.listBlocked(userId),
  });
  const blocks = new Blocks(store.users);
  scaleOut?.attach({ io: realtime.io, sessionStatus, typing, membership, blocks });
  const receipts = new ReceiptsService(store.receipts, membership, notifier);
  const conversations = new ConversationsService({
    store,
    membership,
    notifier,
    listViews: new ConversationListViews(),
    creationLimiter: createCreationLimiter({
      enabled: config.rateLimits,
      shared: scaleOut?.limiterStore,
    }),
  });
  const blobs: BlobStorage & { close?(): void } = deps.blobs ?? blobStorageFor(config, logger);
  const uploads = new UploadService({
    attachments: store.attachments,
    conversations: store.conversations,
    blobs,
    clock,
    maxBytes: config.uploadMaxBytes,
    logger,
  });
  const stopSweeper = uploads.startSweeper();
  const vapid = vapidSettings(config.vapid);
  if (vapid.source === 'generated-file') {
    logger.info('generated a VAPID key pair for Web Push and stored it beside the database file');
  }
  const pushSender = createPushSender({
    vapid: vapid.settings,
    allowPrivate: config.pushAllowPrivateEndpoints,
  });
  const push = new PushService({
    push: store.push,
    users: store.users,
    conversations: store.conversations,
    sender: pushSender,
    publicKey: vapid.settings.publicKey,
    endpointPolicy: { allowPrivate: config.pushAllowPrivateEndpoints },
    // Asks every instance (through the Redis adapter when scaled out) which of these users
    // have a socket; should that fail, presence is the next best answer.
    connectedAmong: async (userIds) => {
      try {
        const sockets = await realtime.io.in(userIds.map(userRoom)).fetchSockets();
        return new Set(sockets.map((socket) => socket.data.userId));
      } catch {
        return new Set(userIds.filter((id) => presence.isOnline(id)));
      }
    },
    // In a group a blocked person's messages still reach the blocker, but never as a push.
    isBlocked: (recipientId, senderId) => blocks.isBlocked(recipientId, senderId),
    logger,
    timings: deps.timings?.push,
    relaySubscribed: scaleOut?.relayPushSubscribed,
  });
  scaleOut?.onPushSubscribed((userId) => push.forgetSubscriber(userId));
  const avatars = new Avatars({
    attachments: store.attachments,
    users: store.users,
    conversations: store.conversations,
    uploads,
  });
  const messages = new MessagesService({
    messages: instrumentMessageStore(store.messages, metrics),
    announcer: conversations,
    membership,
    limiter: createSendLimiter({ enabled: config.rateLimits, shared: scaleOut?.limiterStore }),
    changeLimiter: createChangeLimiter({
      enabled: config.rateLimits,
      shared: scaleOut?.limiterStore,
    }),
    notifier,
    typing,
    users: {
      findByIds: (ids) => store.users.findByIds(ids),
      isBlocked: (blockerId, blockedId) => blocks.isBlocked(blockerId, blockedId),
    },
    conversations: store.conversations,
    attachments: store.attachments,
    uploads,
    logger,
    pushes: push,
  });
  const groups = new GroupsService({
    store,
    membership,
    notifier,
    messages,
    relayMembership: scaleOut?.relayMembership,
    avatars,
  });
  const users = new UsersService(
    store.users,
    presence,
    { peerIds: (userId) => store.conversations.peerIds(userId), notifier, avatars },
    async (blockerId) => {
      blocks.forget(blockerId);
      await scaleOut?.relayBlocks(blockerId);
    },
  );
  realtime.use(presenceSocketFeature(presence));
  realtime.use(
    messagingSocketFeature({ messages, typing, receipts, limitTyping: config.rateLimits }),
  );

  const koa = new Koa<AppState>();
  // Koa would believe any X-Forwarded-For; the client address comes from
  // clientAddressOf instead, which believes it only from a proxy named in TRUST_PROXY.
  koa.proxy = false;

  // Every REST route of the protocol's table, each answered by its feature's handler.
  const router = routeTableRouter(
    {
      ...healthRoutes({
        pingStore: () => store.ping(),
        pingRedis: scaleOut ? () => scaleOut.ping() : undefined,
        searchThread: store.searchThread ?? null,
      }),
      ...docsRoutes(),
      ...authRoutes(auth),
      ...usersRoutes(users, auth),
      ...conversationsRoutes(conversations, groups),
      ...avatarRoutes(avatars),
      ...messagesRoutes(messages, receipts),
      ...searchRoutes(
        new SearchService({
          messages: store.messages,
          membership,
          attachments: store.attachments,
        }),
      ),
      ...uploadsRoutes(
        uploads,
        createUploadLimiter({ enabled: config.rateLimits, shared: scaleOut?.limiterStore }),
      ),
      ...pushRoutes(push),
    },
    requireAuth(auth),
  );

  // DELETE too: deleting the account carries the password (`DELETE /api/users/me`),
  // `DELETE /api/push/subscriptions` names the endpoint.
  const bodyMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
  const parseJson = bodyParser({
    enableTypes: ['json'],
    jsonLimit: LIMITS.payloadBytesMax,
    // Only objects and arrays; the schemas then refuse anything but an object.
    jsonStrict: true,
    parsedMethods: [...bodyMethods],
  });
  // Reads (most requests) skip the parser altogether.
  const jsonBodies: Koa.Middleware<AppState> = (ctx, next) =>
    bodyMethods.has(ctx.method) ? parseJson(ctx, next) : next();

  koa
    .use(requestLogging(logger, clientAddressOf))
    .use(httpMetrics(metrics))
    .use(errorMiddleware(logger))
    .use(async (ctx, next) => {
      ctx.state.clientAddress = clientAddressOf(ctx.req);
      await next();
    })
    .use(securityHeaders())
    .use(async (ctx, next) => {
      // Tokens must not be kept by a browser's or a proxy's cache (routes match any case).
      if (ctx.path.toLowerCase().startsWith('/api/auth/')) ctx.set('Cache-Control', 'no-store');
      await next();
    })
    .use(jsonBodies)
    .use(sessionCookies({ maxAgeSeconds: config.refreshTokenTtlSeconds }));
  koa.use(metricsEndpoint(metrics, config.metricsToken));
  koa.use(router.routes());
  // Last: only what no API route answered reaches the web client.
  koa.use(webClient({ root: deps.webRoot }));

  // What fails after the response began: a client that hung up is routine (one debug
  // line); anything else is one error line. Koa's default would print a raw stack trace.
  koa.on('error', (err: unknown, ctx?: { path?: string }) => {
    if (clientWentAway(err)) {
      logger.debug({ path: ctx?.path, code: errorCode(err) }, 'client went away mid-response');
      return;
    }
    logger.error({ err, path: ctx?.path }, 'request failed after the response began');
  });
  const handle = koa.callback();
  // Requests Node itself refuses (malformed, headers over its limit) get the contract's
  // error body too, not a bare status line.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const message =
      status === 431 ? 'The request headers are too large.' : 'The request is not valid HTTP.';
    const body = JSON.stringify({ error: { code: 'invalid_request', message } });
    socket.end(
      [
        `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
        'Content-Type: application/json; charset=utf-8',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'X-Content-Type-Options: nosniff',
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
    );
  });

  return {
    server,
    io: realtime.io,
    metrics,
    services: {
      auth,
      users,
      sessionStatus,
      conversations,
      messages,
      presence,
      uploads,
      push,
      useSocketFeature: realtime.use,
    },
    routes: routesOf([router]),
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
      push.close();
      pushSender.close();
      await realtime.close();
      typing.close();
      await presence.close();
      // Idle keep-alive connections would otherwise hold close() open for seconds.
      server.closeAllConnections();
      await closed;
      await passwords.close();
      // After the server: uploads still being compressed have had their answer.
      await uploads.images.close();
      stopSweeper();
      if (!deps.blobs) blobs.close?.();
    },
  };
}

const CLIENT_GONE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function clientWentAway(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && CLIENT_GONE.has(code);
}

/**
 * The configured storage; without S3_BUCKET or UPLOAD_DIR (MongoDB alone has no folder of
 * its own) a folder in the OS temp directory, which the OS may empty: said at start.
 */
function blobStorageFor(config: Config, logger: Logger): BlobStorage & { close?(): void } {
  if (config.s3 || config.uploadDir !== null) return openBlobStorage(config);
  const dir = join(tmpdir(), `chat-uploads-${process.pid}`);
  logger.warn(
    { dir },
    'neither S3_BUCKET nor UPLOAD_DIR is set: uploads are kept in a temporary folder',
  );
  return localBlobStorage(dir);
}
