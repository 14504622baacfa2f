/**
 * The ONE Socket.IO connection of a signed-in client. This class only wires the parts,
 * each a module beside it:
 * - `socket.ts`: the socket's options and the server → client events, validated with the
 *   protocol's schemas;
 * - `renewal.ts`: the token on every handshake, renewal before expiry, recovery after a
 *   refused handshake or a server-side disconnect;
 * - `catch-up.ts`: catching up after every connect and on demand;
 * - `receipts.ts`: `delivered` receipts for what was received, `read` receipts kept until sent;
 * - `typing.ts`: the throttled typing signal;
 * - `acks.ts`: emitting client → server events and waiting for their acknowledgement.
 *
 * Reconnect: socket.io's backoff with jitter for network failures, capped low (see
 * `socket.ts`), and at once on `reconnectNow()`; authorization failures go through
 * `renewal.ts`.
 */
import { Message, UNAUTHORIZED, type Conversation } from '@chat/protocol';
import type { ApiClient } from '../api-client';
import type { Clock } from '../clock';
import { clientError } from '../errors';
import type { Session } from '../session';
import type { ChatState } from '../state';
import type { OutboxEntry } from '../storage/outbox';
import { emitWithAck } from './acks';
import { CatchUp } from './catch-up';
import type { Link } from './link';
import { Receipts } from './receipts';
import { Renewal } from './renewal';
import { listenToServer, socketOptions, type ChatSocket, type IoFactory } from './socket';
import { TypingSignal } from './typing';

export { defaultIoFactory, type ChatSocket, type IoFactory } from './socket';

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

const DELIVERED_DEBOUNCE_MS = 250;

export class Connection {
  private socket: ChatSocket | null = null;
  private running = false;
  private readonly link: Link;
  private readonly renewal: Renewal;
  private readonly catchUps: CatchUp;
  private readonly receipts: Receipts;
  private readonly typing: TypingSignal;
  private readonly unsubscribeToken: () => void;

  constructor(private readonly o: ConnectionOptions) {
    this.link = {
      running: () => this.running,
      connected: () => this.connected(),
      socket: () => this.socket,
      emit: (event, payload) => emitWithAck(this.socket, o.clock, o.ackTimeoutMs, event, payload),
    };
    this.renewal = new Renewal(this.link, o);
    this.receipts = new Receipts(this.link, o);
    this.typing = new TypingSignal(this.link, o.clock);
    this.catchUps = new CatchUp(this.link, {
      ...o,
      receipts: this.receipts,
      onConversationsLoaded: () => o.onConversationsLoaded(),
    });
    this.unsubscribeToken = o.session.onToken((token) => this.renewal.onToken(token));
  }

  connected(): boolean {
    return this.socket?.connected === true;
  }

  start(): void {
    const info = this.o.session.info();
    if (info === null || this.running) return;
    this.running = true;
    this.o.state.setConnectionStatus('connecting');
    const socket = this.o.ioFactory(
      info.serverUrl,
      socketOptions((cb) => this.renewal.handshake(cb)),
    );
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
    this.renewal.stop();
    this.catchUps.stop();
    this.receipts.reset();
    this.typing.reset();
    this.o.state.setConnectionStatus('offline');
  }

  dispose(): void {
    this.stop();
    this.unsubscribeToken();
  }

  // ---- outgoing ------------------------------------------------------------------

  async sendMessage(entry: OutboxEntry): Promise<Message> {
    const ack = await this.link.emit('message:send', {
      conversationId: entry.conversationId,
      clientId: entry.clientId,
      body: entry.body,
      ...(entry.replyToSeq === undefined ? {} : { replyToSeq: entry.replyToSeq }),
      ...(entry.attachments?.length ? { attachmentIds: entry.attachments.map((a) => a.id) } : {}),
    });
    const message = Message.safeParse(ack.message);
    if (!message.success) {
      throw clientError('bad_response', 'The server acknowledged without the stored message.');
    }
    return message.data;
  }

  // ---- message lifecycle (version 2): over the socket when connected, else over REST ----

  /** The message after the edit (also announced by `message:updated`). */
  async editMessage(conversationId: string, seq: number, body: string): Promise<Message> {
    if (!this.connected()) return this.o.api.editMessage(conversationId, seq, body);
    const ack = await this.link.emit('message:edit', { conversationId, seq, body });
    const message = Message.safeParse(ack.message);
    if (!message.success) {
      throw clientError('bad_response', 'The server acknowledged without the edited message.');
    }
    return message.data;
  }

