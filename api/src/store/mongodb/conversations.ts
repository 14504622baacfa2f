import { Types, trusted } from 'mongoose';
import type {
  ConversationStore,
  ConversationSummary,
  NotificationLevel,
  WatermarkRecord,
} from '../types';
import { isDuplicateKeyOn } from './errors';
import { directKey, idString, isStoreId, parseId, requireId } from './ids';
import type { OperationGate } from './gate';
import type { ConversationDoc, Models } from './models';
import {
  toAvatarDoc,
  toAvatarRecord,
  toConversationRecord,
  toMessageRecord,
  toWatermarkRecord,
} from './records';

/**
 * Two first messages to each other at the same moment can race two upserts on the same
 * directKey; the unique index lets one insert and fails the other with E11000, whose
 * retry then finds the winner. More than a couple of rounds would mean something else
 * is wrong, so the retries are bounded.
 */
const DIRECT_UPSERT_ATTEMPTS = 3;

/** Rounds of read-then-conditional-update when members are added while others change it. */
const MEMBERSHIP_UPDATE_ATTEMPTS = 10;

export function mongoConversationStore(models: Models, gate: OperationGate): ConversationStore {
  const { conversations } = models;
  const findGroup = async (_id: Types.ObjectId) => {
    const doc = await conversations.findOne({ _id, type: 'group' }).lean();
    return doc ? toConversationRecord(doc) : null;
  };

  return {
    findOrCreateDirect: (userA, userB) =>
      gate.run(async () => {
        const a = requireId(userA, 'userA');
        const b = requireId(userB, 'userB');
        if (a.equals(b)) throw new TypeError('a direct conversation needs two distinct users');
        const key = directKey(userA, userB);
        const now = new Date();
        for (let attempt = 1; ; attempt++) {
          try {
            const result = await conversations.findOneAndUpdate(
              { type: 'direct', directKey: key },
              {
                // The server gives the inserted document its _id.
                $setOnInsert: {
                  title: null,
                  memberIds: [a, b],
                  createdAt: now,
                  lastSeq: 0,
                  lastActivityAt: now,
                  rev: 0,
                  adminIds: [],
                },
                // Whoever asks sees it listed before its first message; the other member
                // only from then on (issue #13). On insert this makes [a].
                $addToSet: { openedBy: a },
              },
              {
                upsert: true,
                returnDocument: 'after',
                includeResultMetadata: true,
                lean: true,
                // Every field is set explicitly above; Mongoose adding defaults to
                // $setOnInsert could only collide with them.
                setDefaultsOnInsert: false,
              },
            );
            const doc = result.value;
            if (!doc) throw new Error('the direct conversation upsert returned no document');
            // The server reports `upserted` only to the call whose upsert inserted.
            const created = result.lastErrorObject?.upserted != null;
            return { conversation: toConversationRecord(doc), created };
          } catch (err) {
            if (attempt < DIRECT_UPSERT_ATTEMPTS && isDuplicateKeyOn(err, 'directKey')) continue;
            throw err;
          }
        }
      }),

    createGroup: ({ title, memberIds }) =>
      gate.run(async () => {
        // As SQLite (whose primary key refuses it): a repeated member is a caller's bug.
        if (new Set(memberIds).size !== memberIds.length) {
          throw new TypeError('group member ids must not repeat');
        }
        const now = new Date();
        const doc: ConversationDoc = {
          _id: new Types.ObjectId(),
          type: 'group',
          title,
          memberIds: memberIds.map((id) => requireId(id, 'memberId')),
          createdAt: now,
          lastSeq: 0,
          lastActivityAt: now,
          rev: 0,
          // The creator (first in memberIds) is the group's first admin.
          adminIds: memberIds.slice(0, 1).map((id) => requireId(id, 'memberId')),
        };
        await conversations.insertOne(doc);
        return toConversationRecord(doc);
      }),

    findById: (id) =>
      gate.run(async () => {
        const _id = parseId(id);
        if (!_id) return null;
        const doc = await conversations.findById(_id).lean();
        return doc ? toConversationRecord(doc) : null;
      }),

    listForMember: (userId) =>
      gate.run(async () => {
        const member = parseId(userId);
        if (!member) return [];
        const docs = await conversations
          .find({
            memberIds: member,
            // An empty direct conversation only for those who opened it; groups, and
            // documents from before `openedBy` existed, always. (sanitizeFilter would turn
            // the operators into $eq values: they are this function's own, so trusted.)
            $or: [
              { type: 'group' },
              { lastSeq: trusted({ $gt: 0 }) },
              { openedBy: member },
              { openedBy: trusted({ $exists: false }) },
            ],
          })
          .sort({ lastActivityAt: -1, _id: -1 })
          .lean();
        return summarize(models, docs, member);
      }),

    summaryFor: (conversationId, userId) =>
      gate.run(async () => {
        const _id = parseId(conversationId);
        const member = parseId(userId);
        if (!_id || !member) return null;
        const doc = await conversations.findOne({ _id, memberIds: member }).lean();
        if (!doc) return null;
        const [summary] = await summarize(models, [doc], member);
        return summary ?? null;
      }),

    setTitle: (conversationId, title) =>
      gate.run(async () => {
        const _id = parseId(conversationId);
        if (!_id) return null;
        const doc = await conversations
          .findOneAndUpdate(
            { _id, type: 'group' },
            { $set: { title } },
            { returnDocument: 'after' },
          )
          .lean();
        return doc ? toConversationRecord(doc) : null;
      }),

    setAvatar: (conversationId, avatar) =>
      gate.run(async () => {
        const _id = parseId(conversationId);
        if (!_id) return null;
        const stored = avatar === null ? null : toAvatarDoc(avatar);
        const before = await conversations
          .findOneAndUpdate(
            { _id, type: 'group' },
            { $set: { avatar: stored } },
            { returnDocument: 'before' },
          )
          .lean();
        if (!before) return null;
        return {
          conversation: toConversationRecord({ ...before, avatar: stored }),
          previous: toAvatarRecord(before.avatar),
        };
      }),

    addMembers: (conversationId, userIds, maxMembers) =>
      gate.run(async () => {
        const _id = parseId(conversationId);
        if (!_id) return null;
        const wanted = [...new Set(userIds)].map((id) => requireId(id, 'userId'));
        for (let attempt = 1; ; attempt++) {
          const doc = await conversations.findOne({ _id, type: 'group' }).lean();
          if (!doc) return null;
          const added = wanted.filter((id) => !doc.memberIds.some((m) => m.equals(id)));
          if (added.length === 0) return toConversationRecord(doc);
          if (doc.memberIds.length + added.length > maxMembers) return 'full';
          // Applies only to the member list read above (same length, none of `added` in
          // it), so a concurrent add or removal makes this miss and the loop read again:
          // the limit holds without a transaction.
          const after = await conversations
            .findOneAndUpdate(
              {
                _id,
                type: 'group',
                memberIds: trusted({ $size: doc.memberIds.length, $nin: added }),
              },
              { $push: { memberIds: { $each: added } } },
              { returnDocument: 'after' },
            )
            .lean();
          if (after) return toConversationRecord(after);
          if (attempt >= MEMBERSHIP_UPDATE_ATTEMPTS) {
            throw new Error('the group kept changing while members were being added');
          }
        }
      }),

    removeMember: (conversationId, userId) =>
      gate.run(async () => {
        const _id = parseId(conversationId);
        if (!_id) return null;
        const member = parseId(userId);
        if (!member) return findGroup(_id);
        // One pipeline update: the member and their role go, and a group left without an
        // admin gets its longest-standing member as one, in the same atomic write.
        // (Pipeline stages are not cast by Mongoose: `member` is already an ObjectId.)
        const doc = await conversations
          .findOneAndUpdate(
            { _id, type: 'group' },
            [
              {
                $set: {
                  memberIds: {
                    $filter: { input: '$memberIds', cond: { $ne: ['$$this', member] } },
                  },
                  adminIds: {
                    $filter: {
                      input: { $ifNull: ['$adminIds', []] },
                      cond: { $ne: ['$$this', member] },
                    },
                  },
                },
              },
              {
                $set: {
                  adminIds: {
                    $cond: [
                      {
                        $and: [
                          { $eq: [{ $size: '$adminIds' }, 0] },
                          { $gt: [{ $size: '$memberIds' }, 0] },
                        ],
                      },
                      [{ $first: '$memberIds' }],
                      '$adminIds',
                    ],
                  },
                },
              },
            ],
            { returnDocument: 'after', updatePipeline: true },
          )
          .lean();
        return doc ? toConversationRecord(doc) : null;
      }),

    setAdmin: (conversationId, userId, admin) =>
      gate.run(async () => {
        const _id = parseId(conversationId);
        if (!_id) return null;
        const member = parseId(userId);
        if (!member) return findGroup(_id);
        if (admin) {
          // Only a member is made admin: the filter names them among memberIds.
          const doc = await conversations
            .findOneAndUpdate(
              { _id, type: 'group', memberIds: member },
              { $addToSet: { adminIds: member } },
              { returnDocument: 'after' },
            )
            .lean();
          return doc ? toConversationRecord(doc) : findGroup(_id);
        }
        const doc = await conversations
          .findOneAndUpdate(
            { _id, type: 'group' },
            { $pull: { adminIds: member } },
            { returnDocument: 'after' },
          )
          .lean();
        return doc ? toConversationRecord(doc) : null;
      }),

    setNotifications: (conversationId, userId, level) =>
      gate.run(async () => {
        const cid = parseId(conversationId);
        const uid = parseId(userId);
        if (!cid || !uid) return false;
        const member = await conversations.exists({ _id: cid, memberIds: uid });
        if (!member) return false;
        // The member's watermark document holds it; one that has none yet gets one with
        // nothing received or read. Two first writes at once: the unique index lets one
        // insert, and the other's retry updates it.
        for (let attempt = 1; ; attempt++) {
          try {
            await models.watermarks.updateOne(
              { conversationId: cid, userId: uid },
              {
                $set: { notifications: level },
                $setOnInsert: { deliveredSeq: 0, readSeq: 0 },
              },
              { upsert: true, setDefaultsOnInsert: false },
            );
            return true;
          } catch (err) {
            if (attempt < DIRECT_UPSERT_ATTEMPTS && isDuplicateKeyOn(err, 'userId')) continue;
            throw err;
          }
        }
      }),

    peerIds: (userId) =>
      gate.run(async () => {
        const member = parseId(userId);
        if (!member) return [];
        const ids: unknown[] = await conversations.distinct('memberIds', { memberIds: member });
        const self = idString(member);
        // ObjectId's string form is its hex id.
        return ids.map(String).filter((id) => isStoreId(id) && id !== self);
      }),
  };
}

