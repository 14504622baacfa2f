import { Types, trusted, type ClientSession, type mongo } from 'mongoose';
import { LIMITS, codePointPrefix } from '@chat/protocol';
import {
  aroundOf,
  StoreUnavailable,
  type MessageChange,
  type MessageRecord,
  type MessageStore,
  type NewMessage,
} from '../types';
import { isDuplicateKeyOn } from './errors';
import { wordsOf } from '../search-terms';
import { escapeRegExp } from './search';
import { idString, parseId, requireId } from './ids';
import type { KeyedQueue, OperationGate } from './gate';
import type { MessageDoc, Models, ReactionDoc } from './models';
import { toMessageRecord } from './records';
import { inTransaction } from './transactions';

/**
 * How seq is allocated, and what it guarantees.
 *
 * A send is one multi-document transaction (`inTransaction`, so MongoDB must be a replica
 * set; a single-node one will do): it takes the next seq and rev with one `$inc` of the
 * conversation's counters and inserts the message, and both land or neither does. Two
 * sends to one conversation from two API processes write the same conversation document,
 * so one of them meets a write conflict and is retried from the start (a transient
 * transaction error), reading the counters the other left.
 *
 * - No repeats: the unique (conversationId, seq) index refuses a second message with a
 *   seq, whatever a counter says.
 * - No gaps: the counter only moves in the transaction that stores the message.
 * - Durable, also across a failover: the commit is acknowledged with write concern
 *   majority + journal, so no election rolls it back.
 * - `lastSeq` never lags the newest message (the conversation list's lastMessage, unread
 *   counts and the read-receipt cap all read it).
 * - A lost commit reply leaves the message either stored or not; the sender's retry with
 *   the same clientId finds it (created: false, and the service announces it again).
 *
 * Within one process, appends to one conversation are queued (`conversationQueue`), so they do
 * not conflict with each other; the queue is capped (see KeyedQueue) so an outage fails
 * new sends at once instead of piling them up.
 *
 * Databases written before transactions may hold a `lastSeq` that lags its newest message.
 * Then the insert meets its seq taken, the transaction is abandoned, lastSeq is raised to
 * the highest stored seq outside it, and the send starts over (`SEQ_REPAIRS`).
 */
const SEQ_REPAIRS = 3;

/**
 * How changes (edit, delete, reactions) and revs work.
 *
 * A change is one transaction too, run like a send: it reads the message, decides from
 * what it read (a deleted message takes no edit and no new reaction; a reaction already
 * there, or already gone, is no change), takes the next rev with one `$inc` of the
 * conversation's counter and writes the message with that rev, conditional on the message
 * still being as read. A deletion erases the quotes of the replies to it (each with a rev
 * of its own) in the same transaction.
 *
 * Every send and every change of a conversation writes its conversation document, so two
 * of them from any two API instances conflict and one runs again from the start, reading
 * what the other committed. Hence:
 *
 * - No lost update: two reactions at once both land; an edit or a reaction after a
 *   deletion reads the tombstone and is refused; a deletion after either erases it.
 * - Revs are given in commit order: a change with a higher rev never becomes visible
 *   before one with a lower rev, so `changedAfter` never skips a change.
 * - A reply sent while its quoted message is being deleted either reads the tombstone
 *   (an empty excerpt) or is committed first and found by the deletion.
 * - Nothing is announced until the commit is acknowledged (the service announces what
 *   the store resolves with), and an attempt that runs again leaves nothing behind.
 *
 * Changes of one conversation are queued in each process (the same KeyedQueue as sends),
 * so one instance's changes do not conflict with each other.
 *
 * The conditional write (the message still as read) cannot miss inside the transaction
 * (a concurrent write would have been a conflict); should it, the change is decided again
 * from a fresh read, at most CHANGE_ATTEMPTS times.
 */
const CHANGE_ATTEMPTS = 5;

