/**
 * The client's local picture: conversations with unread counts and receipts, messages
 * per conversation merged by seq together with unsent outbox entries, presence, typing
 * and the connection status. Every change is announced as one small `ChatEvent`.
 *
 * Invariants:
 * - a message is identified by (senderId, clientId), the key the server makes unique;
 *   a pending entry and the stored message it becomes share that key, so an ack, an echo
 *   over the socket and a catch-up page all land on the same entry: no duplicates;
 * - watermarks (read, delivered, receipts) only move up.
 */
import { LIMITS, codePointPrefix, type Attachment, type NotificationLevel } from '@chat/protocol';
import type {
  Conversation,
  Message,
  PresenceEvent,
  ReceiptEvent,
  TypingEvent,
} from '@chat/protocol';
import type {
  BridgeError,
  ChatEvent,
  ConnectionStatus,
  ConversationView,
  DeliveryState,
  LocalMessage,
} from '../shared/bridge';
import { compareLocalMessages } from '../shared/bridge';
import type { Clock } from './clock';
import { withChanges, type PendingChange } from './changes';

export function messageKey(senderId: string, clientId: string): string {
  return `${senderId}:${clientId}`;
}

/** What the state needs to know about an unsent message. */
export interface UnsentMessage {
  clientId: string;
  conversationId: string;
  body: string;
  attachments?: Attachment[];
  createdAt: string;
  order: number;
  failed: BridgeError | null;
  /** (version 2) The message it answers. */
  replyToSeq?: number | undefined;
}

interface Watermarks {
  deliveredSeq: number;
  readSeq: number;
}

interface ConversationEntry {
  snapshot: Conversation;
  receipts: Map<string, Watermarks>;
  lastReadSeq: number;
  /** The server's unread count as of `unreadBaseSeq`; newer messages are counted here. */
  unreadBase: number;
  unreadBaseSeq: number;
  messages: Map<string, LocalMessage>;
  bySeq: Map<number, string>;
  /** (version 2) The `rev` of each held message, by key: an older copy never replaces a newer one. */
  revs: Map<string, number>;
  /** Highest seq up to which this client holds everything since it started following. */
  syncedSeq: number | null;
  /**
   * (version 2) The conversation `rev` up to which every change of a held message is known
   * (set by catch-up only: live events may have holes).
   */
  syncedRev: number | null;
  typing: Map<string, unknown>;
  /** (version 3) The user's changes waiting in the outbox, by their entry id, in order. */
  changes: Map<string, PendingChange>;
  /** (version 3) Why the user's last change of a message (by seq) was refused. */
  refused: Map<number, BridgeError>;
}

/** A socket is up: the outbox can send. */
const CONNECTED_STATUSES: readonly ConnectionStatus[] = ['online', 'catching-up'];

export class ChatState {
  private selfId: string | null = null;
  private readonly conversations = new Map<string, ConversationEntry>();
  private status: ConnectionStatus = 'offline';
  /** Unsent messages show as `waiting`: the connection has been down for `waitAfterMs`. */
  private waiting = false;
  private waitTimer: unknown = null;

  /**
   * `waitAfterMs`: how long the connection may be down before unsent messages say they
   * wait for it (the acknowledgement timeout: a clock that long is no longer "sending").
   */
  constructor(
    private readonly emit: (event: ChatEvent) => void,
    private readonly clock: Clock,
    private readonly waitAfterMs = 10_000,
  ) {}

  /** A new session (or none): everything held belongs to the previous user. */
  reset(selfId: string | null): void {
    for (const entry of this.conversations.values()) {
      for (const timer of entry.typing.values()) this.clock.clearTimeout(timer);
    }
    this.conversations.clear();
    this.selfId = selfId;
  }

  connectionStatus(): ConnectionStatus {
    return this.status;
  }

