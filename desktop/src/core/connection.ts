/**
 * The ONE Socket.IO connection of a signed-in client, and catch-up.
 *
 * - Handshake: `auth` is a callback, so every (re)connect presents the freshest access
 *   token (refreshed first if it is missing or about to expire).
 * - Renewal: at 80% of the token's lifetime the session refreshes and the socket sends
 *   `auth:renew`, so a long session never sees the server's expiry disconnect.
 * - Reconnect: socket.io's backoff with jitter for network failures; a refused handshake
 *   (`unauthorized`) or a server-side disconnect (expiry, revocation) refreshes first and
 *   reconnects with our own backoff; a refused refresh has already signed out.
 * - Catch-up after every connect and on demand: list conversations, compare each
 *   `lastMessage.seq` with what is held, page `?after=` until caught up. Merging is by
 *   (sender, clientId) and seq, so overlaps with live `message:new` events are harmless.
 * - `delivered` receipts for what was received, `read` receipts queued while offline.
 */
import { io } from 'socket.io-client';
import type { ManagerOptions, Socket, SocketOptions } from 'socket.io-client';
import {
  ApiError,
  Conversation,
  ERROR_STATUS,
  LIMITS,
  Message,
  PresenceEvent,
  ReceiptEvent,
  TypingEvent,
  UNAUTHORIZED,
} from '@chat/protocol';
import type { ClientToServerEvents, ServerToClientEvents } from '@chat/protocol';
import type { ApiClient } from './api-client';
import { backoffDelay, type Clock } from './clock';
import { ClientError, clientError, isTransient } from './errors';
import type { OutboxEntry } from './storage/outbox';
import { readJwtTimes, type Session } from './session';
import type { ChatState } from './state';

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type IoFactory = (
  url: string,
  options: Partial<ManagerOptions & SocketOptions>,
) => ChatSocket;

export const defaultIoFactory: IoFactory = (url, options) => io(url, options);

export interface ConnectionOptions {
  session: Session;
  api: ApiClient;
  state: ChatState;
  clock: Clock;
  ioFactory: IoFactory;
  /** How long to wait for the server's acknowledgement before resending. */
  ackTimeoutMs: number;
  /** Connected: the outbox may send. */
  onConnected(): void;
  /** Conversations were (re)loaded: unsent messages can be shown in them. */
  onConversationsLoaded(): void;
  /** Messages from others arrived live (for notifications). */
  onIncoming?(messages: Message[]): void;
}

const HISTORY_PAGE = LIMITS.historyLimitMax;
const FIRST_PAGE = LIMITS.historyLimitDefault;
const RENEW_AT_FRACTION = 0.8;
const DELIVERED_DEBOUNCE_MS = 250;
const TYPING_RESEND_MS = 3_000;

interface AckShape {
  ok: boolean;
  error?: unknown;
  message?: unknown;
}

export class Connection {
  private socket: ChatSocket | null = null;
  private handshakeToken: string | null = null;
  private renewTimer: unknown = null;
  private reconnectTimer: unknown = null;
  private authFailures = 0;
  private running = false;
  private catchUpRun: Promise<void> | null = null;
  /** Bumped by requests that arrive while a catch-up runs; each such burst earns one more run. */
  private catchUpRequests = 0;
  private catchUpRetryTimer: unknown = null;
  private catchUpFailures = 0;
  private readonly deliveredSent = new Map<string, number>();
  private readonly deliveredTimers = new Map<string, unknown>();
  private readonly unsentReads = new Map<string, number>();
  private readonly typingSentAt = new Map<string, number>();
  private readonly unsubscribeToken: () => void;

  constructor(private readonly o: ConnectionOptions) {
    this.unsubscribeToken = o.session.onToken((token) => this.renew(token));
  }

  connected(): boolean {
    return this.socket?.connected === true;
  }

  start(): void {
    const info = this.o.session.info();
    if (info === null || this.running) return;
    this.running = true;
    this.o.state.setConnectionStatus('connecting');
    const socket = this.o.ioFactory(info.serverUrl, {
      autoConnect: false,
      // Several clients in one process (tests, account switch) must not share a Manager.
      forceNew: true,
      // WebSocket only: no long-polling, so several API instances need no sticky sessions.
      transports: ['websocket'],
      reconnectionDelay: 500,
      reconnectionDelayMax: 30_000,
      randomizationFactor: 0.5,
      auth: (cb) => {
        this.o.session.accessToken(30).then(
          (token) => {
            this.handshakeToken = token;
            cb({ token });
          },
          // The server refuses the empty handshake and we land in recoverAuth().
          () => cb({}),
        );
      },
    });
    this.socket = socket;
    this.attach(socket);
    socket.connect();
  }

