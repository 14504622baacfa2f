import type { mongo } from 'mongoose';
import { searchWords } from './messages';
import type { MessageDoc, Models } from './models';

/**
 * Brings documents written before version 2 forward, the MongoDB side of SQLite's
 * migration 2. Every step only touches documents that lack the new fields, so running it
 * again (each API instance does at start, several may at once) changes nothing more.
 *
 * Updates go through the driver as update pipelines (they read other fields of the same
 * document), which Mongoose would refuse without casting them.
 */
export async function upgradeDocuments({
  conversations,
  messages,
  sessions,
}: Models): Promise<void> {
  // A message from before version 2 was created once and never changed: its seq is a rev
  // unique and increasing within its conversation.
  await messages.collection.updateMany({ rev: { $exists: false } }, [
    {
      $set: {
        rev: '$seq',
        kind: 'text',
        system: null,
        editedAt: null,
        deletedAt: null,
        replyTo: null,
        reactions: [],
        mentions: [],
      },
    },
  ]);
  // The counter starts above every rev just given. lastSeq can lag the newest message
  // (see messages.ts), so it is read from the messages, one indexed lookup each.
  const stale = conversations.collection.find(
    { rev: { $exists: false } },
    { projection: { _id: 1, lastSeq: 1 } },
  );
  for await (const conversation of stale) {
    const newest = await messages.collection.findOne(
      { conversationId: conversation._id },
      { sort: { seq: -1 }, projection: { seq: 1 } },
    );
    const lastSeq = typeof conversation.lastSeq === 'number' ? conversation.lastSeq : 0;
    const highest = typeof newest?.seq === 'number' ? newest.seq : 0;
    await conversations.collection.updateOne(
      { _id: conversation._id, rev: { $exists: false } },
      { $set: { rev: Math.max(lastSeq, highest) } },
    );
  }
  // The creator of a group (its first member) is its first admin; directs have none.
  await conversations.collection.updateMany({ adminIds: { $exists: false } }, [
    {
      $set: {
        adminIds: {
          $cond: [{ $eq: ['$type', 'group'] }, { $slice: ['$memberIds', 1] }, []],
        },
      },
    },
  ]);
  // The side of SQLite's migration 6: a session from before then was, as far as anyone
  // knows, last active when it was made, from an unknown client.
  await sessions.collection.updateMany({ lastActiveAt: { $exists: false } }, [
    { $set: { lastActiveAt: '$createdAt', client: '' } },
  ]);
}

/** Documents per bulk write while filling in search words. */
const WORDS_BATCH = 1000;

/**
 * Gives every message written before search its folded words (the MongoDB side of
 * SQLite's migration 7). The words are computed here, not in an update pipeline, so they
 * are exactly what a new message gets. Only documents without the field are touched, and
 * each update is conditional on that still being so: a concurrent edit, or another
 * instance doing the same at start, wins.
 */
export async function fillSearchWords({ messages }: Models): Promise<void> {
  const raw = messages.collection as unknown as mongo.Collection<MessageDoc>;
  const pending = raw.find(
    { words: { $exists: false } },
    { projection: { _id: 1, body: 1, kind: 1, deletedAt: 1 } },
  );
  let batch: mongo.AnyBulkWriteOperation<MessageDoc>[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await raw.bulkWrite(batch, { ordered: false });
    batch = [];
  };
  for await (const doc of pending) {
    const body = typeof doc.body === 'string' ? doc.body : '';
    const searchable = doc.kind !== 'system' && !doc.deletedAt;
    batch.push({
      updateOne: {
        filter: { _id: doc._id, words: { $exists: false } },
        update: { $set: { words: searchable ? searchWords(body) : [] } },
      },
    });
    if (batch.length >= WORDS_BATCH) await flush();
  }
  await flush();
}
