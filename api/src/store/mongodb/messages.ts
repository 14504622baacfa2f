import { Types, trusted } from 'mongoose';
import { StoreUnavailable, type MessageRecord, type MessageStore } from '../types';
import { isDuplicateKeyOn } from './errors';
import { parseId, requireId } from './ids';
import type { KeyedQueue, OperationGate } from './gate';
import type { MessageDoc, Models } from './models';
import { toMessageRecord } from './records';

/**
 * How seq is allocated, and what it guarantees.
 *
 * The unique (conversationId, seq) index is the allocator. An append reads the
 * conversation's `lastSeq`, inserts its message at `lastSeq + 1`, and only then moves
 * `lastSeq` up (conditionally, so it never moves down). Two appends that pick the same
 * seq, in one process or several, collide on the index: one insert wins, the other gets
 * E11000, reads the highest seq actually stored and tries the number after it.
 *
 * - No repeats: the unique index refuses a second message with the same seq.
 * - No gaps: a seq is only ever tried right after one that is stored (`lastSeq` is only
 *   raised to a seq whose message exists, and a retry starts from the stored maximum),
 *   and a seq exists only once its message does. So unlike "increment a counter, then
 *   insert", a crash, a lost connection or a refused write between the two steps cannot
 *   burn a number. This holds on a standalone server as on a replica set, with no
 *   transaction.
 * - Durable: the insert is acknowledged with write concern majority + journal before
 *   append resolves.
 *
 * Within one process, appends to one conversation are queued (`appendQueue`), so they
 * never race each other and the retry loop only runs when several API processes write
 * to the same conversation at the same instant; each round of such a race stores one
 * message, so it ends quickly.
 *
 * The one thing a failure between the two steps can leave behind is a `lastSeq` that
 * lags its newest message (say the process dies right after the insert). Nothing is
 * lost: history reads messages, not lastSeq; the sender's retry with the same clientId
 * repairs lastSeq (see `raiseLastSeq` on the idempotent path), and so does the next
 * append, which collides and starts from the stored maximum.
 */
const SEQ_ATTEMPTS = 50;

export function mongoMessageStore(
  { conversations, messages }: Models,
  gate: OperationGate,
  appendQueue: KeyedQueue,
): MessageStore {
  const findByClientId = (
    conversationId: Types.ObjectId,
    senderId: Types.ObjectId,
    clientId: string,
  ) => messages.findOne({ conversationId, senderId, clientId }).lean();

  const highestStoredSeq = async (conversationId: Types.ObjectId): Promise<number> => {
    const newest = await messages.findOne({ conversationId }, { seq: 1 }).sort({ seq: -1 }).lean();
    return newest?.seq ?? 0;
  };

  /** Moves the conversation's lastSeq (and its activity time) up to this message, never down. */
  const raiseLastSeq = async (message: MessageDoc): Promise<void> => {
    await conversations.updateOne(
      { _id: message.conversationId, lastSeq: trusted({ $lt: message.seq }) },
      { $set: { lastSeq: message.seq, lastActivityAt: message.createdAt } },
    );
  };

  const repeated = async (
    message: MessageDoc,
  ): Promise<{ message: MessageRecord; created: false }> => {
    await raiseLastSeq(message);
    return { message: toMessageRecord(message), created: false };
  };

  return {
    append: (input) =>
      gate.run(() =>
        appendQueue.run(input.conversationId, async () => {
          const conversationId = requireId(input.conversationId, 'conversationId');
          const senderId = requireId(input.senderId, 'senderId');
          const { clientId, body } = input;

          const first = await findByClientId(conversationId, senderId, clientId);
          if (first) return repeated(first);

          const conversation = await conversations.findById(conversationId, { lastSeq: 1 }).lean();
          if (!conversation) {
            throw new TypeError(`no conversation ${input.conversationId} to append to`);
          }

          let seq = conversation.lastSeq + 1;
          for (let attempt = 1; attempt <= SEQ_ATTEMPTS; attempt++) {
            const doc: MessageDoc = {
              _id: new Types.ObjectId(),
              conversationId,
              seq,
              senderId,
              clientId,
              body,
              createdAt: new Date(),
            };
            try {
              await messages.insertOne(doc);
            } catch (err) {
              if (isDuplicateKeyOn(err, 'clientId')) {
                // The same send raced itself (a retry while the first try was in flight).
                const winner = await findByClientId(conversationId, senderId, clientId);
                if (winner) return repeated(winner);
                throw err;
              }
              if (isDuplicateKeyOn(err, 'seq')) {
                seq = (await highestStoredSeq(conversationId)) + 1;
                continue;
              }
              throw err;
            }
            await raiseLastSeq(doc);
            return { message: toMessageRecord(doc), created: true };
          }
          // Only reachable when others keep winning the race for the next seq this long;
          // the message is not stored, and a retry with the same clientId is safe.
          throw new StoreUnavailable(
            `conversation ${input.conversationId} is too busy to take a message right now`,
          );
        }),
      ),

    list: (conversationId, { limit, before, after }) =>
      gate.run(async () => {
        const _id = parseId(conversationId);
        if (!_id || limit <= 0) return [];
        if (after !== undefined) {
          const seq = before === undefined ? { $gt: after } : { $gt: after, $lt: before };
          return (
            await messages
              .find({ conversationId: _id, seq: trusted(seq) })
              .sort({ seq: 1 })
              .limit(limit)
              .lean()
          ).map(toMessageRecord);
        }
        const filter =
          before === undefined
            ? { conversationId: _id }
            : { conversationId: _id, seq: trusted({ $lt: before }) };
        const newestFirst = await messages.find(filter).sort({ seq: -1 }).limit(limit).lean();
        return newestFirst.reverse().map(toMessageRecord);
      }),
  };
}
