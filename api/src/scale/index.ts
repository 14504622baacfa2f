import { randomUUID } from 'node:crypto';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { SessionStatus } from '../auth/session-status';
import type { Membership } from '../conversations/membership';
import type { Blocks } from '../users/blocks';
import type { TypingService } from '../messages/typing';
import type { ChatServer } from '../realtime/types';
import { RedisPresenceTracker } from './presence-tracker';
import type { SharedLimiterStore } from './rate-limits';
import { connectRedis } from './redis';

export interface ScaleOutOptions {
  redisUrl: string;
  /** Prefix of every key and channel (REDIS_PREFIX). */
  prefix: string;
  presenceHeartbeatTtlMs: number;
  logger: Logger;
}

/**
 * Everything that makes several API instances behind one address act as one, on Redis:
 * the Socket.IO adapter (events reach sockets on every instance), shared presence, shared
 * rate-limit counters, session revocations heard everywhere, and typing cleared wherever
 * the typist's socket lives. Without REDIS_URL none of this exists and the API runs alone.
 */
export interface ScaleOut {
  readonly instanceId: string;
  readonly presenceTracker: RedisPresenceTracker;
  readonly limiterStore: SharedLimiterStore;
  /** For TypingService: a send on this instance ends typing held by another one. */
  readonly relayTypingClear: (conversationId: string, userId: string) => void;
  /**
   * For GroupsService: tells the other instances a conversation's members changed and
   * resolves once each has forgotten its copy (or after RELAY_TIMEOUT_MS).
   */
  readonly relayMembership: (conversationId: string) => Promise<void>;
  /**
   * For UsersService: tells the other instances whom `blockerId` blocks changed and
   * resolves once each has forgotten its copy (or after the same timeout).
   */
  readonly relayBlocks: (blockerId: string) => Promise<void>;
  /** For PushService: tells the other instances that a user subscribed to pushes. */
  readonly relayPushSubscribed: (userId: string) => void;
  /** Calls `listener` when another instance relays a push subscription. */
  onPushSubscribed(listener: (userId: string) => void): void;
  /** Wires the app's parts in; call once, before the server listens. */
  attach(parts: {
    io: ChatServer;
    sessionStatus: SessionStatus;
    typing: TypingService;
    membership?: Membership;
    blocks?: Blocks;
  }): void;
  /** Error events so far per Redis connection (command, subscriber, adapter pub/sub), for metrics. */
  redisErrors(): Readonly<Record<string, number>>;
  /** Resolves when Redis answers a PING on the command connection (readiness checks). */
  ping(): Promise<void>;
  /** Hands this instance's users to the others; call before sockets are closed. */
  detach(): Promise<void>;
  /** Closes the Redis connections; call after the app has closed. */
  close(): Promise<void>;
}

const TYPING_CLEAR = 'typing:clear';
const MEMBERSHIP_CHANGED = 'membership:changed';
const BLOCKS_CHANGED = 'blocks:changed';
const PUSH_SUBSCRIBED = 'push:subscribed';
/**
 * How long a membership or block change waits for the other instances to drop their copy. A live
 * instance answers within milliseconds; one that crashed would otherwise hold every
 * change until the adapter notices it is gone.
 */
const RELAY_TIMEOUT_MS = 2_000;

