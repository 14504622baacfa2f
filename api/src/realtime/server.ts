import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { Server } from 'socket.io';
import type { Logger } from 'pino';
import { LIMITS, UNAUTHORIZED } from '@chat/protocol';
import type { AuthService } from '../auth/service';
import type { SessionStatus } from '../auth/session-status';
import type { Clock } from '../clock';
import type { ClientAddressOf } from '../http/client-address';
import { ApiError, toApiError } from '../http/errors';
import { createSocketHelpers } from './handlers';
import {
  sessionRoom,
  userRoom,
  type ChatServer,
  type ChatSocket,
  type SocketFeature,
} from './types';

export interface RealtimeDeps {
  httpServer: HttpServer;
  auth: AuthService;
  sessionStatus: SessionStatus;
  logger: Logger;
  clock: Clock;
  /** Where a request comes from (the peer, or a trusted proxy's X-Forwarded-For). */
  clientAddressOf: ClientAddressOf;
}

/**
 * Sockets one session may hold open on one instance (tabs, windows, reconnects in flight).
 * Beyond it a handshake is refused with `rate_limited`, so one stolen or scripted token
 * cannot pin thousands of sockets, each holding memory and a share of every broadcast.
 */
export const SOCKETS_PER_SESSION_MAX = 20;

interface EngineRequest {
  _query?: Record<string, string | undefined>;
}

export interface Realtime {
  io: ChatServer;
  /** Adds a feature for sockets that connect from now on (register features before listen). */
  use: (feature: SocketFeature) => void;
  close: () => Promise<void>;
}

/**
 * The Socket.IO side of the API: handshake authentication, per-socket token expiry,
 * `auth:renew`, disconnecting revoked sessions, and the ack discipline every client
 * event follows. Features add their events through `use`.
 */
