import type { ApiClient } from '../api-client';
import type { Clock } from '../clock';
import { ClientError, isTransient } from '../errors';
import type { ChatState } from '../state';
import type { Link } from './link';

/**
 * Receipts this client sends: `delivered` for what it received (debounced per conversation,
 * up to the synced watermark), and `read` receipts, which are never lost: one that cannot
 * be sent is kept and sent again after the next catch-up.
 */
export class Receipts {
  private readonly deliveredSent = new Map<string, number>();
  private readonly deliveredTimers = new Map<string, unknown>();
  private readonly unsentReads = new Map<string, number>();

  constructor(
    private readonly link: Link,
    private readonly deps: { state: ChatState; api: ApiClient; clock: Clock },
  ) {}

  scheduleDelivered(conversationId: string, delayMs: number): void {
    if (this.deliveredTimers.has(conversationId)) return;
    this.deliveredTimers.set(
      conversationId,
      this.deps.clock.setTimeout(() => {
        this.deliveredTimers.delete(conversationId);
        void this.sendDelivered(conversationId);
      }, delayMs),
    );
  }

  /** Over the socket when connected, else over REST; kept for later when both fail. */
  async sendRead(conversationId: string, seq: number): Promise<void> {
    try {
      if (this.link.connected()) {
        await this.link.emit('receipt', { conversationId, type: 'read', seq });
      } else {
        await this.deps.api.markRead(conversationId, seq);
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

  /** After a catch-up: sends the read receipts that could not be sent before. */
  async sendUnsentReads(): Promise<void> {
    for (const [conversationId, seq] of [...this.unsentReads]) {
      if (seq > this.deps.state.lastReadSeq(conversationId) || this.link.connected()) {
        await this.sendRead(conversationId, seq);
      }
    }
  }

  reset(): void {
    for (const timer of this.deliveredTimers.values()) this.deps.clock.clearTimeout(timer);
    this.deliveredTimers.clear();
    this.deliveredSent.clear();
    this.unsentReads.clear();
  }

  private async sendDelivered(conversationId: string): Promise<void> {
    const { state } = this.deps;
    const synced = state.syncedSeq(conversationId);
    if (synced === null || synced === 0 || !this.link.connected()) return;
    const already = Math.max(
      this.deliveredSent.get(conversationId) ?? 0,
      state.ownDeliveredSeq(conversationId),
    );
    if (synced <= already) return;
    this.deliveredSent.set(conversationId, synced);
    try {
      await this.link.emit('receipt', { conversationId, type: 'delivered', seq: synced });
    } catch {
      // Sent again after the next catch-up.
      this.deliveredSent.delete(conversationId);
    }
  }
}
