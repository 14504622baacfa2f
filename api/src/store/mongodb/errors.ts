import mongoose, { mongo } from 'mongoose';
import { StoreUnavailable, UniqueViolation } from '../types';

const DUPLICATE_KEY = 11000;

/**
 * Server error codes that say "not now" rather than "never": the node cannot take
 * the write at the moment (stepping down, shutting down, out of disk, overloaded,
 * write concern not satisfied in time) or refuses it for this deployment (auth).
 * Names from the server's error_codes.yml.
 */
const UNAVAILABLE_CODES = new Set<number>([
  6, // HostUnreachable
  7, // HostNotFound
  13, // Unauthorized
  18, // AuthenticationFailed
  24, // LockTimeout
  46, // LockBusy
  50, // MaxTimeMSExpired
  64, // WriteConcernFailed
  89, // NetworkTimeout
  91, // ShutdownInProgress
  112, // WriteConflict
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
  14031, // OutOfDiskSpace
]);

const UNAVAILABLE_LABELS = [
  'RetryableWriteError',
  'ResetPool',
  'RetryableError',
  'SystemOverloadedError',
] as const;

/** Mongoose's own wording when the connection is not (or no longer) usable. */
const MONGOOSE_CONNECTION_MESSAGE = /buffering timed out|force closed|initial connection/i;

/** Which fields a duplicate-key error collided on, or null when it is not one. */
export function duplicateKeyFields(err: unknown): string[] | null {
  if (!(err instanceof mongo.MongoServerError) || err.code !== DUPLICATE_KEY) return null;
  // keyPattern is present on every server this driver supports (4.2+); the index name
  // in the message is the fallback for a proxy or an older server that drops it.
  const keyPattern: unknown = err.keyPattern;
  if (keyPattern && typeof keyPattern === 'object') return Object.keys(keyPattern);
  const index = /index: (\S+)/.exec(err.message)?.[1];
  return index ? (INDEX_FIELDS[index] ?? []) : [];
}

/** Index names used by this adapter, for reading a duplicate-key message without keyPattern. */
const INDEX_FIELDS: Readonly<Record<string, string[]>> = {
  username_unique: ['username'],
  message_seq_unique: ['conversationId', 'seq'],
  message_client_unique: ['conversationId', 'senderId', 'clientId'],
  direct_key_unique: ['directKey'],
  watermark_unique: ['conversationId', 'userId'],
};

export function isDuplicateKeyOn(err: unknown, field: string): boolean {
  return duplicateKeyFields(err)?.includes(field) ?? false;
}

export function isUnavailable(err: unknown): boolean {
  if (err instanceof StoreUnavailable) return true;
  if (err instanceof mongo.MongoError) {
    if (
      err instanceof mongo.MongoNetworkError ||
      err instanceof mongo.MongoServerSelectionError ||
      err instanceof mongo.MongoNotConnectedError ||
      err instanceof mongo.MongoTopologyClosedError ||
      err instanceof mongo.MongoClientClosedError ||
      err instanceof mongo.MongoServerClosedError ||
      err instanceof mongo.MongoOperationTimeoutError ||
      err instanceof mongo.MongoWriteConcernError
    ) {
      return true;
    }
    if (typeof err.code === 'number' && UNAVAILABLE_CODES.has(err.code)) return true;
    return UNAVAILABLE_LABELS.some((label) => err.hasErrorLabel(label));
  }
  if (err instanceof mongoose.Error.MongooseServerSelectionError) return true;
  return err instanceof mongoose.Error && MONGOOSE_CONNECTION_MESSAGE.test(err.message);
}

/**
 * Turns a driver or Mongoose error into the port's vocabulary. Anything it does not
 * recognise is returned unchanged: a bug should surface as itself, not as an outage.
 */
export function toStoreError(err: unknown): unknown {
  if (err instanceof UniqueViolation || err instanceof StoreUnavailable) return err;
  if (isDuplicateKeyOn(err, 'username')) return new UniqueViolation('username');
  if (isUnavailable(err)) {
    const reason = err instanceof Error ? err.message : String(err);
    return new StoreUnavailable(`MongoDB is unavailable: ${reason}`, { cause: err });
  }
  return err;
}
