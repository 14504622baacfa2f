import type { ReceiptStore, WatermarkRecord } from '../types';
import type { SqliteContext } from './context';

export function createReceiptStore({ db, group }: SqliteContext): ReceiptStore {
  const current = db.prepare<
    [string, string],
    { last_seq: number; delivered_seq: number; read_seq: number }
  >(
    `SELECT c.last_seq, cm.delivered_seq, cm.read_seq
     FROM conversation_members cm JOIN conversations c ON c.id = cm.conversation_id
     WHERE cm.conversation_id = ? AND cm.user_id = ?`,
  );
  const update = db.prepare<[number, number, string, string]>(
    `UPDATE conversation_members SET delivered_seq = ?, read_seq = ?
     WHERE conversation_id = ? AND user_id = ?`,
  );

  // Read and write in one step of a group commit, so the watermark moves atomically.
  const advance = (
    conversationId: string,
    userId: string,
    type: 'delivered' | 'read',
    seq: number,
  ): WatermarkRecord & { moved: boolean } => {
    const row = current.get(conversationId, userId);
    // Not a member (or no such conversation): there is no watermark to move.
    if (!row) return { userId, deliveredSeq: 0, readSeq: 0, moved: false };
    const wanted = Number.isFinite(seq) ? Math.floor(seq) : 0;
    const target = Math.max(0, Math.min(wanted, row.last_seq));
    const readSeq = type === 'read' ? Math.max(row.read_seq, target) : row.read_seq;
    // Having read a message means holding it, so read pulls delivered along.
    const deliveredSeq = Math.max(row.delivered_seq, target, readSeq);
    const moved = type === 'read' ? readSeq > row.read_seq : deliveredSeq > row.delivered_seq;
    if (deliveredSeq !== row.delivered_seq || readSeq !== row.read_seq) {
      update.run(deliveredSeq, readSeq, conversationId, userId);
    }
    return { userId, deliveredSeq, readSeq, moved };
  };

  return {
    advance: (conversationId, userId, type, seq) =>
      group.write(() => advance(conversationId, userId, type, seq)),
  };
}
