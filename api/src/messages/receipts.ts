import type { ReceiptType } from '@chat/protocol';
import type { Membership } from '../conversations/membership';
import type { Notifier } from '../realtime/notifier';
import type { ReceiptStore } from '../store/types';

/**
 * Delivered and read watermarks. They only move up (the store clamps to the newest seq
 * and ignores lower values); the other members hear of a receipt only when it moved, so
 * a stale or repeated receipt costs them nothing.
 */
export class ReceiptsService {
  constructor(
    private readonly receipts: ReceiptStore,
    private readonly membership: Membership,
    private readonly notifier: Notifier,
  ) {}

  /**
   * A `read` also reaches the reader's own other sockets (version 2), so each of their
   * devices clears its unread count; `fromSocketId` is the socket that sent it, if any.
   * @throws ApiError('not_found') when `userId` is not a member.
   */
  async advance(
    userId: string,
    conversationId: string,
    type: ReceiptType,
    seq: number,
    fromSocketId?: string,
  ): Promise<{ deliveredSeq: number; readSeq: number; moved: boolean }> {
    const members = await this.membership.requireMember(conversationId, userId);
    const result = await this.receipts.advance(conversationId, userId, type, seq);
    if (result.moved) {
      this.notifier.toUsers(
        type === 'read' ? members : members.filter((id) => id !== userId),
        'receipt',
        {
          conversationId,
          userId,
          type,
          seq: type === 'read' ? result.readSeq : result.deliveredSeq,
        },
        { exceptSocketId: fromSocketId },
      );
    }
    return { deliveredSeq: result.deliveredSeq, readSeq: result.readSeq, moved: result.moved };
  }
}
