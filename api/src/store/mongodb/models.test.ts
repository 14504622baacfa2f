import mongoose from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';
import { READ_MAX_TIME_MS, SESSION_TTL_AFTER_EXPIRY_SECONDS, compileModels } from './models';

// A connection that never connects: enough to compile the models and build queries.
const connection = mongoose.createConnection();
const models = compileModels(connection);
afterAll(async () => {
  await connection.close();
});

const indexes = (model: { schema: mongoose.Schema }) =>
  model.schema.indexes().map(([keys, options]) => ({ keys, ...options }));

describe('the MongoDB index specs', () => {
  it('back the conversation list sort (memberIds, then lastActivityAt and _id descending)', () => {
    expect(indexes(models.conversations)).toContainEqual(
      expect.objectContaining({
        keys: { memberIds: 1, lastActivityAt: -1, _id: -1 },
        name: 'member_activity_id',
      }),
    );
  });

  it('make usernames unique case-insensitively, beside the index queries use', () => {
    const users = indexes(models.users);
    expect(users).toContainEqual(
      expect.objectContaining({ keys: { username: 1 }, unique: true, name: 'username_unique' }),
    );
    expect(users).toContainEqual(
      expect.objectContaining({
        keys: { username: 1 },
        unique: true,
        name: 'username_ci_unique',
        collation: { locale: 'en', strength: 2 },
      }),
    );
  });

  it('expire sessions a day after their refresh expiry', () => {
    expect(indexes(models.sessions)).toContainEqual(
      expect.objectContaining({
        keys: { refreshExpiresAt: 1 },
        expireAfterSeconds: SESSION_TTL_AFTER_EXPIRY_SECONDS,
      }),
    );
    expect(SESSION_TTL_AFTER_EXPIRY_SECONDS).toBe(86_400);
  });

  it('bound every read with maxTimeMS unless the query sets its own', async () => {
    // The pre hooks run before the driver is asked (and fails: nothing is connected).
    const query = models.messages.find({});
    await query.exec().catch(() => undefined);
    expect(query.getOptions().maxTimeMS).toBe(READ_MAX_TIME_MS);
    const own = models.messages.findOne({}).maxTimeMS(5);
    await own.exec().catch(() => undefined);
    expect(own.getOptions().maxTimeMS).toBe(5);
  });
});
