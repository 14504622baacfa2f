import { Types, trusted } from 'mongoose';
import type { NewUser, UserRecord, UserStore } from '../types';
import { parseId, parseIds } from './ids';
import type { OperationGate } from './gate';
import type { Models } from './models';
import { toAvatarDoc, toAvatarRecord, toUserRecord } from './records';
import { lowerPrefixPattern } from './search';

export function mongoUserStore({ users }: Models, gate: OperationGate): UserStore {
  return {
    create: (input: NewUser) =>
      gate.run(async () => {
        const doc = {
          _id: new Types.ObjectId(),
          username: input.username,
          displayName: input.displayName,
          displayNameLower: input.displayName.toLowerCase(),
          passwordHash: input.passwordHash,
          createdAt: new Date(),
          lastSeenAt: null,
          avatar: null,
        };
        await users.insertOne(doc);
        return toUserRecord(doc);
      }),

    findById: (id) =>
      gate.run(async () => {
        const _id = parseId(id);
        if (!_id) return null;
        const doc = await users.findById(_id).lean();
        return doc ? toUserRecord(doc) : null;
      }),

    findByUsername: (username) =>
      gate.run(async () => {
        if (typeof username !== 'string') return null;
        const doc = await users.findOne({ username }).lean();
        return doc ? toUserRecord(doc) : null;
      }),

    findByIds: (ids) =>
      gate.run(async () => {
        const objectIds = parseIds(ids);
        if (objectIds.length === 0) return [];
        const docs = await users.find({ _id: trusted({ $in: objectIds }) }).lean();
        return docs.map(toUserRecord);
      }),

    search: (prefix, { excludeId, limit }) =>
      gate.run(async (): Promise<UserRecord[]> => {
        if (limit <= 0) return [];
        const filter: Record<string, unknown> = {};
        const excluded = parseId(excludeId);
        if (excluded) filter._id = trusted({ $ne: excluded });
        if (prefix !== '') {
          // Both fields are stored lower-cased, so one lower-cased, anchored pattern
          // searches both case-insensitively and each side can use its index.
          const pattern = lowerPrefixPattern(prefix);
          filter.$or = [{ username: pattern }, { displayNameLower: pattern }];
        }
        const docs = await users.find(filter).sort({ username: 1 }).limit(limit).lean();
        return docs.map(toUserRecord);
      }),

    setPasswordHash: (id, passwordHash) =>
      gate.run(async () => {
        const _id = parseId(id);
        if (!_id) return;
        await users.updateOne({ _id }, { $set: { passwordHash } });
      }),

    setDisplayName: (id, displayName) =>
      gate.run(async () => {
        const _id = parseId(id);
        if (!_id) return null;
        const doc = await users
          .findOneAndUpdate(
            { _id },
            { $set: { displayName, displayNameLower: displayName.toLowerCase() } },
            { returnDocument: 'after' },
          )
          .lean();
        return doc ? toUserRecord(doc) : null;
      }),

    setAvatar: (id, avatar) =>
      gate.run(async () => {
        const _id = parseId(id);
        if (!_id) return null;
        const stored = avatar === null ? null : toAvatarDoc(avatar);
        // One atomic write that also hands back what it replaced.
        const before = await users
          .findOneAndUpdate({ _id }, { $set: { avatar: stored } }, { returnDocument: 'before' })
          .lean();
        if (!before) return null;
        return {
          user: toUserRecord({ ...before, avatar: stored }),
          previous: toAvatarRecord(before.avatar),
        };
      }),

    setLastSeen: (id, at) =>
      gate.run(async () => {
        const _id = parseId(id);
        if (!_id) return;
        await users.updateOne({ _id }, { $set: { lastSeenAt: at } });
      }),
  };
}
