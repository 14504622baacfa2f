import { Types, trusted } from 'mongoose';
import { releasedUsername, type NewUser, type UserRecord, type UserStore } from '../types';
import { isDuplicateKeyOn } from './errors';
import { parseId, parseIds } from './ids';
import type { OperationGate } from './gate';
import type { Models } from './models';
import { toAvatarDoc, toAvatarRecord, toUserRecord } from './records';
import { lowerPrefixPattern } from './search';

export function mongoUserStore({ users, blocks }: Models, gate: OperationGate): UserStore {
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
          deletedAt: null,
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
        // `deletedAt: null` matches a missing field too (documents from before version 2).
        const filter: Record<string, unknown> = { deletedAt: null };
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

    markDeleted: (id, at) =>
      gate.run(async () => {
        const _id = parseId(id);
        if (!_id) return false;
        // Erased in storage, not flagged: the name and hash are overwritten.
        const result = await users.updateOne(
          { _id, deletedAt: null },
          {
            $set: {
              displayName: '',
              displayNameLower: '',
              passwordHash: '',
              lastSeenAt: null,
              deletedAt: at,
            },
          },
        );
        return result.modifiedCount === 1;
      }),

    releaseUsername: (id) =>
      gate.run(async () => {
        const _id = parseId(id);
        if (!_id) return false;
        const result = await users.updateOne(
          { _id, deletedAt: trusted({ $ne: null }) },
          { $set: { username: releasedUsername(id) } },
        );
        return result.modifiedCount === 1;
      }),

    setBlocked: (blockerId, blockedId, on, at) =>
      gate.run(async () => {
        const blocker = parseId(blockerId);
        const target = parseId(blockedId);
        if (!blocker || !target) return;
        if (!on) {
          await blocks.deleteOne({ blockerId: blocker, blockedId: target });
          return;
        }
        // Like SQLite's foreign keys: only between users that exist.
        const known = await users.countDocuments({ _id: trusted({ $in: [blocker, target] }) });
        if (known !== 2) return;
        try {
          await blocks.updateOne(
            { blockerId: blocker, blockedId: target },
            { $setOnInsert: { _id: new Types.ObjectId(), createdAt: at } },
            { upsert: true },
          );
        } catch (err) {
          // Two concurrent upserts of the same pair: the other one stored it.
          if (!isDuplicateKeyOn(err, 'blockedId')) throw err;
        }
      }),

    listBlocked: (blockerId) =>
      gate.run(async () => {
        const blocker = parseId(blockerId);
        if (!blocker) return [];
        const docs = await blocks
          .find({ blockerId: blocker })
          .sort({ createdAt: -1, blockedId: 1 })
          .lean();
        return docs.map((doc) => doc.blockedId.toHexString());
      }),

    isBlocked: (blockerId, blockedId) =>
      gate.run(async () => {
        const blocker = parseId(blockerId);
        const target = parseId(blockedId);
        if (!blocker || !target) return false;
        return (await blocks.exists({ blockerId: blocker, blockedId: target })) !== null;
      }),
  };
}