  setConnectionStatus(status: ConnectionStatus): void {
    if (status === this.status) return;
    this.status = status;
    this.emit({ type: 'connection', status });
    if (CONNECTED_STATUSES.includes(status)) {
      if (this.waitTimer !== null) this.clock.clearTimeout(this.waitTimer);
      this.waitTimer = null;
      this.setWaiting(false);
    } else if (!this.waiting && this.waitTimer === null) {
      this.waitTimer = this.clock.setTimeout(() => {
        this.waitTimer = null;
        this.setWaiting(true);
      }, this.waitAfterMs);
    }
  }

  /** Every unsent message that is not failed becomes `waiting`, or `pending` again. */
  private setWaiting(waiting: boolean): void {
    if (waiting === this.waiting) return;
    this.waiting = waiting;
    const from: DeliveryState = waiting ? 'pending' : 'waiting';
    const to: DeliveryState = waiting ? 'waiting' : 'pending';
    for (const entry of this.conversations.values()) {
      let changed = false;
      for (const [key, m] of entry.messages) {
        if (m.seq !== null || m.state !== from) continue;
        const local = { ...m, state: to };
        entry.messages.set(key, local);
        this.emit({ type: 'message', message: local });
        changed = true;
      }
      if (changed) this.emit({ type: 'conversation', conversation: this.view(entry) });
    }
  }

  has(conversationId: string): boolean {
    return this.conversations.has(conversationId);
  }

  conversationIds(): string[] {
    return [...this.conversations.keys()];
  }

  syncedSeq(conversationId: string): number | null {
    return this.conversations.get(conversationId)?.syncedSeq ?? null;
  }

  syncedRev(conversationId: string): number | null {
    return this.conversations.get(conversationId)?.syncedRev ?? null;
  }

  /** Catch-up got every change up to `rev`. */
  raiseSyncedRev(conversationId: string, rev: number): void {
    const entry = this.conversations.get(conversationId);
    if (entry && (entry.syncedRev === null || rev > entry.syncedRev)) entry.syncedRev = rev;
  }

  /** A held message by seq (for the quote of a reply being written). */
  heldBySeq(conversationId: string, seq: number): LocalMessage | null {
    const entry = this.conversations.get(conversationId);
    const key = entry?.bySeq.get(seq);
    const held = (key !== undefined && entry?.messages.get(key)) || null;
    return entry && held ? this.present(entry, held) : null;
  }

  /**
   * (version 3) A change of the user's waits in the outbox: the message shows it at once,
   * marked pending; any earlier refusal of a change to it is forgotten.
   */
  upsertChange(conversationId: string, change: PendingChange): void {
    const entry = this.conversations.get(conversationId);
    if (entry === undefined) return;
    entry.changes.set(change.id, change);
    entry.refused.delete(change.change.seq);
    this.reemit(entry, change.change.seq);
  }

  /**
   * (version 3) A change left the outbox: applied (the server's copy follows as an update)
   * or refused, in which case the message shows the server's copy again with the reason.
   */
  removeChange(conversationId: string, id: string, refused?: BridgeError): void {
    const entry = this.conversations.get(conversationId);
    const change = entry?.changes.get(id);
    if (entry === undefined || change === undefined) return;
    entry.changes.delete(id);
    if (refused) entry.refused.set(change.change.seq, refused);
    this.reemit(entry, change.change.seq);
  }

  /** The held message `seq` again, as it now shows (after a change of the overlay). */
  private reemit(entry: ConversationEntry, seq: number): void {
    const key = entry.bySeq.get(seq);
    const held = key === undefined ? undefined : entry.messages.get(key);
    if (held === undefined) return;
    this.emit({ type: 'message', message: this.present(entry, held) });
    this.emit({ type: 'conversation', conversation: this.view(entry) });
  }

  /** A held message as the user sees it: with their unapplied changes and refusals. */
  private present(entry: ConversationEntry, message: LocalMessage): LocalMessage {
    if (message.seq === null || (entry.changes.size === 0 && entry.refused.size === 0)) {
      return message;
    }
    const seq = message.seq;
    const changes = [...entry.changes.values()].filter((c) => c.change.seq === seq);
    const refused = entry.refused.get(seq);
    if (changes.length === 0 && refused === undefined) return message;
    const shown = withChanges(message, changes, this.selfId ?? '');
    return refused === undefined ? shown : { ...shown, changeError: refused };
  }

