import { mongo } from 'mongoose';
import { describe, expect, it } from 'vitest';
import { TRANSACTION_OPTIONS, nextTransactionStep, transactionBackoffMs } from './transactions';

function serverError(code: number, labels: string[] = []): mongo.MongoServerError {
  const err = new mongo.MongoServerError({ message: `code ${code}`, code, errmsg: 'x' });
  for (const label of labels) err.addErrorLabel(label);
  return err;
}

describe('the transaction retry policy', () => {
  const writeConflict = serverError(112, ['TransientTransactionError']);
  const lostCommitReply = serverError(91, ['UnknownTransactionCommitResult']);

  it('runs the whole transaction again after a transient error, in the body or the commit', () => {
    expect(nextTransactionStep(writeConflict, 'body', 1_000)).toBe('retry-transaction');
    expect(nextTransactionStep(writeConflict, 'commit', 1_000)).toBe('retry-transaction');
    const network = new mongo.MongoNetworkError('reset');
    network.addErrorLabel('TransientTransactionError');
    expect(nextTransactionStep(network, 'body', 1_000)).toBe('retry-transaction');
  });

  it('commits again when the commit outcome is unknown, but not after MaxTimeMSExpired', () => {
    expect(nextTransactionStep(lostCommitReply, 'commit', 1_000)).toBe('retry-commit');
    // Only a commit can have an unknown outcome.
    expect(nextTransactionStep(lostCommitReply, 'body', 1_000)).toBe('fail');
    const expired = serverError(50, ['UnknownTransactionCommitResult']);
    expect(nextTransactionStep(expired, 'commit', 1_000)).toBe('fail');
  });

  it('gives up once the budget is spent, and on anything not labelled retryable', () => {
    expect(nextTransactionStep(writeConflict, 'body', 0)).toBe('fail');
    expect(nextTransactionStep(lostCommitReply, 'commit', -5)).toBe('fail');
    expect(nextTransactionStep(serverError(11000), 'body', 1_000)).toBe('fail');
    expect(nextTransactionStep(new TypeError('bug'), 'body', 1_000)).toBe('fail');
  });

  it('backs off with jitter, growing and capped at half a second', () => {
    expect(transactionBackoffMs(1, () => 0)).toBe(0);
    expect(transactionBackoffMs(1, () => 1)).toBeCloseTo(7.5);
    expect(transactionBackoffMs(3, () => 1)).toBeGreaterThan(transactionBackoffMs(2, () => 1));
    expect(transactionBackoffMs(100, () => 1)).toBe(500);
  });

  it('reads a snapshot and commits with majority + journal on the primary', () => {
    expect(TRANSACTION_OPTIONS.readConcern).toEqual({ level: 'snapshot' });
    expect(TRANSACTION_OPTIONS.writeConcern).toMatchObject({ w: 'majority', journal: true });
    expect(TRANSACTION_OPTIONS.readPreference).toBe('primary');
  });
});
