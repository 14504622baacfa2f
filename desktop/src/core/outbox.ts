/**
 * The outbox: every message the user writes is persisted here BEFORE `sendMessage`
 * returns, and stays until the server has acknowledged it (or refused it for good).
 *
 * Exactly once: a message keeps the clientId it was written with through every resend
 * (timeouts, reconnects, restarts), and the server stores one message per clientId.
 *
 * Order: per conversation, ONE message is in flight at a time; the next is sent only
 * after the previous one is acknowledged, so the server's seq order is the writing
 * order. No pipelining: a chat outbox is short and the socket round trip is small,
 * while pipelining would need the server to order concurrent sends by arrival, which
 * the contract does not promise. Conversations drain independently.
 *
 * Errors: network, timeout, 5xx, 401 (the session refreshes) → resend later with the
 * same clientId; 429 → wait Retry-After; any other 4xx → the message is marked failed
 * with the server's reason and kept (the user may retry or discard it); a failed
 * message does not block the ones written after it.
 *
 * Changes (version 3): an edit, deletion or reaction that cannot be sent at once (offline,
 * or messages of the conversation still waiting to go) waits here too, persisted the same
 * way. It is applied once, in the order it was made, after the conversation's pending
 * messages (a change may be about one of them once it is stored, never the other way
 * round). Transient failures retry like a send; a refusal (403, 404, 400) drops the change
 * and tells the listener, so the state reverts it visibly with the server's reason.
 */
import type { Message } from '@chat/protocol';
import { backoffDelay, sleep, type Clock } from './clock';
import type { BridgeError } from '../shared/bridge';
import { ClientError, clientError, isTransient, toBridgeError } from './errors';
import {
  isChange,
  type OutboxChange,
  type OutboxChangeEntry,
  type OutboxEntry,
  type OutboxItem,
  type OutboxStorage,
} from './storage/outbox';

export interface OutboxTransport {
  /** Whether a send can be attempted now (connected). */
  ready(): boolean;
  /** Sends one message; resolves with the stored message or throws a `ClientError`. */
  send(entry: OutboxEntry): Promise<Message>;
  /** Applies one change; resolves with the changed message when the answer carries it. */
  apply(entry: OutboxChangeEntry): Promise<Message | null>;
}

export interface OutboxListener {
  /** New, retried or failed: the entry as it now is. */
  changed(entry: OutboxEntry): void;
  /** The server stored it; the entry has left the outbox. */
  stored(entry: OutboxEntry, message: Message): void;
  removed(entry: OutboxEntry): void;
  /** A change waits to be applied (new, or loaded after a restart). */
  changeQueued(entry: OutboxChangeEntry): void;
  /** The server applied it; the entry has left the outbox. */
  changeApplied(entry: OutboxChangeEntry, message: Message | null): void;
  /** The server refused it for good; the entry has left the outbox. */
  changeRefused(entry: OutboxChangeEntry, error: BridgeError): void;
}

export function accountKey(serverUrl: string, userId: string): string {
  return `${serverUrl} ${userId}`;
}

export class Outbox {
  private readonly entries = new Map<string, OutboxItem>();
  private readonly draining = new Set<string>();
  private account: string | null = null;
  private loaded: Promise<void> | null = null;
  private nextOrder = 1;
  private stopped = false;

  constructor(
    private readonly storage: OutboxStorage,
    private readonly transport: OutboxTransport,
    private readonly clock: Clock,
    private readonly listener: OutboxListener,
  ) {}

  load(): Promise<void> {
    this.loaded ??= this.storage.load().then((entries) => {
      for (const entry of entries) {
        this.entries.set(entry.clientId, entry);
        this.nextOrder = Math.max(this.nextOrder, entry.order + 1);
      }
    });
    return this.loaded;
  }

  /** Only the signed-in account's messages are sent; others wait for their owner. */
  setAccount(account: string | null): void {
    this.account = account;
  }

  /** The current account's unsent messages, in writing order. */
  pending(conversationId?: string): OutboxEntry[] {
    return this.items(conversationId).filter((e): e is OutboxEntry => !isChange(e));
  }

  /** The current account's unapplied changes, in the order they were made. */
  pendingChanges(conversationId?: string): OutboxChangeEntry[] {
    return this.items(conversationId).filter(isChange);
  }

  /**
   * Whether a change to `conversationId` made now must wait in the outbox: something of the
   * conversation is still to be sent or applied (a failed message does not hold it up).
   */
  holdsUp(conversationId: string): boolean {
    return this.items(conversationId).some((e) => e.failed === null);
  }

  private items(conversationId?: string): OutboxItem[] {
    return [...this.entries.values()]
      .filter(
        (e) =>
          e.account === this.account &&
          (conversationId === undefined || e.conversationId === conversationId),
      )
      .sort((a, b) => a.order - b.order);
  }

  /** Keeps a change until it can be applied (after the conversation's pending messages). */
  async enqueueChange(
    conversationId: string,
    change: OutboxChange,
    now: Date,
  ): Promise<OutboxChangeEntry> {
    await this.load();
    if (this.account === null) throw clientError('not_signed_in', 'Not signed in.');
    const entry: OutboxChangeEntry = {
      account: this.account,
      clientId: crypto.randomUUID(),
      conversationId,
      createdAt: now.toISOString(),
      order: this.nextOrder++,
      change,
      failed: null,
    };
    await this.storage.put(entry);
    this.entries.set(entry.clientId, entry);
    this.listener.changeQueued(entry);
    this.kick(conversationId);
    return entry;
  }