  /**
   * (version 2) Changes caught up with `changedAfter`: applied to held messages and to new
   * ones; a changed message older than what is held is skipped (it loads fresh on demand).
   */
  applyChanges(messages: readonly Message[]): void {
    for (const message of messages) {
      const entry = this.conversations.get(message.conversationId);
      if (entry === undefined) continue;
      const held = entry.messages.has(messageKey(message.senderId, message.clientId));
      if (held || message.seq > (entry.syncedSeq ?? 0)) this.applyUpdate(message);
    }
  }

  private raiseSyncedSeq(entry: ConversationEntry, seq: number): void {
    if (entry.syncedSeq === null || seq > entry.syncedSeq) entry.syncedSeq = seq;
  }

  /** This client's delivered watermark as the server last reported it. */
  ownDeliveredSeq(conversationId: string): number {
    const entry = this.conversations.get(conversationId);
    if (!entry || this.selfId === null) return 0;
    const mark = entry.receipts.get(this.selfId);
    return mark ? Math.max(mark.deliveredSeq, mark.readSeq) : 0;
  }

  lastReadSeq(conversationId: string): number {
    return this.conversations.get(conversationId)?.lastReadSeq ?? 0;
  }

  // ---- conversations ---------------------------------------------------------

  upsertConversation(conversation: Conversation): ConversationView {
    let entry = this.conversations.get(conversation.id);
    if (entry === undefined) {
      entry = {
        snapshot: conversation,
        receipts: new Map(),
        lastReadSeq: 0,
        unreadBase: 0,
        unreadBaseSeq: 0,
        messages: new Map(),
        bySeq: new Map(),
        revs: new Map(),
        syncedSeq: null,
        syncedRev: null,
        typing: new Map(),
        changes: new Map(),
        refused: new Map(),
      };
      this.conversations.set(conversation.id, entry);
    }
    const previousLast = entry.snapshot.lastMessage?.seq ?? 0;
    const incomingLast = conversation.lastMessage?.seq ?? 0;
    entry.snapshot =
      incomingLast >= previousLast
        ? conversation
        : { ...conversation, lastMessage: entry.snapshot.lastMessage };
    for (const r of conversation.receipts)
      this.raiseWatermarks(entry, r.userId, r.deliveredSeq, r.readSeq);
    if (conversation.lastReadSeq >= entry.lastReadSeq) {
      entry.lastReadSeq = conversation.lastReadSeq;
      entry.unreadBase = conversation.unreadCount;
      entry.unreadBaseSeq = Math.max(incomingLast, conversation.lastReadSeq);
    }
    const view = this.view(entry);
    this.emit({ type: 'conversation', conversation: view });
    return view;
  }

  /**
   * The caller's notification level changed (here, or on another device: the server's
   * `conversation:updated` carries it too).
   */
  setNotificationLevel(conversationId: string, level: NotificationLevel): void {
    const entry = this.conversations.get(conversationId);
    if (entry === undefined || entry.snapshot.notifications === level) return;
    entry.snapshot = { ...entry.snapshot, notifications: level };
    this.emit({ type: 'conversation', conversation: this.view(entry) });
  }

  /** The user left or was removed: forget it and everything held of it. */
  removeConversation(conversationId: string): void {
    if (!this.conversations.delete(conversationId)) return;
    this.emit({ type: 'conversation-removed', conversationId });
  }

  listConversations(): ConversationView[] {
    return [...this.conversations.values()]
      .map((entry) => this.view(entry))
      .sort((a, b) =>
        a.lastActivityAt < b.lastActivityAt ? 1 : a.lastActivityAt > b.lastActivityAt ? -1 : 0,
      );
  }

  conversationView(conversationId: string): ConversationView | null {
    const entry = this.conversations.get(conversationId);
    return entry ? this.view(entry) : null;
  }

  // ---- messages --------------------------------------------------------------

