import { trusted } from 'mongoose';
import type { NotificationLevel, PushStore, PushSubscriptionRecord } from '../types';
import type { OperationGate } from './gate';
import { idString, parseId, parseIds } from './ids';
import type { Models, PushSubscriptionDoc } from './models';

export function mongoPushStore(
  { sessions, pushSubscriptions, pushPreferences, watermarks }: Models,
  gate: OperationGate,
): PushStore {
  /** The live sessions among `sessionIds` (not revoked, not expired). */
  const liveSessions = async (sessionIds: readonly PushSubscriptionDoc['sessionId'][]) => {
    if (sessionIds.length === 0) return new Set<string>();
    const live = await sessions
      .find(
        {
          _id: trusted({ $in: sessionIds }),
          revokedAt: null,
          refreshExpiresAt: trusted({ $gt: new Date() }),
        },
        { _id: 1 },
      )
      .lean();
    return new Set(live.map((doc) => idString(doc._id)));
  };

  return {
    subscribe: (input) =>
      gate.run(async () => {
        const userId = parseId(input.userId);
        const sessionId = parseId(input.sessionId);
        if (!userId || !sessionId) return false;
        const isLive = async () =>
          (await sessions.countDocuments({
            _id: sessionId,
            userId,
            revokedAt: null,
            refreshExpiresAt: trusted({ $gt: new Date() }),
          })) === 1;
        if (!(await isLive())) return false;
        await pushSubscriptions.updateOne(
          { endpoint: input.endpoint },
          {
            $set: {
              userId,
              sessionId,
              p256dh: input.p256dh,
              auth: input.auth,
              createdAt: new Date(),
            },
          },
          { upsert: true },
        );
        // A revocation between the check and the write ran its deleteMany before this
        // write landed: look again and take the subscription back (sessions.ts revoke).
        if (!(await isLive())) {
          await pushSubscriptions.deleteOne({ endpoint: input.endpoint, sessionId });
          return false;
        }
        return true;
      }),

    unsubscribe: (userId, endpoint) =>
      gate.run(async () => {
        const _userId = parseId(userId);
        if (!_userId) return false;
        const result = await pushSubscriptions.deleteOne({ endpoint, userId: _userId });
        return result.deletedCount === 1;
      }),

    remove: (endpoint) =>
      gate.run(async () => (await pushSubscriptions.deleteOne({ endpoint })).deletedCount === 1),

    listForUser: (userId) =>
      gate.run(async () => {
        const _userId = parseId(userId);
        if (!_userId) return [];
        const docs = await pushSubscriptions
          .find({ userId: _userId })
          .sort({ createdAt: 1, endpoint: 1 })
          .lean();
        const live = await liveSessions(docs.map((doc) => doc.sessionId));
        return docs.filter((doc) => live.has(idString(doc.sessionId))).map(toRecord);
      }),

    subscribedAmong: (userIds) =>
      gate.run(async () => {
        const ids = parseIds(userIds);
        if (ids.length === 0) return [];
        const docs = await pushSubscriptions
          .find({ userId: trusted({ $in: ids }) }, { userId: 1, sessionId: 1 })
          .lean();
        const live = await liveSessions(docs.map((doc) => doc.sessionId));
        const users = new Set<string>();
        for (const doc of docs) {
          if (live.has(idString(doc.sessionId))) users.add(idString(doc.userId));
        }
        return [...users];
      }),

    levelsOf: (conversationId, userIds) =>
      gate.run(async () => {
        const result = new Map<string, NotificationLevel>();
        const _conversationId = parseId(conversationId);
        const ids = parseIds(userIds);
        if (!_conversationId || ids.length === 0) return result;
        for (const id of ids) result.set(idString(id), 'all');
        const marks = await watermarks
          .find({ conversationId: _conversationId, userId: trusted({ $in: ids }) })
          .lean();
        for (const mark of marks) {
          if (mark.notifications !== undefined)
            result.set(idString(mark.userId), mark.notifications);
        }
        return result;
      }),

    showText: (userId) =>
      gate.run(async () => {
        const _id = parseId(userId);
        if (!_id) return true;
        const doc = await pushPreferences.findById(_id).lean();
        return doc?.showText ?? true;
      }),

    setShowText: (userId, showText) =>
      gate.run(async () => {
        const _id = parseId(userId);
        if (!_id) return;
        await pushPreferences.updateOne({ _id }, { $set: { showText } }, { upsert: true });
      }),
  };
}

function toRecord(doc: PushSubscriptionDoc): PushSubscriptionRecord {
  return {
    endpoint: doc.endpoint,
    userId: idString(doc.userId),
    sessionId: idString(doc.sessionId),
    p256dh: doc.p256dh,
    auth: doc.auth,
    createdAt: doc.createdAt,
  };
}
