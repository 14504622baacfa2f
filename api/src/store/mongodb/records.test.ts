import { Types } from 'mongoose';
import { describe, expect, it } from 'vitest';
import type { ConversationDoc, MessageDoc } from './models';
import { toConversationRecord, toMessageRecord } from './records';

const at = new Date('2026-11-26T10:00:00.000Z');
const ann = new Types.ObjectId();
const ben = new Types.ObjectId();

/** A message document exactly as the release before version 2 wrote it. */
const versionOneMessage: MessageDoc = {
  _id: new Types.ObjectId(),
  conversationId: new Types.ObjectId(),
  seq: 7,
  senderId: ann,
  clientId: 'k',
  body: 'old',
  createdAt: at,
};

describe('MongoDB records of documents written before version 2', () => {
  it('reads a version 1 message as a text message that never changed, its seq as its rev', () => {
    expect(toMessageRecord(versionOneMessage)).toEqual({
      id: versionOneMessage._id.toHexString(),
      conversationId: versionOneMessage.conversationId.toHexString(),
      seq: 7,
      senderId: ann.toHexString(),
      clientId: 'k',
      body: 'old',
      createdAt: at,
      kind: 'text',
      system: null,
      rev: 7,
      editedAt: null,
      deletedAt: null,
      replyTo: null,
      reactions: [],
      mentions: [],
    });
  });

  it('reads a version 1 group with its creator as admin and its lastSeq as rev', () => {
    const group: ConversationDoc = {
      _id: new Types.ObjectId(),
      type: 'group',
      title: 'Team',
      memberIds: [ben, ann],
      createdAt: at,
      lastSeq: 4,
      lastActivityAt: at,
    };
    expect(toConversationRecord(group)).toMatchObject({
      rev: 4,
      adminIds: [ben.toHexString()],
    });
    expect(
      toConversationRecord({ ...group, type: 'direct', title: null, directKey: 'k' }).adminIds,
    ).toEqual([]);
  });

  it('never shows the empty entry a removal leaves for a moment', () => {
    const record = toMessageRecord({
      ...versionOneMessage,
      rev: 9,
      reactions: [
        { emoji: '👍', userIds: [] },
        { emoji: '🎉', userIds: [ben, ann] },
      ],
      mentions: [ben],
      replyTo: { seq: 2, senderId: ben, excerpt: '', deleted: true },
    });
    expect(record.reactions).toEqual([
      { emoji: '🎉', userIds: [ben.toHexString(), ann.toHexString()] },
    ]);
    expect(record.mentions).toEqual([ben.toHexString()]);
    expect(record.replyTo).toEqual({
      seq: 2,
      senderId: ben.toHexString(),
      excerpt: '',
      deleted: true,
    });
  });
});