  /**
   * Merges stored messages (from an ack, the socket, a history or catch-up page). Returns
   * the ones this client did not hold before. Messages of unknown conversations are
   * returned in `unknownConversations` so the caller can fetch them; nothing is dropped.
   */
  mergeMessages(messages: readonly Message[]): {
    added: Message[];
    unknownConversations: string[];
  } {
    const added: Message[] = [];
    const unknown = new Set<string>();
    const touched = new Set<ConversationEntry>();
    for (const message of messages) {
      const entry = this.conversations.get(message.conversationId);
      if (entry === undefined) {
        unknown.add(message.conversationId);
        continue;
      }
      const key = messageKey(message.senderId, message.clientId);
      const existing = entry.messages.get(key);
      if (existing?.seq === message.seq) continue;
      if (existing === undefined && entry.bySeq.has(message.seq)) continue;
      const local = this.toLocal(entry, message);
      entry.messages.set(key, local);
      entry.bySeq.set(message.seq, key);
      entry.revs.set(key, message.rev);
      if (existing === undefined) added.push(message);
      if (message.senderId !== this.selfId) this.stopTyping(entry, message.senderId);
      touched.add(entry);
      this.emit({ type: 'message', message: this.present(entry, local) });
    }
    for (const entry of touched) {
      this.emit({ type: 'conversation', conversation: this.view(entry) });
    }
    return { added, unknownConversations: [...unknown] };
  }

  /**
   * Takes in stored messages (an ack, a live event, a history or catch-up page) and moves
   * each conversation's synced watermark (up to where this client holds everything since it
   * started following; where catch-up resumes) as far as what is now held allows.
   *
   * `page` says how far a fetched page covers its conversation: `newest` (the latest page a
   * reader asked for: where a conversation without a watermark starts) or `through`
   * (catch-up: everything up to there is now held, or deliberately left to load on demand).
   *
   * `behind` lists the conversations where a message arrived beyond the watermark: one
   * before it was missed, and catch-up should fetch it.
   */
  accept(
    messages: readonly Message[],
    page?: { conversationId: string } & ({ newest: number } | { through: number }),
  ): { added: Message[]; unknownConversations: string[]; behind: string[] } {
    const { added, unknownConversations } = this.mergeMessages(messages);
    const pageEntry = page && this.conversations.get(page.conversationId);
    if (page && pageEntry) {
      if ('through' in page) this.raiseSyncedSeq(pageEntry, page.through);
      else if (pageEntry.syncedSeq === null) pageEntry.syncedSeq = page.newest;
    }
    const touched = new Set(messages.map((m) => m.conversationId));
    if (page) touched.add(page.conversationId);
    const behind: string[] = [];
    for (const conversationId of touched) {
      const entry = this.conversations.get(conversationId);
      if (entry === undefined || entry.syncedSeq === null) continue;
      this.raiseSyncedSeq(entry, this.contiguousFrom(conversationId, entry.syncedSeq));
      const synced = entry.syncedSeq;
      if (messages.some((m) => m.conversationId === conversationId && m.seq > synced)) {
        behind.push(conversationId);
      }
    }
    return { added, unknownConversations, behind };
  }

  /**
   * (version 2) A held message changed (edit, deletion, reaction): keep the copy with the
   * higher `rev`, since changes made through different API instances may arrive out of order.
   * A message not held yet is taken in like any other.
   */
  applyUpdate(message: Message): { unknownConversation: boolean } {
    const entry = this.conversations.get(message.conversationId);
    if (entry === undefined) return { unknownConversation: true };
    const key = messageKey(message.senderId, message.clientId);
    if (!entry.messages.has(key)) {
      this.accept([message]);
      return { unknownConversation: false };
    }
    if ((entry.revs.get(key) ?? -1) >= message.rev) return { unknownConversation: false };
    const local = this.toLocal(entry, message);
    entry.messages.set(key, local);
    entry.revs.set(key, message.rev);
    this.emit({ type: 'message', message: this.present(entry, local) });
    this.emit({ type: 'conversation', conversation: this.view(entry) });
    return { unknownConversation: false };
  }

