import type { Clock } from '../clock';
import type { Link } from './link';

const TYPING_RESEND_MS = 3_000;

/**
 * The typing signal: `typing: true` at most every 3 s per conversation, `false` only after
 * a `true`. Ephemeral, so nothing is sent (or kept) while offline.
 */
export class TypingSignal {
  private readonly sentAt = new Map<string, number>();

  constructor(
    private readonly link: Link,
    private readonly clock: Clock,
  ) {}

  async send(conversationId: string, typing: boolean): Promise<void> {
    const now = this.clock.now();
    const last = this.sentAt.get(conversationId);
    if (typing && last !== undefined && now - last < TYPING_RESEND_MS) return;
    if (!typing && last === undefined) return;
    if (!this.link.connected()) return;
    if (typing) this.sentAt.set(conversationId, now);
    else this.sentAt.delete(conversationId);
    await this.link.emit('typing', { conversationId, typing });
  }

  /** The server ends typing on its own when a message or read receipt is sent. */
  forget(conversationId: string): void {
    this.sentAt.delete(conversationId);
  }

  reset(): void {
    this.sentAt.clear();
  }
}