  async enqueue(
    conversationId: string,
    body: string,
    now: Date,
    replyToSeq?: number,
    attachments: NonNullable<OutboxEntry['attachments']> = [],
  ): Promise<OutboxEntry> {
    await this.load();
    if (this.account === null) throw clientError('not_signed_in', 'Not signed in.');
    const entry: OutboxEntry = {
      account: this.account,
      clientId: crypto.randomUUID(),
      conversationId,
      body,
      attachments,
      createdAt: now.toISOString(),
      order: this.nextOrder++,
      failed: null,
      ...(replyToSeq === undefined ? {} : { replyToSeq }),
    };
    // Persisted before anyone is told: a crash right after still has it.
    await this.storage.put(entry);
    this.entries.set(entry.clientId, entry);
    this.listener.changed(entry);
    this.kick(conversationId);
    return entry;
  }

  async retry(clientId: string): Promise<void> {
    const entry = this.owned(clientId);
    if (entry.failed === null) return;
    // A retried message goes to the back: it is sent after what was written meanwhile.
    const retried = { ...entry, failed: null, order: this.nextOrder++ };
    await this.storage.put(retried);
    this.entries.set(clientId, retried);
    this.listener.changed(retried);
    this.kick(retried.conversationId);
  }

  /** Only a failed message may be discarded: a pending one may be stored at this very moment. */
  async discard(clientId: string): Promise<void> {
    const entry = this.owned(clientId);
    if (entry.failed === null) {
      throw clientError('conflict', 'Only a message that failed can be discarded.');
    }
    await this.storage.delete(clientId);
    this.entries.delete(clientId);
    this.listener.removed(entry);
  }

  /**
   * How many messages `account` has not sent: what the storage holds now (another tab may
   * have written since this outbox loaded), failed ones included.
   */
  async unsentCount(account: string): Promise<number> {
    // Unapplied changes count too: signing out would lose them as well.
    await this.load();
    const stored = await this.storage.load();
    return stored.filter((e) => e.account === account).length;
  }

  /**
   * Forgets every unsent message of `account` (the user chose to at sign-out). Call it
   * once the account is no longer the current one, so nothing of it is being sent.
   */
  async discardAccount(account: string): Promise<void> {
    await this.load();
    if (account === this.account) {
      throw clientError('conflict', 'The signed-in account is still sending its messages.');
    }
    for (const entry of await this.storage.load()) {
      if (entry.account !== account) continue;
      await this.storage.delete(entry.clientId);
      this.entries.delete(entry.clientId);
    }
  }

  /** Starts sending every conversation that has something to send (e.g. after connecting). */
  kickAll(): void {
    for (const conversationId of new Set(this.items().map((e) => e.conversationId))) {
      this.kick(conversationId);
    }
  }

  kick(conversationId: string): void {
    if (this.draining.has(conversationId) || this.stopped) return;
    this.draining.add(conversationId);
    void this.drain(conversationId).catch((err: unknown) => {
      console.error('outbox: drain stopped unexpectedly', err);
    });
  }

  /** Stops sending (the client is closing); entries stay persisted. */
  stop(): void {
    this.stopped = true;
  }

  private owned(clientId: string): OutboxEntry {
    const entry = this.entries.get(clientId);
    if (entry?.account !== this.account || isChange(entry)) {
      throw clientError('not_found', 'No unsent message with that clientId.');
    }
    return entry;
  }

  private async drain(conversationId: string): Promise<void> {
    let attempt = 0;
    try {
      await this.load();
      while (!this.stopped) {
        // Messages first, then changes: an edit may be about a message only just stored.
        const head =
          this.pending(conversationId).find((e) => e.failed === null) ??
          this.pendingChanges(conversationId)[0];
        if (head === undefined || !this.transport.ready()) return;
        if (isChange(head)) {
          const done = await this.applyChange(head);
          attempt = done ? 0 : attempt + 1;
          if (!done) await sleep(this.clock, backoffDelay(attempt - 1, 250, 15_000));
          continue;
        }
        let message: Message;
        try {
          message = await this.transport.send(head);
        } catch (err) {
          if (this.entries.get(head.clientId) !== head) continue;
          if (!isTransient(err)) {
            const failed = { ...head, failed: toBridgeError(err) };
            await this.storage.put(failed);
            this.entries.set(head.clientId, failed);
            this.listener.changed(failed);
            attempt = 0;
            continue;
          }
          attempt++;
          const retryAfter =
            err instanceof ClientError && err.info.retryAfterSeconds !== undefined
              ? err.info.retryAfterSeconds * 1000
              : 0;
          await sleep(this.clock, Math.max(retryAfter, backoffDelay(attempt - 1, 250, 15_000)));
          continue;
        }
        attempt = 0;
        // State first (the UI shows it sent), then forget it; a crash in between only
        // resends the same clientId, which the server answers with the stored message.
        this.listener.stored(head, message);
        this.entries.delete(head.clientId);
        await this.storage.delete(head.clientId);
      }
    } finally {
      this.draining.delete(conversationId);
    }
  }

  /** One attempt: true when the change has left the outbox (applied or refused). */
  private async applyChange(head: OutboxChangeEntry): Promise<boolean> {
    let message: Message | null;
    try {
      message = await this.transport.apply(head);
    } catch (err) {
      if (this.entries.get(head.clientId) !== head) return true;
      if (isTransient(err)) {
        const retryAfter =
          err instanceof ClientError ? (err.info.retryAfterSeconds ?? 0) * 1000 : 0;
        if (retryAfter > 0) await sleep(this.clock, retryAfter);
        return false;
      }
      this.entries.delete(head.clientId);
      await this.storage.delete(head.clientId);
      this.listener.changeRefused(head, toBridgeError(err));
      return true;
    }
    this.entries.delete(head.clientId);
    await this.storage.delete(head.clientId);
    this.listener.changeApplied(head, message);
    return true;
  }
}