  /** The held copy of a message, by its key. */
  heldMessage(conversationId: string, key: string): LocalMessage | null {
    const entry = this.conversations.get(conversationId);
    const held = entry?.messages.get(key);
    return entry && held ? this.present(entry, held) : null;
  }

  /** The highest seq such that every seq from `from` up to it is held. */
  contiguousFrom(conversationId: string, from: number): number {
    const entry = this.conversations.get(conversationId);
    if (!entry) return from;
    let seq = from;
    while (entry.bySeq.has(seq + 1)) seq++;
    return seq;
  }

  upsertUnsent(unsent: UnsentMessage): LocalMessage | null {
    const entry = this.conversations.get(unsent.conversationId);
    if (entry === undefined || this.selfId === null) return null;
    const key = messageKey(this.selfId, unsent.clientId);
    // Already stored (an ack raced the outbox update): the stored copy wins.
    if (entry.messages.get(key)?.seq != null) return entry.messages.get(key) ?? null;
    const local: LocalMessage = {
      key,
      conversationId: unsent.conversationId,
      clientId: unsent.clientId,
      senderId: this.selfId,
      body: unsent.body,
      createdAt: unsent.createdAt,
      id: null,
      seq: null,
      outboxOrder: unsent.order,
      mine: true,
      state: unsent.failed ? 'failed' : this.waiting ? 'waiting' : 'pending',
      error: unsent.failed,
      kind: 'text',
      system: null,
      editedAt: null,
      deletedAt: null,
      replyTo: this.quoteOf(entry, unsent.replyToSeq),
      reactions: [],
      mentions: [],
    };
    entry.messages.set(key, local);
    this.emit({ type: 'message', message: local });
    this.emit({ type: 'conversation', conversation: this.view(entry) });
    return local;
  }

  /** A discarded unsent message disappears. */
  removeUnsent(conversationId: string, clientId: string): void {
    const entry = this.conversations.get(conversationId);
    if (entry === undefined || this.selfId === null) return;
    const key = messageKey(this.selfId, clientId);
    const local = entry.messages.get(key);
    if (local === undefined || local.seq !== null) return;
    entry.messages.delete(key);
    this.emit({ type: 'message-removed', conversationId, key });
    this.emit({ type: 'conversation', conversation: this.view(entry) });
  }

  /**
   * Held messages before `beforeSeq` (or the latest ones, followed by unsent ones when
   * `beforeSeq` is undefined), at most `limit` stored ones, ascending.
   */
  heldMessages(
    conversationId: string,
    beforeSeq: number | undefined,
    limit: number,
  ): LocalMessage[] {
    const entry = this.conversations.get(conversationId);
    if (!entry) return [];
    const all = [...entry.messages.values()];
    const stored = all
      .filter((m) => m.seq !== null && (beforeSeq === undefined || m.seq < beforeSeq))
      .sort(compareLocalMessages)
      .slice(-limit);
    if (limit <= 0) stored.length = 0;
    const shown = stored.map((m) => this.present(entry, m));
    if (beforeSeq !== undefined) return shown;
    const unsent = all.filter((m) => m.seq === null).sort(compareLocalMessages);
    return [...shown, ...unsent];
  }

  // ---- receipts, read state, typing, presence ---------------------------------------

  applyReceipt(event: ReceiptEvent): void {
    const entry = this.conversations.get(event.conversationId);
    if (!entry) return;
    if (event.type === 'read') this.raiseWatermarks(entry, event.userId, event.seq, event.seq);
    else this.raiseWatermarks(entry, event.userId, event.seq, 0);
    if (event.userId === this.selfId && event.type === 'read') this.raiseLastRead(entry, event.seq);
    this.emit({ type: 'conversation', conversation: this.view(entry) });
  }

  /** The caller read up to `seq` (here or on another device). */
  markRead(conversationId: string, seq: number): boolean {
    const entry = this.conversations.get(conversationId);
    if (!entry || seq <= entry.lastReadSeq) return false;
    this.raiseLastRead(entry, seq);
    if (this.selfId !== null) this.raiseWatermarks(entry, this.selfId, seq, seq);
    this.emit({ type: 'conversation', conversation: this.view(entry) });
    return true;
  }

