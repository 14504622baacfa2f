import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { describe, expect, it } from 'vitest';
import { openMongoStore } from './mongodb';
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
      '(start one with `docker compose up -d mongodb` and set ' +
      'TEST_MONGODB_URL=mongodb://127.0.0.1:27017 to run them)',
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
  );
});