export function mongoMessageStore(
  models: Models,
  gate: OperationGate,
  conversationQueue: KeyedQueue,
): MessageStore {
  const { conversations, messages } = models;
  // Operator-heavy updates go to the driver directly: every value in them is an ObjectId,
  // a number or a string this module built, and Mongoose's casting of positional and
  // $elemMatch paths would only add ways to differ from what is written here.
  const raw = (): mongo.Collection<MessageDoc> =>
    messages.collection as unknown as mongo.Collection<MessageDoc>;

  const findByClientId = (
    conversationId: Types.ObjectId,
    senderId: Types.ObjectId,
    clientId: string,
  ) => messages.findOne({ conversationId, senderId, clientId }).lean();

  const findBySeq = (conversationId: Types.ObjectId, seq: number) =>
    messages.findOne({ conversationId, seq }).lean();

  const highestStoredSeq = async (conversationId: Types.ObjectId): Promise<number> => {
    // `_id: 0`: the (conversationId, seq) index alone answers it (a covered query).
    const newest = await messages
      .findOne({ conversationId }, { _id: 0, seq: 1 })
      .sort({ seq: -1 })
      .lean();
    return newest?.seq ?? 0;
  };

  /** The next rev of the conversation, in the transaction of `session`. */
  const takeRev = async (
    session: ClientSession,
    conversationId: Types.ObjectId,
  ): Promise<number> => {
    const counter = await conversations
      .findOneAndUpdate(
        { _id: conversationId },
        { $inc: { rev: 1 } },
        { session, returnDocument: 'after', projection: { rev: 1 } },
      )
      .lean();
    if (counter?.rev === undefined) {
      throw new TypeError(`no conversation ${idString(conversationId)} to change`);
    }
    return counter.rev;
  };

  /** One conditional update of a message, answered with the document after it (or null). */
  const update = async (
    session: ClientSession,
    filter: mongo.Filter<MessageDoc>,
    change: mongo.UpdateFilter<MessageDoc>,
  ): Promise<MessageDoc | null> =>
    await raw().findOneAndUpdate(filter, change, { session, returnDocument: 'after' });

  /** The message as `current` read it: not deleted, and not changed since (its rev). */
  const asRead = (current: MessageDoc): mongo.Filter<MessageDoc> => ({
    _id: current._id,
    deletedAt: null,
    rev: current.rev === undefined ? { $exists: false } : current.rev,
  });

  /**
   * Erases the quote of every reply to `seq` (the excerpt is a copy of the deleted body),
   * each with a rev of its own, in the transaction of `session`; null if one of them
   * changed under it.
   */
  const eraseQuotes = async (
    session: ClientSession,
    conversationId: Types.ObjectId,
    seq: number,
  ): Promise<MessageRecord[] | null> => {
    const replies = await messages
      .find(
        { conversationId, 'replyTo.seq': seq, 'replyTo.deleted': false },
        { _id: 1 },
        { session },
      )
      .sort({ seq: 1 })
      .lean();
    const affected: MessageRecord[] = [];
    for (const reply of replies) {
      const rev = await takeRev(session, conversationId);
      const erased = await update(
        session,
        { _id: reply._id, 'replyTo.deleted': false },
        { $set: { 'replyTo.excerpt': '', 'replyTo.deleted': true, rev } },
      );
      if (!erased) return null;
      affected.push(toMessageRecord(erased));
    }
    return affected;
  };

  /** Raises a lagging lastSeq to the highest stored seq (a database from before transactions). */
  const repairLastSeq = async (conversationId: Types.ObjectId): Promise<void> => {
    const highest = await highestStoredSeq(conversationId);
    await conversations.updateOne({ _id: conversationId }, { $max: { lastSeq: highest } });
  };

  /** The body of a send's transaction: every read and write passes `session`. */
  const appendIn = async (
    session: ClientSession,
    input: NewMessage,
    conversationId: Types.ObjectId,
    senderId: Types.ObjectId,
  ): Promise<{ doc: MessageDoc; created: boolean }> => {
    const { clientId } = input;
    // Again inside the snapshot: another process may have stored this send meanwhile.
    const repeat = await messages
      .findOne({ conversationId, senderId, clientId }, null, { session })
      .lean();
    if (repeat) return { doc: repeat, created: false };
    const createdAt = new Date();
    const counters = await conversations
      .findOneAndUpdate(
        { _id: conversationId },
        { $inc: { lastSeq: 1, rev: 1 }, $max: { lastActivityAt: createdAt } },
        { session, returnDocument: 'after', projection: { lastSeq: 1, rev: 1 } },
      )
      .lean();
    if (counters?.rev === undefined) {
      throw new TypeError(`no conversation ${idString(conversationId)} to append to`);
    }
    // A deletion of the quoted message conflicts with this transaction (both write the
    // conversation): this reads the tombstone, or the deletion finds this reply.
    const quoted =
      input.replyToSeq === undefined
        ? null
        : await messages
            .findOne({ conversationId, seq: input.replyToSeq }, null, { session })
            .lean();
    const system = input.system;
    const doc: MessageDoc = {
      _id: new Types.ObjectId(),
      conversationId,
      seq: counters.lastSeq,
      senderId,
      clientId,
      body: system ? '' : input.body,
      createdAt,
      kind: system ? 'system' : 'text',
      system: system
        ? {
            event: system.event,
            actorId: requireId(system.actorId, 'actorId'),
            userIds: system.userIds.map((id) => requireId(id, 'userId')),
            title: system.title,
          }
        : null,
      rev: counters.rev,
      editedAt: null,
      deletedAt: null,
      replyTo: quoted
        ? {
            seq: quoted.seq,
            senderId: quoted.senderId,
            excerpt: quoted.deletedAt ? '' : codePointPrefix(quoted.body, LIMITS.replyExcerptMax),
            deleted: Boolean(quoted.deletedAt),
          }
        : null,
      reactions: [],
      mentions: system
        ? []
        : [...new Set(input.mentions ?? [])].map((id) => requireId(id, 'mention')),
      words: system ? [] : searchWords(input.body),
    };
    await messages.insertOne(doc, { session });
    return { doc, created: true };
  };

  const append: MessageStore['append'] = (input) =>
    gate.run(() =>
      conversationQueue.run(input.conversationId, async () => {
        const conversationId = requireId(input.conversationId, 'conversationId');
        const senderId = requireId(input.senderId, 'senderId');
        const { clientId } = input;

        // The common retry (a lost ack) needs no transaction.
        const first = await findByClientId(conversationId, senderId, clientId);
        if (first) return { message: toMessageRecord(first), created: false };

        for (let repair = 0; repair <= SEQ_REPAIRS; repair++) {
          let outcome: Awaited<ReturnType<typeof appendIn>>;
          try {
            outcome = await inTransaction(messages.db, (session) =>
              appendIn(session, input, conversationId, senderId),
            );
          } catch (err) {
            if (isDuplicateKeyOn(err, 'clientId')) {
              // The same send raced itself (a retry while the first try was in flight).
              const winner = await findByClientId(conversationId, senderId, clientId);
              if (winner) return { message: toMessageRecord(winner), created: false };
              throw err;
            }
            if (isDuplicateKeyOn(err, 'seq')) {
              await repairLastSeq(conversationId);
              continue;
            }
            throw err;
          }
          return { message: toMessageRecord(outcome.doc), created: outcome.created };
        }
        // Only reachable when lastSeq keeps lagging after being repaired; nothing is
        // stored, and a retry with the same clientId is safe.
        throw new StoreUnavailable(
          `conversation ${input.conversationId} cannot take a message right now`,
        );
      }),
    );

  /**
   * Runs a change of the message `seq` as one transaction (see CHANGE_ATTEMPTS), in the
   * conversation's queue, through the gate. `work` decides from the message as read in
   * the transaction and passes `session` to every write; it answers null when a
   * conditional write found the message changed since it was read, and the change is then
   * read and decided again in a new transaction. Like a send's, the callback can run more
   * than once: it only reads and writes through `session`.
   */
  const change = (
    conversationId: string,
    seq: number,
    work: (
      session: ClientSession,
      conversationId: Types.ObjectId,
      current: MessageDoc,
    ) => Promise<MessageChange | null>,
  ): Promise<MessageChange> =>
    gate.run(() =>
      conversationQueue.run(conversationId, async () => {
        const _id = parseId(conversationId);
        if (!_id || !Number.isSafeInteger(seq)) return { status: 'missing' };
        for (let attempt = 1; attempt <= CHANGE_ATTEMPTS; attempt++) {
          const outcome = await inTransaction(
            messages.db,
            async (session): Promise<MessageChange | null> => {
              const current = await messages
                .findOne({ conversationId: _id, seq }, null, { session })
                .lean();
              if (!current) return { status: 'missing' };
              const decided = await work(session, _id, current);
              // The rev taken and anything written go with the abort: no gap, no half.
              if (!decided) await session.abortTransaction();
              return decided;
            },
          );
          if (outcome) return outcome;
        }
        throw new StoreUnavailable(`message ${seq} is changing too fast to change right now`);
      }),
    );

  const search: MessageStore['search'] = ({ userId, terms, conversationId, limit, beforeId }) =>
    gate.run(async () => {
      const user = parseId(userId);
      const only = conversationId === undefined ? undefined : parseId(conversationId);
      const after = beforeId === undefined ? undefined : parseId(beforeId);
      if (!user || only === null || after === null || terms.length === 0 || limit <= 0) {
        return [];
      }
      // Membership as stored now: a member removed a moment ago finds nothing there.
      const memberOf = await conversations
        .find(only ? { _id: only, memberIds: user } : { memberIds: user }, { _id: 1 })
        .lean();
      if (memberOf.length === 0) return [];
      const filter: mongo.Filter<MessageDoc> = {
        conversationId: { $in: memberOf.map((c) => c._id) },
        kind: 'text',
        deletedAt: null,
        // Every term must start one of the words: anchored and case-sensitive over
        // folded words, so each is an index range, not a scan.
        words: { $all: terms.map((term) => new RegExp(`^${escapeRegExp(term)}`)) },
      };
      // Newest first by ObjectId: the order stored, to the second across processes.
      if (after) filter._id = { $lt: after };
      const found = await raw().find(filter).sort({ _id: -1 }).limit(Math.floor(limit)).toArray();
      return found.map((doc) => toMessageRecord(doc));
    });

  return {
    append,
    search,

    list: (conversationId, { limit, before, after, changedAfter, around }) =>
      gate.run(async () => {
        const _id = parseId(conversationId);
        if (!_id || limit <= 0) return [];
        if (changedAfter !== undefined) {
          return (
            await messages
              .find({ conversationId: _id, rev: trusted({ $gt: changedAfter }) })
              .sort({ rev: 1 })
              .limit(limit)
              .lean()
          ).map(toMessageRecord);
        }
        if (around !== undefined) {
          const head =
            limit > 1
              ? await messages
                  .find({ conversationId: _id, seq: trusted({ $lt: around }) })
                  .sort({ seq: -1 })
                  .limit(limit - 1)
                  .lean()
              : [];
          const tail = await messages
            .find({ conversationId: _id, seq: trusted({ $gte: around }) })
            .sort({ seq: 1 })
            .limit(limit)
            .lean();
          return aroundOf(head.reverse(), tail, limit).map(toMessageRecord);
        }
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

    get: (conversationId, seq) =>
      gate.run(async () => {
        const _id = parseId(conversationId);
        if (!_id || !Number.isSafeInteger(seq)) return null;
        const doc = await findBySeq(_id, seq);
        return doc ? toMessageRecord(doc) : null;
      }),

    findByClientId: (conversationId, senderId, clientId) =>
      gate.run(async () => {
        const conversation = parseId(conversationId);
        const sender = parseId(senderId);
        if (!conversation || !sender) return null;
        const doc = await findByClientId(conversation, sender, clientId);
        return doc ? toMessageRecord(doc) : null;
      }),

    edit: (conversationId, seq, { body, mentions }) =>
      change(conversationId, seq, async (session, cid, current) => {
        if (current.deletedAt) return { status: 'deleted', message: toMessageRecord(current) };
        const mentionIds = [...new Set(mentions)].map((id) => requireId(id, 'mention'));
        const before = toMessageRecord(current);
        if (current.body === body && before.mentions.join() === mentionIds.map(idString).join()) {
          return { status: 'unchanged', message: before };
        }
        const rev = await takeRev(session, cid);
        const edited = await update(session, asRead(current), {
          $set: { body, mentions: mentionIds, editedAt: new Date(), words: searchWords(body), rev },
        });
        return edited
          ? { status: 'changed', message: toMessageRecord(edited), affected: [] }
          : null;
      }),

    remove: (conversationId, seq) =>
      change(conversationId, seq, async (session, cid, current) => {
        if (current.deletedAt) return { status: 'unchanged', message: toMessageRecord(current) };
        const rev = await takeRev(session, cid);
        const tombstone = await update(session, asRead(current), {
          $set: { body: '', reactions: [], mentions: [], deletedAt: new Date(), words: [], rev },
        });
        if (!tombstone) return null;
        const affected = await eraseQuotes(session, cid, current.seq);
        if (!affected) return null;
        return { status: 'changed', message: toMessageRecord(tombstone), affected };
      }),

    react: (conversationId, seq, { userId, emoji, on }) =>
      change(conversationId, seq, async (session, cid, current) => {
        const user = requireId(userId, 'userId');
        const message = toMessageRecord(current);
        if (current.deletedAt) {
          return on ? { status: 'deleted', message } : { status: 'unchanged', message };
        }
        const entry = message.reactions.find((r) => r.emoji === emoji);
        const mine = entry?.userIds.includes(idString(user)) ?? false;
        // Idempotent both ways: adding one already there or taking back one not there.
        if (on === mine) return { status: 'unchanged', message };
        if (on && !entry && message.reactions.length >= LIMITS.reactionsPerMessageMax) {
          return { status: 'too_many_reactions', message };
        }
        const reactions = reactionsAfter(current.reactions ?? [], emoji, user, on);
        const rev = await takeRev(session, cid);
        const changed = await update(session, asRead(current), { $set: { reactions, rev } });
        return changed
          ? { status: 'changed', message: toMessageRecord(changed), affected: [] }
          : null;
      }),
  };
}

/**
 * A message's reactions after `user` adds (`on`) or takes back their `emoji`: an entry per
 * emoji in the order of its first reaction, never an empty one (an older version removed
 * a last user in two steps and may have left one), `user` at most once in an entry.
 */
export function reactionsAfter(
  stored: readonly ReactionDoc[],
  emoji: string,
  user: Types.ObjectId,
  on: boolean,
): ReactionDoc[] {
  const others = (r: ReactionDoc) => r.userIds.filter((u) => !u.equals(user));
  const kept = stored.filter((r) => r.userIds.length > 0);
  if (!on) {
    return kept
      .map((r) => (r.emoji === emoji ? { emoji, userIds: others(r) } : r))
      .filter((r) => r.userIds.length > 0);
  }
  if (!kept.some((r) => r.emoji === emoji)) return [...kept, { emoji, userIds: [user] }];
  return kept.map((r) => (r.emoji === emoji ? { emoji, userIds: [...others(r), user] } : r));
}

/** What search matches a body by: its distinct folded words. */
export function searchWords(body: string): string[] {
  return [...new Set(wordsOf(body))];
}