  applyTyping(event: TypingEvent): void {
    const entry = this.conversations.get(event.conversationId);
    if (!entry || event.userId === this.selfId) return;
    const timer = entry.typing.get(event.userId);
    if (timer !== undefined) this.clock.clearTimeout(timer);
    if (event.typing) {
      // Expire on our own as well: a lost `typing: false` must not leave "typing…" forever.
      entry.typing.set(
        event.userId,
        this.clock.setTimeout(() => this.stopTyping(entry, event.userId), LIMITS.typingExpiryMs),
      );
    } else {
      entry.typing.delete(event.userId);
    }
    this.emit({
      type: 'typing',
      conversationId: event.conversationId,
      userIds: [...entry.typing.keys()],
    });
  }

  applyPresence(event: PresenceEvent): void {
    this.emit({
      type: 'presence',
      userId: event.userId,
      online: event.online,
      lastSeenAt: event.lastSeenAt,
    });
  }

  // ---- internals ----------------------------------------------------------------

  private stopTyping(entry: ConversationEntry, userId: string): void {
    const timer = entry.typing.get(userId);
    if (timer === undefined) return;
    this.clock.clearTimeout(timer);
    entry.typing.delete(userId);
    this.emit({
      type: 'typing',
      conversationId: entry.snapshot.id,
      userIds: [...entry.typing.keys()],
    });
  }

  private raiseLastRead(entry: ConversationEntry, seq: number): void {
    if (seq <= entry.lastReadSeq) return;
    if (seq >= entry.unreadBaseSeq) {
      entry.unreadBase = 0;
      entry.unreadBaseSeq = seq;
    } else {
      // Only the held messages between the new watermark and the base are known to be
      // unread now; the server's next snapshot corrects anything not held.
      let stillUnread = 0;
      for (const m of entry.messages.values()) {
        if (m.seq !== null && !m.mine && m.seq > seq && m.seq <= entry.unreadBaseSeq) stillUnread++;
      }
      entry.unreadBase = Math.min(entry.unreadBase, stillUnread);
    }
    entry.lastReadSeq = seq;
  }

  private raiseWatermarks(
    entry: ConversationEntry,
    userId: string,
    delivered: number,
    read: number,
  ): void {
    const before = this.othersWatermarks(entry);
    const mark = entry.receipts.get(userId) ?? { deliveredSeq: 0, readSeq: 0 };
    const next = {
      // `read` implies `delivered`.
      deliveredSeq: Math.max(mark.deliveredSeq, delivered, read),
      readSeq: Math.max(mark.readSeq, read),
    };
    if (
      next.deliveredSeq === mark.deliveredSeq &&
      next.readSeq === mark.readSeq &&
      entry.receipts.has(userId)
    ) {
      return;
    }
    entry.receipts.set(userId, next);
    this.emit({
      type: 'receipt',
      conversationId: entry.snapshot.id,
      userId,
      deliveredSeq: next.deliveredSeq,
      readSeq: next.readSeq,
    });
    const after = this.othersWatermarks(entry);
    if (after.delivered > before.delivered) {
      this.refreshOwnStates(entry);
      this.emit({
        type: 'delivery',
        conversationId: entry.snapshot.id,
        upToSeq: after.delivered,
        state: 'delivered',
      });
    }
    if (after.read > before.read) {
      this.refreshOwnStates(entry);
      this.emit({
        type: 'delivery',
        conversationId: entry.snapshot.id,
        upToSeq: after.read,
        state: 'read',
      });
    }
  }

