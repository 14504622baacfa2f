import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMongoStore } from './mongodb';
import { dropUnlistedMongoIndexes } from './mongodb/drop-unlisted-indexes';
import { describeStoreContract } from '../../test/store-contract';
import type { Store } from './types';

/**
 * The shared contract against a real MongoDB, when one is configured. There is no
 * server on the development machines or in CI, so without TEST_MONGODB_URL these are
 * skipped, loudly; the adapter's server-free parts are tested beside it in mongodb/.
 */
const baseUrl = process.env.TEST_MONGODB_URL;

if (!baseUrl) {
  console.warn(
    'MongoDB contract tests skipped: TEST_MONGODB_URL is not set ' +
      '(start a single-node replica set with `docker compose up -d mongodb` and set ' +
      'TEST_MONGODB_URL=mongodb://127.0.0.1:27017/?directConnection=true to run them)',
  );
}

/** `url` with its database path replaced by `name`, keeping hosts, credentials and options. */
export function withDatabase(url: string, name: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(url);
  if (!match) throw new Error(`TEST_MONGODB_URL is not a MongoDB URL: ${url}`);
  return `${match[1] ?? ''}/${name}${match[2] ?? ''}`;
}

describe('withDatabase', () => {
  it('puts a fresh database name into any MongoDB URL', () => {
    expect(withDatabase('mongodb://127.0.0.1:27017', 'db1')).toBe('mongodb://127.0.0.1:27017/db1');
    expect(withDatabase('mongodb://u:p@h1,h2/old?replicaSet=rs0', 'db2')).toBe(
      'mongodb://u:p@h1,h2/db2?replicaSet=rs0',
    );
    expect(withDatabase('mongodb+srv://c.example.net/?w=majority', 'db3')).toBe(
      'mongodb+srv://c.example.net/db3?w=majority',
    );
  });
});

const databases = new Map<Store, string>();

