import { setTimeout as sleep } from 'node:timers/promises';
import { mongo, type ClientSession, type Connection } from 'mongoose';

/**
 * Multi-document transactions: what a send needs so that its seq allocation (the
 * conversation's counters) and its message insert land together or not at all.
 *
 * This is the retry loop of the driver's `session.withTransaction` (the transactions
 * spec's "convenient API"), with one change: the driver keeps retrying for 120 s, far
 * longer than any request should wait, while this loop gives up after `budgetMs` and
 * reports the last error (which the gate turns into StoreUnavailable, 503). Retried:
 * - the whole transaction on a `TransientTransactionError` (a write conflict with another
 *   instance's send, a primary stepping down, a network error before the commit);
 * - the commit alone on `UnknownTransactionCommitResult` (the commit's reply was lost: it
 *   may or may not have applied; committing again is safe, the server answers with the
 *   outcome of the first), except after MaxTimeMSExpired, which is final.
 */
export const TRANSACTION_OPTIONS: mongo.TransactionOptions = {
  // Snapshot: every read in the transaction sees one point in time, and the commit fails
  // with a write conflict if another transaction changed what it wrote meanwhile.
  readConcern: { level: 'snapshot' },
  // Durable across a failover: acknowledged by a majority, journaled.
  writeConcern: new mongo.WriteConcern('majority', undefined, true),
  readPreference: 'primary',
  // A transaction's server-side lifetime for one commit attempt.
  maxCommitTimeMS: 10_000,
};

/** How long one send may spend retrying its transaction before answering unavailable. */
export const TRANSACTION_BUDGET_MS = 20_000;

const BACKOFF_INITIAL_MS = 5;
const BACKOFF_MAX_MS = 500;
const MAX_TIME_MS_EXPIRED = 50;

export type TransactionStep = 'retry-transaction' | 'retry-commit' | 'fail';

function hasLabel(err: unknown, label: string): boolean {
  return err instanceof mongo.MongoError && err.hasErrorLabel(label);
}

/**
 * What to do after `err`, thrown by the callback (`phase: 'body'`) or by the commit
 * (`phase: 'commit'`), when `remainingMs` of the budget is left. Pure, so it is tested
 * without a server.
 */
export function nextTransactionStep(
  err: unknown,
  phase: 'body' | 'commit',
  remainingMs: number,
): TransactionStep {
  if (remainingMs <= 0) return 'fail';
  if (
    phase === 'commit' &&
    hasLabel(err, 'UnknownTransactionCommitResult') &&
    !(err instanceof mongo.MongoServerError && err.code === MAX_TIME_MS_EXPIRED)
  ) {
    return 'retry-commit';
  }
  if (hasLabel(err, 'TransientTransactionError')) return 'retry-transaction';
  return 'fail';
}

/** The pause before transaction attempt `attempt` (1 for the first retry): jittered, growing, capped. */
export function transactionBackoffMs(attempt: number, random: () => number = Math.random): number {
  return random() * Math.min(BACKOFF_INITIAL_MS * 1.5 ** attempt, BACKOFF_MAX_MS);
}

/**
 * Runs `work` in a transaction on a fresh session, retrying as described above, and
 * resolves with what `work` resolved once the commit is acknowledged. `work` must pass
 * `session` to every operation and must be safe to run more than once.
 */
export async function inTransaction<T>(
  connection: Connection,
  work: (session: ClientSession) => Promise<T>,
  budgetMs: number = TRANSACTION_BUDGET_MS,
): Promise<T> {
  const deadline = Date.now() + budgetMs;
  const session = await connection.startSession();
  try {
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) await sleep(transactionBackoffMs(attempt));
      session.startTransaction(TRANSACTION_OPTIONS);
      let result: T;
      try {
        result = await work(session);
      } catch (err) {
        if (session.inTransaction()) await session.abortTransaction().catch(() => undefined);
        if (nextTransactionStep(err, 'body', deadline - Date.now()) === 'retry-transaction') {
          continue;
        }
        throw err;
      }
      // `work` may have ended the transaction itself (nothing to write).
      if (!session.inTransaction()) return result;
      for (;;) {
        try {
          await session.commitTransaction();
          return result;
        } catch (err) {
          const step = nextTransactionStep(err, 'commit', deadline - Date.now());
          if (step === 'retry-commit') continue;
          if (step === 'retry-transaction') break;
          throw err;
        }
      }
    }
  } finally {
    // Never let ending the session hide the outcome (the server reaps it anyway).
    await session.endSession().catch(() => undefined);
  }
}