  /** How far EVERY other member has received / read. */
  private othersWatermarks(entry: ConversationEntry): { delivered: number; read: number } {
    let delivered = Number.POSITIVE_INFINITY;
    let read = Number.POSITIVE_INFINITY;
    let others = 0;
    for (const member of entry.snapshot.members) {
      if (member.id === this.selfId) continue;
      others++;
      const mark = entry.receipts.get(member.id);
      delivered = Math.min(delivered, mark?.deliveredSeq ?? 0);
      read = Math.min(read, mark?.readSeq ?? 0);
    }
    return others === 0 ? { delivered: 0, read: 0 } : { delivered, read };
  }

  private deliveryStateOf(entry: ConversationEntry, seq: number): DeliveryState {
    const { delivered, read } = this.othersWatermarks(entry);
    if (seq <= read) return 'read';
    if (seq <= delivered) return 'delivered';
    return 'sent';
  }

  /** Keeps held LocalMessage.state in step; the renderer learns it from `delivery` events. */
  private refreshOwnStates(entry: ConversationEntry): void {
    for (const [key, m] of entry.messages) {
      if (m.mine && m.seq !== null) {
        const state = this.deliveryStateOf(entry, m.seq);
        if (state !== m.state) entry.messages.set(key, { ...m, state });
      }
    }
  }

  private toLocal(entry: ConversationEntry, message: Message): LocalMessage {
    const mine = message.senderId === this.selfId;
    return {
      key: messageKey(message.senderId, message.clientId),
      conversationId: message.conversationId,
      clientId: message.clientId,
      senderId: message.senderId,
      body: message.body,
      createdAt: message.createdAt,
      id: message.id,
      seq: message.seq,
      outboxOrder: null,
      mine,
      state: mine ? this.deliveryStateOf(entry, message.seq) : 'sent',
      error: null,
      kind: message.kind,
      system: message.system,
      editedAt: message.editedAt,
      deletedAt: message.deletedAt,
      replyTo: message.replyTo,
      reactions: message.reactions,
      mentions: message.mentions,
      attachments: message.attachments,
    };
  }

  /** What an unsent reply shows of the message it answers, from what is held. */
  private quoteOf(entry: ConversationEntry, seq: number | undefined): LocalMessage['replyTo'] {
    if (seq === undefined) return null;
    const key = entry.bySeq.get(seq);
    const quoted = key === undefined ? undefined : entry.messages.get(key);
    if (!quoted) return null;
    return {
      seq,
      senderId: quoted.senderId,
      excerpt: codePointPrefix(quoted.body, LIMITS.replyExcerptMax),
      deleted: quoted.deletedAt !== null,
    };
  }

  private unreadCount(entry: ConversationEntry): number {
    const from = Math.max(entry.unreadBaseSeq, entry.lastReadSeq);
    let count = entry.unreadBase;
    for (const m of entry.messages.values()) {
      if (m.seq !== null && !m.mine && m.seq > from) count++;
    }
    return count;
  }

  private view(entry: ConversationEntry): ConversationView {
    let last: LocalMessage | null = null;
    for (const m of entry.messages.values()) {
      if (last === null || compareLocalMessages(m, last) > 0) last = m;
    }
    const snapshotLast = entry.snapshot.lastMessage;
    if (snapshotLast && (last === null || (last.seq !== null && last.seq < snapshotLast.seq))) {
      last = this.toLocal(entry, snapshotLast);
    }
    if (last !== null) last = this.present(entry, last);
    const receipts = entry.snapshot.members.map((member) => {
      const mark = entry.receipts.get(member.id);
      return {
        userId: member.id,
        deliveredSeq: mark?.deliveredSeq ?? 0,
        readSeq: mark?.readSeq ?? 0,
      };
    });
    return {
      id: entry.snapshot.id,
      type: entry.snapshot.type,
      title: entry.snapshot.title,
      members: entry.snapshot.members,
      admins: entry.snapshot.admins,
      notifications: entry.snapshot.notifications,
      avatar: entry.snapshot.avatar,
      createdAt: entry.snapshot.createdAt,
      lastMessage: last,
      lastReadSeq: entry.lastReadSeq,
      unreadCount: this.unreadCount(entry),
      receipts,
      lastActivityAt: last?.createdAt ?? entry.snapshot.createdAt,
    };
  }
}