/** Connects to Redis and registers this instance. Rejects if Redis cannot be reached at start. */
export async function startScaleOut(options: ScaleOutOptions): Promise<ScaleOut> {
  const { prefix, logger } = options;
  const instanceId = randomUUID();
  const log = logger.child({ instanceId });
  const command = connectRedis(options.redisUrl, 'chat-command', log);
  const subscriber = connectRedis(options.redisUrl, 'chat-subscriber', log);
  // The adapter's pair is its own: it subscribes to channels per room.
  const adapterPub = connectRedis(options.redisUrl, 'chat-adapter-pub', log);
  const adapterSub = connectRedis(options.redisUrl, 'chat-adapter-sub', log);
  const clients: Redis[] = [command, subscriber, adapterPub, adapterSub];
  const errorCounts: Record<string, number> = {};
  for (const [client, name] of [
    [command, 'command'],
    [subscriber, 'subscriber'],
    [adapterPub, 'adapter-pub'],
    [adapterSub, 'adapter-sub'],
  ] as const) {
    errorCounts[name] = 0;
    client.on('error', () => {
      errorCounts[name] = (errorCounts[name] ?? 0) + 1;
    });
  }
  try {
    await Promise.all(clients.map((client) => waitReady(client, options.redisUrl)));
  } catch (err) {
    clients.forEach((client) => client.disconnect());
    throw err;
  }

  const presenceTracker = new RedisPresenceTracker({
    redis: command,
    prefix,
    instanceId,
    heartbeatTtlMs: options.presenceHeartbeatTtlMs,
    logger: log,
  });
  const revokedChannel = `${prefix}revoked`;
  let attached: { io: ChatServer; sessionStatus: SessionStatus; blocks?: Blocks } | undefined;
  const pushSubscribedListeners: ((userId: string) => void)[] = [];

  subscriber.on('message', (channel: string, message: string) => {
    if (channel === presenceTracker.channel) {
      presenceTracker.handleMessage(message);
    } else if (channel === revokedChannel && attached) {
      const [from, sessionId] = message.split(' ');
      if (from !== instanceId && sessionId) attached.sessionStatus.markRevoked(sessionId, 'remote');
    }
  });
  await subscriber.subscribe(presenceTracker.channel, revokedChannel);
  let firstReady = true;
  subscriber.on('ready', () => {
    // The first one is the connection above; later ones follow an outage, during which
    // revocations and presence changes were missed and Redis itself may have lost its data.
    if (firstReady) {
      firstReady = false;
      return;
    }
    void recover().catch((err: unknown) => log.warn({ err }, 'recovery after redis outage failed'));
  });
  const recover = async () => {
    await presenceTracker.resync();
    if (!attached) return;
    const { io, sessionStatus } = attached;
    sessionStatus.forgetAll();
    attached.blocks?.forgetAll();
    for (const socket of await io.local.fetchSockets()) {
      if (!(await sessionStatus.isLive(socket.data.sessionId))) socket.disconnect(true);
    }
  };
  await presenceTracker.start();

  /** Tells every other instance to forget its copy of `id`; resolves once all confirmed. */
  const relayAwaited = async (event: string, id: string, what: string): Promise<void> => {
    if (!attached) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        attached.io.serverSideEmitWithAck(event, id),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out')), RELAY_TIMEOUT_MS);
        }),
      ]);
    } catch (err) {
      log.warn({ err, id }, `an instance did not confirm ${what}`);
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    instanceId,
    presenceTracker,
    limiterStore: { client: command, prefix },
    relayTypingClear: (conversationId, userId) => {
      attached?.io.serverSideEmit(TYPING_CLEAR, conversationId, userId);
    },
    relayMembership: (conversationId) =>
      relayAwaited(MEMBERSHIP_CHANGED, conversationId, 'a membership change'),
    relayBlocks: (blockerId) => relayAwaited(BLOCKS_CHANGED, blockerId, 'a block'),
    // Fire and forget: a relay lost in a Redis outage is bounded by PushService's TTL.
    relayPushSubscribed: (userId) => {
      attached?.io.serverSideEmit(PUSH_SUBSCRIBED, userId);
    },
    onPushSubscribed: (listener) => {
      pushSubscribedListeners.push(listener);
    },
    attach({ io, sessionStatus, typing, membership, blocks }) {
      attached = blocks ? { io, sessionStatus, blocks } : { io, sessionStatus };
      io.adapter(
        createShardedAdapter(adapterPub, adapterSub, {
          channelPrefix: `${prefix}socket.io`,
          subscriptionMode: 'dynamic',
        }),
      );
      io.on(TYPING_CLEAR, (conversationId: unknown, userId: unknown) => {
        if (typeof conversationId === 'string' && typeof userId === 'string') {
          typing.clearHere(conversationId, userId);
        }
      });
      io.on(PUSH_SUBSCRIBED, (userId: unknown) => {
        if (typeof userId !== 'string') return;
        for (const listener of pushSubscribedListeners) listener(userId);
      });
      io.on(MEMBERSHIP_CHANGED, (conversationId: unknown, ack: unknown) => {
        if (typeof conversationId === 'string') membership?.forget(conversationId);
        if (typeof ack === 'function') (ack as (ok: boolean) => void)(true);
      });
      io.on(BLOCKS_CHANGED, (blockerId: unknown, ack: unknown) => {
        if (typeof blockerId === 'string') blocks?.forget(blockerId);
        if (typeof ack === 'function') (ack as (ok: boolean) => void)(true);
      });
      sessionStatus.onRevoked((sessionId, origin) => {
        if (origin !== 'local') return;
        // Sockets are disconnected everywhere by the adapter; this empties the caches.
        command.publish(revokedChannel, `${instanceId} ${sessionId}`).catch((err: unknown) => {
          log.warn({ err, sessionId }, 'could not publish a revocation; caches reset on reconnect');
        });
      });
    },
    // While Redis is away ioredis queues the command, so this waits rather than failing
    // fast: the caller puts a deadline on it.
    ping: () => command.ping().then(() => undefined),
    redisErrors: () => ({ ...errorCounts }),
    detach: () => presenceTracker.detach(),
    async close() {
      await Promise.all(
        clients.map((client) =>
          client.quit().then(
            () => undefined,
            () => client.disconnect(),
          ),
        ),
      );
    },
  };
}

function waitReady(client: Redis, url: string): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`cannot reach Redis at ${describeRedis(url)}`));
    }, 5_000);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off('ready', onReady);
    };
    client.on('ready', onReady);
  });
}

/** The Redis URL without credentials, for messages. */
export function describeRedis(url: string): string {
  return url.replace(/^(rediss?:\/\/)[^@/]*@/, '$1***@');
}
