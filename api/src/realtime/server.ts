import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { Logger } from 'pino';
import { LIMITS, UNAUTHORIZED } from '@chat/protocol';
import type { AuthService } from '../auth/service';
import type { SessionStatus } from '../auth/session-status';
import type { Clock } from '../clock';
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
  const { auth, sessionStatus, logger, clock } = deps;
  const io: ChatServer = new Server(deps.httpServer, {
    maxHttpBufferSize: LIMITS.payloadBytesMax,
    perMessageDeflate: false,
    serveClient: false,
  });
  // engine.io keeps each connection's IncomingMessage (raw headers, parser state) for the
  // socket's whole life. Nothing reads it after the upgrade: the token arrives in the
  // CONNECT packet's auth. Dropping it is Socket.IO's documented memory trick (bench: idle
  // RSS per socket 24.8 -> 19.8 KiB with 3,000 sockets).
  io.engine.on('connection', (rawSocket: { request: unknown }) => {
    rawSocket.request = null;
  });
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