  stop(): void {
    this.running = false;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.removeAllListeners();
      socket.disconnect();
    }
    for (const timer of [this.renewTimer, this.reconnectTimer, this.catchUpRetryTimer]) {
      if (timer !== null) this.o.clock.clearTimeout(timer);
    }
    for (const timer of this.deliveredTimers.values()) this.o.clock.clearTimeout(timer);
    this.deliveredTimers.clear();
    this.deliveredSent.clear();
    this.unsentReads.clear();
    this.typingSentAt.clear();
    this.renewTimer = this.reconnectTimer = this.catchUpRetryTimer = null;
    this.o.state.setConnectionStatus('offline');
  }

  dispose(): void {
    this.stop();
    this.unsubscribeToken();
  }

  // ---- outgoing ------------------------------------------------------------------

  async sendMessage(entry: OutboxEntry): Promise<Message> {
    const ack = await this.emitWithAck('message:send', {
      conversationId: entry.conversationId,
      clientId: entry.clientId,
      body: entry.body,
    });
    const message = Message.safeParse(ack.message);
    if (!message.success) {
      throw clientError('bad_response', 'The server acknowledged without the stored message.');
    }
    return message.data;
  }

  /** Throttled: `typing: true` at most every 3 s per conversation; ephemeral, so offline is fine. */
  async sendTyping(conversationId: string, typing: boolean): Promise<void> {
    const now = this.o.clock.now();
    const last = this.typingSentAt.get(conversationId);
    if (typing && last !== undefined && now - last < TYPING_RESEND_MS) return;
    if (!typing && last === undefined) return;
    if (!this.connected()) return;
    if (typing) this.typingSentAt.set(conversationId, now);
    else this.typingSentAt.delete(conversationId);
    await this.emitWithAck('typing', { conversationId, typing });
  }

  /** Read receipts are never lost: unsent ones are retried after the next catch-up. */
  async sendRead(conversationId: string, seq: number): Promise<void> {
    this.typingSentAt.delete(conversationId);
    try {
      if (this.connected()) {
        await this.emitWithAck('receipt', { conversationId, type: 'read', seq });
      } else {
        await this.o.api.markRead(conversationId, seq);
      }
      if ((this.unsentReads.get(conversationId) ?? 0) <= seq)
        this.unsentReads.delete(conversationId);
    } catch (err) {
      if (err instanceof ClientError && !isTransient(err)) throw err;
      this.unsentReads.set(
        conversationId,
        Math.max(seq, this.unsentReads.get(conversationId) ?? 0),
      );
    }
  }

  // ---- catch-up ------------------------------------------------------------------

  /** Single flight; a request while one runs schedules exactly one more run after it. */
  catchUp(): Promise<void> {
    if (this.catchUpRun) {
      this.catchUpRequests++;
      return this.catchUpRun;
    }
    const run = (async () => {
      try {
        let served: number;
        do {
          served = this.catchUpRequests;
          await this.runCatchUp();
        } while (this.catchUpRequests !== served);
      } finally {
        this.catchUpRun = null;
      }
    })();
    this.catchUpRun = run;
    return run;
  }

  /** Brings one conversation up to date (new to this client, or it moved). */
  async syncConversation(conversation: Conversation): Promise<void> {
    const { state, api } = this.o;
    const id = conversation.id;
    const last = conversation.lastMessage?.seq ?? 0;
    let synced = state.syncedSeq(id);
    if (synced === null) {
      // Newly followed: the latest page only; older history loads on demand.
      const page = last > 0 ? await api.history(id, { limit: FIRST_PAGE }) : [];
      state.mergeMessages(page);
      state.setSyncedSeq(id, Math.max(last, page.at(-1)?.seq ?? 0));
    } else {
      while (synced < last) {
        const page = await api.history(id, { after: synced, limit: HISTORY_PAGE });
        state.mergeMessages(page);
        const top = page.at(-1)?.seq;
        if (top === undefined) break;
        state.setSyncedSeq(id, state.contiguousFrom(id, top));
        synced = state.syncedSeq(id) ?? top;
        if (page.length < HISTORY_PAGE) break;
      }
    }
    this.scheduleDelivered(id, 0);
  }

  private async runCatchUp(): Promise<void> {
    const { state, api } = this.o;
    if (this.connected()) state.setConnectionStatus('catching-up');
    try {
      const conversations = await api.listConversations();
      for (const conversation of conversations) state.upsertConversation(conversation);
      this.o.onConversationsLoaded();
      for (const conversation of conversations) await this.syncConversation(conversation);
      for (const [conversationId, seq] of [...this.unsentReads]) {
        if (seq > state.lastReadSeq(conversationId) || this.connected()) {
          await this.sendRead(conversationId, seq);
        }
      }
      this.catchUpFailures = 0;
      if (this.connected()) state.setConnectionStatus('online');
    } catch (err) {
      if (err instanceof ClientError && err.code === 'not_signed_in') return;
      // Connected but REST failed (server busy, partial outage): try again with backoff;
      // if the socket dropped, the next connect catches up anyway.
      if (this.connected() && this.running) {
        const delay = backoffDelay(this.catchUpFailures++, 1_000, 30_000);
        this.catchUpRetryTimer = this.o.clock.setTimeout(() => {
          this.catchUpRetryTimer = null;
          void this.catchUp().catch(() => undefined);
        }, delay);
      }
      throw err;
    }
  }

  // ---- socket events -------------------------------------------------------------------

  private attach(socket: ChatSocket): void {
    const { state } = this.o;
    socket.on('connect', () => {
      this.authFailures = 0;
      this.scheduleRenewal();
      this.o.onConnected();
      void this.catchUp().catch(() => undefined);
    });
    socket.on('disconnect', (reason) => {
      if (!this.running) return;
      state.setConnectionStatus('reconnecting');
      // The server ended it (token expiry, revocation): socket.io will not reconnect on
      // its own. Refresh, then reconnect; a refused refresh signs out.
      if (reason === 'io server disconnect') this.recoverAuth();
    });
    socket.on('connect_error', (err) => {
      if (!this.running) return;
      state.setConnectionStatus('reconnecting');
      if (err.message === UNAUTHORIZED) this.recoverAuth();
      // Other errors: the manager retries with its own backoff.
    });
    socket.on('message:new', (raw) => {
      const parsed = Message.safeParse(raw);
      if (parsed.success) this.receive(parsed.data);
    });
    socket.on('conversation:new', (raw) => {
      const parsed = Conversation.safeParse(raw);
      if (!parsed.success) return;
      state.upsertConversation(parsed.data);
      this.o.onConversationsLoaded();
      void this.syncConversation(parsed.data).catch(() => this.requestCatchUp());
    });
    socket.on('presence', (raw) => {
      const parsed = PresenceEvent.safeParse(raw);
      if (parsed.success) state.applyPresence(parsed.data);
    });
    socket.on('typing', (raw) => {
      const parsed = TypingEvent.safeParse(raw);
      if (parsed.success) state.applyTyping(parsed.data);
    });
    socket.on('receipt', (raw) => {
      const parsed = ReceiptEvent.safeParse(raw);
      if (parsed.success) state.applyReceipt(parsed.data);
    });
  }

  private receive(message: Message): void {
    const { state } = this.o;
    const { added, unknownConversations } = state.mergeMessages([message]);
    if (unknownConversations.length > 0) {
      // A conversation we missed the announcement of: catch-up lists and fetches it.
      this.requestCatchUp();
      return;
    }
    const synced = state.syncedSeq(message.conversationId);
    if (synced !== null) {
      const contiguous = state.contiguousFrom(message.conversationId, synced);
      state.setSyncedSeq(message.conversationId, contiguous);
      // A hole before this message (a missed event): fetch it.
      if (message.seq > contiguous) this.requestCatchUp();
    }
    const fromOthers = added.filter((m) => m.senderId !== this.o.session.userId());
    if (fromOthers.length > 0) {
      this.scheduleDelivered(message.conversationId, DELIVERED_DEBOUNCE_MS);
      this.o.onIncoming?.(fromOthers);
    }
  }

  private requestCatchUp(): void {
    void this.catchUp().catch(() => undefined);
  }

  private scheduleDelivered(conversationId: string, delayMs: number): void {
    if (this.deliveredTimers.has(conversationId)) return;
    this.deliveredTimers.set(
      conversationId,
      this.o.clock.setTimeout(() => {
        this.deliveredTimers.delete(conversationId);
        void this.sendDelivered(conversationId);
      }, delayMs),
    );
  }

  private async sendDelivered(conversationId: string): Promise<void> {
    const { state } = this.o;
    const synced = state.syncedSeq(conversationId);
    if (synced === null || synced === 0 || !this.connected()) return;
    const already = Math.max(
      this.deliveredSent.get(conversationId) ?? 0,
      state.ownDeliveredSeq(conversationId),
    );
    if (synced <= already) return;
    this.deliveredSent.set(conversationId, synced);
    try {
      await this.emitWithAck('receipt', { conversationId, type: 'delivered', seq: synced });
    } catch {
      // Sent again after the next catch-up.
      this.deliveredSent.delete(conversationId);
    }
  }

  // ---- tokens --------------------------------------------------------------------

  private scheduleRenewal(): void {
    if (this.renewTimer !== null) this.o.clock.clearTimeout(this.renewTimer);
    this.renewTimer = null;
    const token = this.o.session.currentAccessToken();
    const times = token === null ? null : readJwtTimes(token);
    if (times === null) return;
    const now = this.o.clock.now();
    const expMs = times.exp * 1000;
    const startMs = times.iat === null ? now : times.iat * 1000;
    const at = startMs + (expMs - startMs) * RENEW_AT_FRACTION;
    this.renewTimer = this.o.clock.setTimeout(
      () => {
        this.renewTimer = null;
        this.o.session.refresh(token).catch(() => {
          // Unreachable: try again shortly; if the token expires first, the server
          // disconnects and recoverAuth() takes over.
          if (this.running) {
            this.renewTimer = this.o.clock.setTimeout(() => this.scheduleRenewal(), 5_000);
          }
        });
      },
      Math.max(0, at - now),
    );
  }

  /** Every refresh, whoever caused it, renews the live socket's authorization. */
  private renew(token: string): void {
    if (!this.running) return;
    this.scheduleRenewal();
    if (!this.connected() || this.handshakeToken === token) return;
    this.handshakeToken = token;
    this.emitWithAck('auth:renew', { token }).catch(() => {
      // Refused or lost: reconnect, which presents the fresh token in the handshake.
      if (this.running && this.connected()) {
        this.socket?.disconnect();
        this.socket?.connect();
      }
    });
  }

  private recoverAuth(): void {
    if (this.reconnectTimer !== null) return;
    const stale = this.handshakeToken;
    const delay = backoffDelay(this.authFailures++, 250, 30_000);
    this.reconnectTimer = this.o.clock.setTimeout(() => {
      this.o.session.refresh(stale).then(
        () => {
          this.reconnectTimer = null;
          if (this.running && !this.connected()) this.socket?.connect();
        },
        (err: unknown) => {
          this.reconnectTimer = null;
          // Refused: the session has ended and the client stops us. Unreachable: retry.
          if (err instanceof ClientError && err.code === 'not_signed_in') return;
          if (this.running) this.recoverAuth();
        },
      );
    }, delay);
  }

  // ---- acknowledgements ----------------------------------------------------------------

  /**
   * Emits and waits for the ack, with a timeout; a disconnect fails it at once instead of
   * waiting out the timeout. A refusal becomes a `ClientError` with the contract's code.
   */
  private emitWithAck<E extends keyof ClientToServerEvents>(
    event: E,
    payload: Parameters<ClientToServerEvents[E]>[0],
  ): Promise<AckShape> {
    const socket = this.socket;
    if (!socket?.connected) {
      return Promise.reject(clientError('network', 'Not connected to the server.'));
    }
    const { clock, ackTimeoutMs } = this.o;
    return new Promise<AckShape>((resolve, reject) => {
      let settled = false;
      const finish = (settle: () => void) => {
        if (settled) return;
        settled = true;
        clock.clearTimeout(timer);
        socket.off('disconnect', onDisconnect);
        settle();
      };
      const onDisconnect = () =>
        finish(() =>
          reject(clientError('network', 'The connection dropped before the server answered.')),
        );
      const timer = clock.setTimeout(
        () =>
          finish(() => reject(clientError('timeout', 'The server did not acknowledge in time.'))),
        ackTimeoutMs,
      );
      socket.on('disconnect', onDisconnect);
      // The typed emit cannot be called with a generic event name; the payload type is
      // still checked by this method's signature.
      const loose = socket as unknown as {
        emit(event: string, payload: unknown, ack: (response: unknown) => void): void;
      };
      loose.emit(event, payload, (response) =>
        finish(() => {
          const ack = toAck(response);
          if (ack.ok) resolve(ack);
          else reject(ackError(ack.error));
        }),
      );
    });
  }
}

function toAck(response: unknown): AckShape {
  if (typeof response === 'object' && response !== null && 'ok' in response) {
    return response as AckShape;
  }
  return {
    ok: false,
    error: { code: 'internal', message: 'The server answered in an unexpected format.' },
  };
}

function ackError(error: unknown): ClientError {
  const parsed = ApiError.safeParse(error);
  if (!parsed.success) return clientError('bad_response', 'The server refused without a reason.');
  return new ClientError(parsed.data, ERROR_STATUS[parsed.data.code]);
}