export function createRealtime(deps: RealtimeDeps): Realtime {
  const { auth, sessionStatus, logger, clock, clientAddressOf } = deps;
  const io: ChatServer = new Server(deps.httpServer, {
    maxHttpBufferSize: LIMITS.payloadBytesMax,
    perMessageDeflate: false,
    serveClient: false,
  });
  // engine.io keeps each connection's IncomingMessage (raw headers, parser state) for the
  // socket's whole life. Nothing reads it after the upgrade: the token arrives in the
  // CONNECT packet's auth. Dropping it is Socket.IO's documented memory trick (bench: idle
  // RSS per socket 24.8 -> 19.8 KiB with 3,000 sockets).
  io.engine.on(
    'connection',
    (rawSocket: { id: string; request: unknown; once(event: 'close', fn: () => void): void }) => {
      boundAddress.set(rawSocket.id, clientAddressOf(rawSocket.request as IncomingMessage));
      rawSocket.once('close', () => boundAddress.delete(rawSocket.id));
      rawSocket.request = null;
    },
  );
  // A polling client's engine.io session id travels in every request URL (so in any
  // proxy's access log), and on its own it would let anyone post packets as that user or
  // upgrade to a WebSocket and read their messages. Each session is bound to the address
  // of its handshake: a later poll or upgrade from another address is refused (400).
  // Behind a proxy the address comes from X-Forwarded-For when TRUST_PROXY trusts the
  // peer; the nginx of the scale deployment keeps a client on one instance by address
  // (ip_hash), so its polls and upgrade arrive where the binding is. See docs/realtime.md.
  const boundAddress = new Map<string, string>();
  io.engine.use(
    (req: IncomingMessage & EngineRequest, _res: unknown, next: (err?: Error) => void) => {
      const sid = req._query?.sid;
      const bound = sid === undefined ? undefined : boundAddress.get(sid);
      if (bound !== undefined && bound !== clientAddressOf(req)) {
        next(new Error('engine.io session used from another address'));
        return;
      }
      next();
    },
  );
  // Polling replies are text/plain or octet-stream chosen by engine.io; never let a browser
  // sniff them into something else.
  io.engine.on('headers', (headers: Record<string, string>) => {
    headers['X-Content-Type-Options'] = 'nosniff';
  });
  const socketsPerSession = new Map<string, number>();
  const features: SocketFeature[] = [];
  const expiryTimers = new WeakMap<ChatSocket, NodeJS.Timeout>();

  io.use((socket, next) => {
    const token: unknown = (socket.handshake.auth as Record<string, unknown> | undefined)?.token;
    if (typeof token !== 'string' || token === '' || token.length > 4096) {
      next(new Error(UNAUTHORIZED));
      return;
    }
    auth.authenticate(token).then(
      (claims) => {
        const open = socketsPerSession.get(claims.sessionId) ?? 0;
        if (open >= SOCKETS_PER_SESSION_MAX) {
          next(new Error('rate_limited'));
          return;
        }
        socketsPerSession.set(claims.sessionId, open + 1);
        // The engine connection's close covers a socket that never reaches 'connection'
        // (its client left during the token check) as well as one that did.
        let counted = true;
        const release = () => {
          if (!counted) return;
          counted = false;
          const left = (socketsPerSession.get(claims.sessionId) ?? 1) - 1;
          if (left <= 0) socketsPerSession.delete(claims.sessionId);
          else socketsPerSession.set(claims.sessionId, left);
        };
        socket.conn.once('close', release);
        socket.once('disconnect', release);
        socket.data = { userId: claims.userId, sessionId: claims.sessionId, tokenExp: claims.exp };
        next();
      },
      (err: unknown) => {
        const { error, known } = toApiError(err);
        if (!known) logger.error({ err }, 'socket handshake failed');
        next(new Error(error.code === 'unauthorized' ? UNAUTHORIZED : error.code));
      },
    );
  });

  const scheduleExpiry = (socket: ChatSocket) => {
    clearTimeout(expiryTimers.get(socket));
    const delay = Math.max(0, socket.data.tokenExp * 1000 - clock());
    const timer = setTimeout(() => {
      socket.disconnect(true);
    }, delay);
    // An idle test or shutdown should not wait for a token to run out.
    timer.unref();
    expiryTimers.set(socket, timer);
  };

  const coreFeature: SocketFeature = (socket, helpers) => {
    helpers.on('auth:renew', async ({ token }) => {
      const claims = await auth.authenticate(token);
      if (claims.sessionId !== socket.data.sessionId || claims.userId !== socket.data.userId) {
        throw new ApiError('unauthorized', 'The token belongs to another session.');
      }
      socket.data.tokenExp = claims.exp;
      scheduleExpiry(socket);
      return {};
    });
  };

  io.on('connection', (socket) => {
    const { userId, sessionId } = socket.data;
    void socket.join([userRoom(userId), sessionRoom(sessionId)]);
    // A session's "last active" moves on a connect, not on every request (no write each).
    void auth.touch(sessionId);
    scheduleExpiry(socket);
    socket.on('disconnect', () => clearTimeout(expiryTimers.get(socket)));
    const helpers = createSocketHelpers(socket, logger);
    try {
      for (const feature of [coreFeature, ...features]) feature(socket, helpers);
    } catch (err) {
      // A feature that cannot set itself up would leave the socket half-working.
      logger.error({ err }, 'socket feature setup failed');
      socket.disconnect(true);
      return;
    }
    // A logout that landed between the handshake check and the room join would have
    // missed this socket; the status is cached, so this costs no database read.
    void sessionStatus.isLive(sessionId).then(
      (live) => {
        if (!live) socket.disconnect(true);
      },
      (err: unknown) => logger.error({ err }, 'session re-check failed'),
    );
  });

  const stopListening = sessionStatus.onRevoked((sessionId, origin) => {
    // A local revocation reaches every instance through the adapter; one heard from
    // another instance only needs this instance's sockets.
    const target =
      origin === 'local' ? io.in(sessionRoom(sessionId)) : io.local.in(sessionRoom(sessionId));
    target.disconnectSockets(true);
  });

  return {
    io,
    use: (feature) => features.push(feature),
    close: async () => {
      stopListening();
      // Disconnects every socket, closes the adapter and engine, then calls close() on
      // the http server; the app waits for that server to finish closing.
      await io.close();
    },
  };
}