/**
 * Summaries for many conversations in three round trips whatever their number: the last
 * messages in one query, every member's watermarks in one, and the unread counts in one
 * aggregation that only visits conversations with something unread.
 */
async function summarize(
  { messages, watermarks }: Models,
  docs: readonly ConversationDoc[],
  member: Types.ObjectId,
): Promise<ConversationSummary[]> {
  if (docs.length === 0) return [];
  const conversationIds = docs.map((doc) => doc._id);

  const withMessages = docs.filter((doc) => doc.lastSeq > 0);
  const [lastMessages, marks] = await Promise.all([
    withMessages.length === 0
      ? Promise.resolve([])
      : messages
          .find({
            $or: withMessages.map((doc) => ({ conversationId: doc._id, seq: doc.lastSeq })),
          })
          .lean(),
    watermarks.find({ conversationId: trusted({ $in: conversationIds }) }).lean(),
  ]);

  const lastByConversation = new Map(
    lastMessages.map((message) => [idString(message.conversationId), message]),
  );
  const marksByConversation = new Map<string, Map<string, WatermarkRecord>>();
  const levelByConversation = new Map<string, NotificationLevel>();
  for (const mark of marks) {
    const key = idString(mark.conversationId);
    let byUser = marksByConversation.get(key);
    if (!byUser) marksByConversation.set(key, (byUser = new Map<string, WatermarkRecord>()));
    byUser.set(idString(mark.userId), toWatermarkRecord(mark));
    if (mark.userId.equals(member) && mark.notifications !== undefined) {
      levelByConversation.set(key, mark.notifications);
    }
  }

  const memberKey = idString(member);
  const readSeqOf = (doc: ConversationDoc): number =>
    marksByConversation.get(idString(doc._id))?.get(memberKey)?.readSeq ?? 0;

  const unreadCandidates = docs.filter((doc) => doc.lastSeq > readSeqOf(doc));
  const unreadByConversation = new Map<string, number>();
  if (unreadCandidates.length > 0) {
    // Aggregation filters are not cast or sanitized by Mongoose: every value here is
    // an ObjectId or a number this function built.
    const counts = await messages.aggregate<{ _id: Types.ObjectId; count: number }>([
      {
        $match: {
          $or: unreadCandidates.map((doc) => ({
            conversationId: doc._id,
            seq: { $gt: readSeqOf(doc) },
          })),
          senderId: { $ne: member },
        },
      },
      { $group: { _id: '$conversationId', count: { $sum: 1 } } },
    ]);
    for (const { _id, count } of counts) unreadByConversation.set(idString(_id), count);
  }

  return docs.map((doc) => {
    const key = idString(doc._id);
    const byUser = marksByConversation.get(key);
    const last = lastByConversation.get(key);
    return {
      conversation: toConversationRecord(doc),
      lastMessage: last ? toMessageRecord(last) : null,
      watermarks: doc.memberIds.map((id) => {
        const userId = idString(id);
        return byUser?.get(userId) ?? { userId, deliveredSeq: 0, readSeq: 0 };
      }),
      unreadCount: unreadByConversation.get(key) ?? 0,
      notifications: levelByConversation.get(key) ?? 'all',
    };
  });
}
