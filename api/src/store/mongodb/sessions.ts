import { Types, trusted } from 'mongoose';
import type { SessionStore } from '../types';
import { parseId, requireId } from './ids';
import type { OperationGate } from './gate';
import type { Models } from './models';
import { toSessionRecord } from './records';

export function mongoSessionStore(
  { sessions, pushSubscriptions }: Models,
  gate: OperationGate,
): SessionStore {
  return {
    create: ({ userId, refreshExpiresAt, client }) =>
      gate.run(async () => {
        const now = new Date();
        const doc = {
          _id: new Types.ObjectId(),
          userId: requireId(userId, 'userId'),
          refreshGeneration: 0,
          createdAt: now,
          refreshExpiresAt,
          revokedAt: null,
          rotatedAt: null,
          client: client ?? '',
          lastActiveAt: now,
        };
        await sessions.insertOne(doc);
        return toSessionRecord(doc);
      }),

    findById: (id) =>
      gate.run(async () => {
        const _id = parseId(id);
        if (!_id) return null;
        const doc = await sessions.findById(_id).lean();
        return doc ? toSessionRecord(doc) : null;
      }),

    listLive: (userId) =>
      gate.run(async () => {
        const owner = parseId(userId);
        if (!owner) return [];
        const docs = await sessions
          .find({ userId: owner, revokedAt: null })
          .sort({ createdAt: -1, _id: -1 })
          .lean();
        return docs.map(toSessionRecord);
      }),

    touch: (id, at) =>
      gate.run(async () => {
        const _id = parseId(id);
        if (!_id) return;
        // Forward only; a document from before version 2 has no lastActiveAt yet.
        await sessions.updateOne(
          {
            _id,
            $or: [
              { lastActiveAt: trusted({ $lt: at }) },
              { lastActiveAt: trusted({ $exists: false }) },
            ],
          },
          { $set: { lastActiveAt: at } },
        );
      }),

    rotate: (id, expectedGeneration, refreshExpiresAt, at = new Date()) =>
      gate.run(async () => {
        const _id = parseId(id);
        if (!_id) return false;
        // One conditional update is the compare-and-swap: of two concurrent rotations
        // presenting the same generation, the server lets exactly one match.
        const result = await sessions.updateOne(
          {
            _id,
            revokedAt: null,
            refreshGeneration: expectedGeneration,
            refreshExpiresAt: trusted({ $gt: new Date() }),
          },
          { $inc: { refreshGeneration: 1 }, $set: { refreshExpiresAt, rotatedAt: at } },
        );
        return result.modifiedCount === 1;
      }),

    revoke: (id, at) =>
      gate.run(async () => {
        const _id = parseId(id);
        if (!_id) return false;
        const result = await sessions.updateOne(
          { _id, revokedAt: null },
          { $set: { revokedAt: at } },
        );
        // A subscription ends with its session (issue #19). After the revocation, so a
        // concurrent subscribe either sees the session revoked or is deleted here.
        await pushSubscriptions.deleteMany({ sessionId: _id });
        return result.modifiedCount === 1;
      }),
  };
}