describe.skipIf(!baseUrl)('MongoDB store against a server', () => {
  const url = baseUrl ?? '';

  // Each test gets its own database, dropped afterwards, so runs never see each
  // other's rows and parallel runs on one server do not collide.
  describeStoreContract(
    'mongodb',
    async () => {
      const database = `chat_test_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
      const store = await openMongoStore(withDatabase(url, database), { connectTimeoutMs: 5_000 });
      databases.set(store, database);
      return store;
    },
    async (store) => {
      const database = databases.get(store);
      databases.delete(store);
      if (!database) return;
      // The contract has closed the store by now, so the drop needs its own connection.
      const connection = await mongoose.createConnection(withDatabase(url, database)).asPromise();
      try {
        await connection.dropDatabase();
      } finally {
        await connection.close();
      }
    },
    // A second API process: its own connection to the same database.
    async (store) => {
      const database = databases.get(store);
      if (!database) throw new Error('not a store of this suite');
      return openMongoStore(withDatabase(url, database), { connectTimeoutMs: 5_000 });
    },
  );
});

/** Every `stage` and `indexName` in an explain's winning plan, however deeply nested. */
export function planParts(plan: unknown): { stages: string[]; indexes: string[] } {
  const stages: string[] = [];
  const indexes: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) visit(child);
      return;
    }
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'stage' && typeof value === 'string') stages.push(value);
      else if (key === 'indexName' && typeof value === 'string') indexes.push(value);
      else visit(value);
    }
  };
  visit(plan);
  return { stages, indexes };
}

describe('planParts', () => {
  it('finds stages and index names in nested plans', () => {
    expect(
      planParts({
        queryPlan: {
          stage: 'LIMIT',
          inputStage: { stage: 'FETCH', inputStage: { stage: 'IXSCAN', indexName: 'a' } },
        },
        inputStages: [{ stage: 'IXSCAN', indexName: 'b' }],
      }),
    ).toEqual({ stages: ['LIMIT', 'FETCH', 'IXSCAN', 'IXSCAN'], indexes: ['a', 'b'] });
  });
});

describe.skipIf(!baseUrl)('MongoDB adapter against a server: indexes and faults', () => {
  const url = baseUrl ?? '';
  let database: string;
  let store: Store;
  let connection: mongoose.Connection;

  beforeEach(async () => {
    database = `chat_test_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
    store = await openMongoStore(withDatabase(url, database), { connectTimeoutMs: 5_000 });
    connection = await mongoose.createConnection(withDatabase(url, database)).asPromise();
  });
  afterEach(async () => {
    await store.close();
    await connection.dropDatabase();
    await connection.close();
  });

  const hash = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA';
  const people = async () => {
    const alice = await store.users.create({
      username: 'alice',
      displayName: 'Alice',
      passwordHash: hash,
    });
    const bob = await store.users.create({
      username: 'bob',
      displayName: 'Bob',
      passwordHash: hash,
    });
    const { conversation } = await store.conversations.findOrCreateDirect(alice.id, bob.id);
    return { alice, bob, conversation };
  };

  const explain = async (
    collection: string,
    filter: Record<string, unknown>,
    sort: Record<string, 1 | -1>,
    limit = 50,
  ) => {
    const plan = await connection
      .collection(collection)
      .find(filter)
      .sort(sort)
      .limit(limit)
      .explain('queryPlanner');
    return planParts(
      (plan as { queryPlanner?: { winningPlan?: unknown } }).queryPlanner?.winningPlan,
    );
  };

  it('answers the hot queries from indexes, without a collection scan or an in-memory sort', async () => {
    const { alice, conversation } = await people();
    for (let i = 0; i < 30; i++) {
      await store.messages.append({
        conversationId: conversation.id,
        senderId: alice.id,
        clientId: `m-${i}`,
        body: `message ${i}`,
      });
    }
    const cid = new mongoose.Types.ObjectId(conversation.id);
    const member = new mongoose.Types.ObjectId(alice.id);

    const before = await explain(
      'messages',
      { conversationId: cid, seq: { $lt: 20 } },
      { seq: -1 },
    );
    expect(before.indexes).toContain('message_seq_unique');
    expect(before.stages).not.toContain('COLLSCAN');
    expect(before.stages).not.toContain('SORT');

    const after = await explain('messages', { conversationId: cid, seq: { $gt: 5 } }, { seq: 1 });
    expect(after.indexes).toContain('message_seq_unique');
    expect(after.stages).not.toContain('SORT');

    const list = await explain(
      'conversations',
      {
        memberIds: member,
        $or: [
          { type: 'group' },
          { lastSeq: { $gt: 0 } },
          { openedBy: member },
          { openedBy: { $exists: false } },
        ],
      },
      { lastActivityAt: -1, _id: -1 },
      0,
    );
    expect(list.indexes).toContain('member_activity_id');
    expect(list.stages).not.toContain('COLLSCAN');
    expect(list.stages).not.toContain('SORT');

    const search = await explain(
      'users',
      { _id: { $ne: member }, $or: [{ username: /^bo/ }, { displayNameLower: /^bo/ }] },
      { username: 1 },
      20,
    );
    expect(search.stages).not.toContain('COLLSCAN');
    expect(search.indexes.length).toBeGreaterThan(0);
  });

  it('keeps indexes it does not declare at every open; only the explicit step drops them', async () => {
    // An index of the previous version and one an operator added.
    await connection
      .collection('conversations')
      .createIndex({ memberIds: 1, lastActivityAt: -1 }, { name: 'member_activity' }, undefined);
    await connection
      .collection('users')
      .createIndex({ createdAt: 1 }, { name: 'operator_own' }, undefined);
    const names = async (collection: string) =>
      (await connection.collection(collection).indexes()).map((index) => index.name);

    const again = await openMongoStore(withDatabase(url, database), { connectTimeoutMs: 5_000 });
    await again.close();
    expect(await names('conversations')).toContain('member_activity');
    expect(await names('users')).toContain('operator_own');

    const dropped = await dropUnlistedMongoIndexes(withDatabase(url, database));
    expect(dropped).toEqual(
      expect.arrayContaining(['conversations.member_activity', 'users.operator_own']),
    );
    expect(await names('conversations')).not.toContain('member_activity');
    expect(await names('conversations')).toContain('member_activity_id');
    expect(await names('users')).toEqual(
      expect.arrayContaining(['username_unique', 'username_ci_unique']),
    );
  });

  it('refuses a username that differs only in case, at the database', async () => {
    await people();
    await expect(
      connection.collection('users').insertOne({ username: 'ALICE', displayName: 'x' }),
    ).rejects.toMatchObject({ code: 11000 });
  });

  /**
   * Fault injection with the server's `failCommand` fail point. It needs test commands
   * (`mongod --setParameter enableTestCommands=1`); without them these checks are skipped
   * with a line saying so.
   */
  const failCommand = async (data: Record<string, unknown>): Promise<boolean> => {
    try {
      await connection.db?.admin().command({
        configureFailPoint: 'failCommand',
        mode: { times: 1 },
        data,
      });
      return true;
    } catch {
      console.warn('failCommand fault injection skipped: the server does not allow test commands');
      return false;
    }
  };

  it('retries a send whose insert met a transient error, storing it once with the next seq', async () => {
    const { alice, conversation } = await people();
    if (
      !(await failCommand({
        failCommands: ['insert'],
        errorCode: 112,
        errorLabels: ['TransientTransactionError'],
      }))
    )
      return;
    const sent = await store.messages.append({
      conversationId: conversation.id,
      senderId: alice.id,
      clientId: 'transient-1',
      body: 'once',
    });
    expect(sent).toMatchObject({ created: true, message: { seq: 1 } });
    expect((await store.conversations.findById(conversation.id))?.lastSeq).toBe(1);
  });

  it('a commit whose reply is lost is committed again, and the message is stored exactly once', async () => {
    const { alice, conversation } = await people();
    if (!(await failCommand({ failCommands: ['commitTransaction'], closeConnection: true })))
      return;
    const sent = await store.messages.append({
      conversationId: conversation.id,
      senderId: alice.id,
      clientId: 'lost-commit-1',
      body: 'once',
    });
    expect(sent.message.seq).toBe(1);
    const next = await store.messages.append({
      conversationId: conversation.id,
      senderId: alice.id,
      clientId: 'lost-commit-2',
      body: 'twice',
    });
    expect(next.message.seq).toBe(2);
    const history = await store.messages.list(conversation.id, { limit: 10 });
    expect(history.map((m) => m.clientId)).toEqual(['lost-commit-1', 'lost-commit-2']);
    expect((await store.conversations.findById(conversation.id))?.lastSeq).toBe(2);
  });

  const reactOnce = async () => {
    const { alice, bob, conversation } = await people();
    await store.messages.append({
      conversationId: conversation.id,
      senderId: alice.id,
      clientId: 'react-to-me',
      body: 'react to me',
    });
    return { bob, conversation };
  };

  it('retries a change whose rev allocation met a transient error, applying it once', async () => {
    const { bob, conversation } = await reactOnce();
    // The next findAndModify is the reaction's rev `$inc`, inside its transaction.
    if (
      !(await failCommand({
        failCommands: ['findAndModify'],
        errorCode: 112,
        errorLabels: ['TransientTransactionError'],
      }))
    )
      return;
    const outcome = await store.messages.react(conversation.id, 1, {
      userId: bob.id,
      emoji: '👍',
      on: true,
    });
    expect(outcome).toMatchObject({ status: 'changed', message: { rev: 2 } });
    expect((await store.messages.get(conversation.id, 1))?.reactions).toEqual([
      { emoji: '👍', userIds: [bob.id] },
    ]);
    // The failed attempt's `$inc` went with its abort: no rev skipped.
    expect((await store.conversations.findById(conversation.id))?.rev).toBe(2);
  });

  it('a change whose commit reply is lost is committed again, and applied exactly once', async () => {
    const { bob, conversation } = await reactOnce();
    if (!(await failCommand({ failCommands: ['commitTransaction'], closeConnection: true })))
      return;
    const outcome = await store.messages.remove(conversation.id, 1);
    expect(outcome).toMatchObject({ status: 'changed', message: { rev: 2, body: '' } });
    const again = await store.messages.react(conversation.id, 1, {
      userId: bob.id,
      emoji: '👍',
      on: true,
    });
    expect(again.status).toBe('deleted');
    expect((await store.conversations.findById(conversation.id))?.rev).toBe(2);
  });

  it('a change that fails stores nothing of it and takes no rev', async () => {
    const { bob, conversation } = await reactOnce();
    // Not transient: the transaction is abandoned at once, its `$inc` with it.
    if (!(await failCommand({ failCommands: ['findAndModify'], errorCode: 2 }))) return;
    await expect(store.messages.remove(conversation.id, 1)).rejects.toThrow();
    const message = await store.messages.get(conversation.id, 1);
    expect(message).toMatchObject({ body: 'react to me', deletedAt: null, rev: 1 });
    expect((await store.conversations.findById(conversation.id))?.rev).toBe(1);
    const later = await store.messages.react(conversation.id, 1, {
      userId: bob.id,
      emoji: '🎉',
      on: true,
    });
    expect(later).toMatchObject({ status: 'changed', message: { rev: 2 } });
  });

  it('a failed send stores nothing and moves no counter: the failed attempt leaves no gap', async () => {
    const { alice, conversation } = await people();
    // Not transient: the transaction is abandoned at once.
    if (!(await failCommand({ failCommands: ['insert'], errorCode: 2 }))) return;
    await expect(
      store.messages.append({
        conversationId: conversation.id,
        senderId: alice.id,
        clientId: 'failed-1',
        body: 'lost',
      }),
    ).rejects.toThrow();
    expect((await store.conversations.findById(conversation.id))?.lastSeq).toBe(0);
    const retry = await store.messages.append({
      conversationId: conversation.id,
      senderId: alice.id,
      clientId: 'failed-1',
      body: 'lost',
    });
    expect(retry).toMatchObject({ created: true, message: { seq: 1 } });
  });
});
