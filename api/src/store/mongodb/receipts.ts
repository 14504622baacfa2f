import type { ReceiptStore, WatermarkRecord } from '../types';
import { isDuplicateKeyOn } from './errors';
import { parseId } from './ids';
import type { OperationGate } from './gate';
import type { Models } from './models';

/** Two first receipts of one member at once can race the upsert; see conversations.ts. */
const UPSERT_ATTEMPTS = 3;

export function mongoReceiptStore(
  { conversations, watermarks }: Models,
  gate: OperationGate,
): ReceiptStore {
  return {
    advance: (conversationId, userId, type, seq) =>
      gate.run(async (): Promise<WatermarkRecord & { moved: boolean }> => {
        const unmoved = { userId, deliveredSeq: 0, readSeq: 0, moved: false };
        const cid = parseId(conversationId);
        const uid = parseId(userId);
        if (!cid || !uid) return unmoved;

        // Only a member has watermarks; anyone else's receipt moves nothing.
        const conversation = await conversations
          .findOne({ _id: cid, memberIds: uid }, { lastSeq: 1 })
          .lean();
        if (!conversation) return unmoved;
        const requested = Number.isFinite(seq) ? Math.floor(seq) : 0;
        const target = Math.min(requested, conversation.lastSeq);
        if (target <= 0) {
          const current = await watermarks.findOne({ conversationId: cid, userId: uid }).lean();
          return current
            ? { userId, deliveredSeq: current.deliveredSeq, readSeq: current.readSeq, moved: false }
            : unmoved;
        }

        // $max makes "never down" the server's job, so concurrent receipts (two devices
        // of one user) cannot lower each other's watermark. The document as it was
        // before tells whether this call moved it.
        const update =
          type === 'read'
            ? { $max: { readSeq: target, deliveredSeq: target } }
            : { $max: { deliveredSeq: target }, $setOnInsert: { readSeq: 0 } };
        for (let attempt = 1; ; attempt++) {
          try {
            const before = await watermarks
              .findOneAndUpdate({ conversationId: cid, userId: uid }, update, {
                upsert: true,
                returnDocument: 'before',
                setDefaultsOnInsert: false,
              })
              .lean();
            const deliveredBefore = before?.deliveredSeq ?? 0;
            const readBefore = before?.readSeq ?? 0;
            const deliveredSeq = Math.max(deliveredBefore, target);
            const readSeq = type === 'read' ? Math.max(readBefore, target) : readBefore;
            const moved = type === 'read' ? target > readBefore : target > deliveredBefore;
            return { userId, deliveredSeq, readSeq, moved };
          } catch (err) {
            if (attempt < UPSERT_ATTEMPTS && isDuplicateKeyOn(err, 'userId')) continue;
            throw err;
          }
        }
      }),
  };
}
