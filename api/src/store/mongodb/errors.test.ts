import mongoose, { mongo } from 'mongoose';
import { describe, expect, it } from 'vitest';
import { StoreUnavailable, UniqueViolation } from '../types';
import { duplicateKeyFields, isDuplicateKeyOn, isUnavailable, toStoreError } from './errors';

/** A duplicate-key error shaped as the server sends it (code, keyPattern, keyValue). */
function duplicateKey(index: string, keyPattern?: Record<string, number>): mongo.MongoServerError {
  return new mongo.MongoServerError({
    message: `E11000 duplicate key error collection: chat.c index: ${index} dup key: { }`,
    code: 11000,
    codeName: 'DuplicateKey',
    ...(keyPattern ? { keyPattern, keyValue: {} } : {}),
  });
}

function serverError(code: number, codeName: string, errorLabels?: string[]) {
  return new mongo.MongoServerError({
    message: codeName,
    code,
    codeName,
    ...(errorLabels ? { errorLabels } : {}),
  });
}

const unavailable: [string, Error][] = [
  ['a network error', new mongo.MongoNetworkError('connection reset')],
  ['a network timeout', new mongo.MongoNetworkTimeoutError('timed out')],
  ['a closed client', new mongo.MongoClientClosedError()],
  ['a stepped-down primary', serverError(189, 'PrimarySteppedDown')],
  ['a node that is no longer primary', serverError(10107, 'NotWritablePrimary')],
  ['a full disk', serverError(14031, 'OutOfDiskSpace')],
  ['a retryable write error', serverError(9999, 'Whatever', ['RetryableWriteError'])],
  [
    'a write concern failure',
    new mongo.MongoWriteConcernError({
      ok: 1,
      writeConcernError: { code: 64, errmsg: 'waiting for replication timed out' },
    }),
  ],
  [
    'a Mongoose buffering timeout',
    new mongoose.Error('Operation `users.findOne()` buffering timed out after 10000ms'),
  ],
];

const notOutages: [string, Error][] = [
  ['a plain bug', new TypeError('x is undefined')],
  ['a server refusal of a bad command', serverError(2, 'BadValue')],
  ['a Mongoose validation error', new mongoose.Error.ValidationError()],
];

describe('MongoDB error mapping', () => {
  it('turns a duplicate username into UniqueViolation("username")', () => {
    const mapped = toStoreError(duplicateKey('username_unique', { username: 1 }));
    expect(mapped).toBeInstanceOf(UniqueViolation);
    expect(mapped).toMatchObject({ field: 'username' });
  });

  it('recognises a duplicate username by its index name when keyPattern is missing', () => {
    expect(toStoreError(duplicateKey('username_unique'))).toBeInstanceOf(UniqueViolation);
  });

  it('tells which fields a duplicate-key error collided on', () => {
    const clientId = duplicateKey('message_client_unique', {
      conversationId: 1,
      senderId: 1,
      clientId: 1,
    });
    expect(isDuplicateKeyOn(clientId, 'clientId')).toBe(true);
    expect(isDuplicateKeyOn(clientId, 'seq')).toBe(false);
    expect(isDuplicateKeyOn(duplicateKey('message_seq_unique'), 'seq')).toBe(true);
    expect(duplicateKeyFields(duplicateKey('direct_key_unique'))).toEqual(['directKey']);
    expect(duplicateKeyFields(serverError(2, 'BadValue'))).toBeNull();
    expect(duplicateKeyFields(new Error('E11000 lookalike'))).toBeNull();
  });

  it('leaves other duplicate keys to the adapter that handles them', () => {
    const seq = duplicateKey('message_seq_unique', { conversationId: 1, seq: 1 });
    expect(toStoreError(seq)).toBe(seq);
  });

  it.each(unavailable)('turns %s into StoreUnavailable, keeping the cause', (_label, err) => {
    expect(isUnavailable(err)).toBe(true);
    const mapped = toStoreError(err);
    expect(mapped).toBeInstanceOf(StoreUnavailable);
    expect((mapped as StoreUnavailable).cause).toBe(err);
    expect((mapped as StoreUnavailable).message).toContain(err.message);
  });

  it.each(notOutages)(
    'passes %s through unchanged, so a bug is not reported as an outage',
    (_label, err) => {
      expect(isUnavailable(err)).toBe(false);
      expect(toStoreError(err)).toBe(err);
    },
  );

  it('keeps errors that are already in the port vocabulary', () => {
    const unique = new UniqueViolation('username');
    const unavailable = new StoreUnavailable('closed');
    expect(toStoreError(unique)).toBe(unique);
    expect(toStoreError(unavailable)).toBe(unavailable);
  });
});
