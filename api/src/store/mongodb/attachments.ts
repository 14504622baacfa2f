import { Types, trusted } from 'mongoose';
import type { AttachmentRecord, AttachmentStore, AttachmentUse } from '../types';
import { idString, parseId, parseIds, requireId } from './ids';
import type { OperationGate } from './gate';
import type { AttachmentDoc, Models } from './models';

function useOf(doc: AttachmentDoc): AttachmentUse | null {
  if (doc.useKind === 'avatar') return { kind: 'avatar' };
  if (doc.useKind === 'message' && doc.conversationId && doc.messageId) {
    return {
      kind: 'message',
      conversationId: idString(doc.conversationId),
      messageId: idString(doc.messageId),
    };
  }
  return null;
}

function toAttachmentRecord(doc: AttachmentDoc): AttachmentRecord {
  return {
    id: idString(doc._id),
    uploaderId: idString(doc.uploaderId),
    name: doc.name,
    contentType: doc.contentType,
    size: doc.size,
    width: doc.width ?? null,
    height: doc.height ?? null,
    storageKey: doc.storageKey,
    thumbnailKey: doc.thumbnailKey ?? null,
    thumbnailContentType: doc.thumbnailContentType ?? null,
    createdAt: doc.createdAt,
    use: useOf(doc),
  };
}

const byPosition = (a: AttachmentDoc, b: AttachmentDoc) => (a.position ?? 0) - (b.position ?? 0);

export function mongoAttachmentStore(
  { attachments }: Models,
  gate: OperationGate,
): AttachmentStore {
  return {
    create: (input) =>
      gate.run(async () => {
        const doc: AttachmentDoc = {
          _id: new Types.ObjectId(),
          uploaderId: requireId(input.uploaderId, 'uploaderId'),
          name: input.name,
          contentType: input.contentType,
          size: input.size,
          width: input.width,
          height: input.height,
          storageKey: input.storageKey,
          thumbnailKey: input.thumbnailKey,
          thumbnailContentType: input.thumbnailContentType,
          createdAt: input.createdAt,
          useKind: null,
          conversationId: null,
          messageId: null,
          position: null,
          claim: null,
        };
        await attachments.insertOne(doc);
        return toAttachmentRecord(doc);
      }),

    findById: (id) =>
      gate.run(async () => {
        const _id = parseId(id);
        if (!_id) return null;
        const doc = await attachments.findById(_id).lean<AttachmentDoc>();
        return doc ? toAttachmentRecord(doc) : null;
      }),

    // Without a multi-document transaction (a standalone server has none), each upload
    // is claimed by one conditional update, in ascending id order, and a call that
    // loses one of them gives back what it took. The order means two calls racing for
    // the same uploads meet at the same first one, so exactly one of them goes on.
    attach: (ids, uploaderId, use) =>
      gate.run(async () => {
        if (ids.length === 0 || new Set(ids).size !== ids.length) return false;
        const uploader = parseId(uploaderId);
        const parsed = ids.map((id) => parseId(id));
        if (!uploader || parsed.some((id) => id === null)) return false;
        const claim = new Types.ObjectId();
        const conversationId =
          use.kind === 'message' ? requireId(use.conversationId, 'conversationId') : null;
        const messageId = use.kind === 'message' ? requireId(use.messageId, 'messageId') : null;
        const order = ids
          .map((id, position) => ({ id, position }))
          .sort((a, b) => (a.id < b.id ? -1 : 1));
        for (const { id, position } of order) {
          const result = await attachments.updateOne(
            { _id: requireId(id, 'id'), uploaderId: uploader, useKind: null },
            {
              $set: {
                useKind: use.kind,
                conversationId,
                messageId,
                position: use.kind === 'message' ? position : null,
                claim,
              },
            },
          );
          if (result.modifiedCount !== 1) {
            await attachments.updateMany(
              { claim },
              {
                $set: {
                  useKind: null,
                  conversationId: null,
                  messageId: null,
                  position: null,
                  claim: null,
                },
              },
            );
            return false;
          }
        }
        return true;
      }),

    listForMessages: (messageIds) =>
      gate.run(async () => {
        const ids = parseIds(messageIds);
        if (ids.length === 0) return [];
        const docs = await attachments
          .find({ messageId: trusted({ $in: ids }) })
          .lean<AttachmentDoc[]>();
        // Grouped by message in the order asked, each message's in the order attached.
        const order = new Map(ids.map((id, i) => [idString(id), i]));
        const rank = (doc: AttachmentDoc) => order.get(doc.messageId?.toHexString() ?? '') ?? 0;
        return docs.sort((a, b) => rank(a) - rank(b) || byPosition(a, b)).map(toAttachmentRecord);
      }),

    deleteForMessage: (messageId) =>
      gate.run(async () => {
        const id = parseId(messageId);
        if (!id) return [];
        const docs = await attachments.find({ messageId: id }).lean<AttachmentDoc[]>();
        if (docs.length === 0) return [];
        await attachments.deleteMany({
          _id: trusted({ $in: docs.map((doc) => doc._id) }),
          messageId: id,
        });
        return docs.sort(byPosition).map(toAttachmentRecord);
      }),

    listLooseBefore: (before, limit) =>
      gate.run(async () => {
        const n = Math.max(0, Math.floor(limit));
        if (n === 0) return [];
        const docs = await attachments
          .find({ useKind: null, createdAt: trusted({ $lt: before }) })
          .sort({ createdAt: 1 })
          .limit(n)
          .lean<AttachmentDoc[]>();
        return docs.map(toAttachmentRecord);
      }),

    deleteLoose: (id) =>
      gate.run(async () => {
        const _id = parseId(id);
        if (!_id) return false;
        const result = await attachments.deleteOne({ _id, useKind: null });
        return result.deletedCount === 1;
      }),

    delete: (id) =>
      gate.run(async () => {
        const _id = parseId(id);
        if (!_id) return false;
        const result = await attachments.deleteOne({ _id });
        return result.deletedCount === 1;
      }),
  };
}