  async deleteMessage(conversationId: string, seq: number): Promise<void> {
    if (!this.connected()) return this.o.api.deleteMessage(conversationId, seq);
    await this.link.emit('message:delete', { conversationId, seq });
  }

  async react(conversationId: string, seq: number, emoji: string, on: boolean): Promise<void> {
    if (!this.connected()) return this.o.api.react(conversationId, seq, emoji, on);
    await this.link.emit('reaction', { conversationId, seq, emoji, on });
  }

  sendTyping(conversationId: string, typing: boolean): Promise<void> {
    return this.typing.send(conversationId, typing);
  }

  /** Read receipts are never lost: unsent ones are retried after the next catch-up. */
  sendRead(conversationId: string, seq: number): Promise<void> {
    this.typing.forget(conversationId);
    return this.receipts.sendRead(conversationId, seq);
  }

  // ---- catch-up ------------------------------------------------------------------

  catchUp(): Promise<void> {
    return this.catchUps.run();
  }

  /**
   * Tries to connect at once instead of waiting out the backoff (the user asked, or the
   * network is back). Socket.IO has no "retry now": closing the idle manager drops its
   * backoff timer, and connecting again opens at once with the backoff reset.
   */
  reconnectNow(): void {
    const socket = this.socket;
    if (!this.running || socket === null || socket.connected) return;
    socket.disconnect();
    socket.connect();
  }

  /**
   * The environment says the network is gone (the browser's `offline` event): an open
   * socket can take a minute of missed pings to notice, while sends wait for acks that
   * cannot come. Closing its transport starts the ordinary reconnect at once (it fails
   * until the network is back; the `online` event then reconnects without the backoff).
   */
  networkLost(): void {
    const socket = this.socket;
    if (!this.running || socket === null || !socket.connected) return;
    socket.io.engine.close();
  }

  syncConversation(conversation: Conversation): Promise<void> {
    return this.catchUps.syncConversation(conversation);
  }

  // ---- socket events -------------------------------------------------------------

  private attach(socket: ChatSocket): void {
    const { state } = this.o;
    socket.on('connect', () => {
      this.renewal.connected();
      this.o.onConnected();
      this.catchUps.request();
    });
    socket.on('disconnect', (reason) => {
      if (!this.running) return;
      state.setConnectionStatus('reconnecting');
      // The server ended it (token expiry, revocation): socket.io will not reconnect on
      // its own. Refresh, then reconnect; a refused refresh signs out.
      if (reason === 'io server disconnect') this.renewal.recover();
    });
    socket.on('connect_error', (err) => {
      if (!this.running) return;
      state.setConnectionStatus('reconnecting');
      if (err.message === UNAUTHORIZED) this.renewal.recover();
      // Other errors: the manager retries with its own backoff.
    });
    listenToServer(socket, {
      'message:new': (message) => this.receive(message),
      'message:updated': (message) => {
        if (state.applyUpdate(message).unknownConversation) this.catchUps.request();
      },
      'conversation:new': (conversation) => {
        state.upsertConversation(conversation);
        this.o.onConversationsLoaded();
        void this.catchUps.syncConversation(conversation).catch(() => this.catchUps.request());
      },
      'conversation:updated': (conversation) => {
        // Renamed, members or admins changed, or its notification level: the newest copy.
        state.upsertConversation(conversation);
        this.o.onConversationsLoaded();
      },
      'conversation:removed': ({ conversationId }) => state.removeConversation(conversationId),
      // A member's name changed: the conversations carry members, so list them again.
      'user:updated': (person) => {
        const me = this.o.session.info()?.user;
        if (me?.id === person.id && !person.deleted) {
          this.o.session.updateUser({ ...me, displayName: person.displayName });
        }
        this.catchUps.request();
      },
      presence: (event) => state.applyPresence(event),
      typing: (event) => state.applyTyping(event),
      receipt: (event) => state.applyReceipt(event),
    });
  }

  private receive(message: Message): void {
    const { added, unknownConversations, behind } = this.o.state.accept([message]);
    if (unknownConversations.length > 0) {
      // A conversation we missed the announcement of: catch-up lists and fetches it.
      this.catchUps.request();
      return;
    }
    // A hole before this message (a missed event): fetch it.
    if (behind.length > 0) this.catchUps.request();
    const fromOthers = added.filter((m) => m.senderId !== this.o.session.userId());
    if (fromOthers.length > 0) {
      this.receipts.scheduleDelivered(message.conversationId, DELIVERED_DEBOUNCE_MS);
      // A group change (a system message) is history, not news: never announced.
      const news = fromOthers.filter((m) => m.kind !== 'system');
      if (news.length > 0) this.o.onIncoming?.(news);
    }
  }
}
