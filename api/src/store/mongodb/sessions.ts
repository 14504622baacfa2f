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
    create: ({ userId, refreshExpiresAt }) =>
      gate.run(async () => {
        const doc = {
          _id: new Types.ObjectId(),
          userId: requireId(userId, 'userId'),
          refreshGeneration: 0,
          createdAt: new Date(),
          refreshExpiresAt,
          revokedAt: null,
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

    rotate: (id, expectedGeneration, refreshExpiresAt) =>
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
          { $inc: { refreshGeneration: 1 }, $set: { refreshExpiresAt } },
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
