import type { SqliteContext } from './context';
import { INDEX_MESSAGES_SQL } from './search-index';

/** Messages indexed per transaction: short enough not to hold sends back noticeably. */
const BATCH = 2_000;
/** Index pages merged per transaction once everything is indexed. */
const MERGE_PAGES = 2_000;

export interface SearchBackfill {
  /** Resolves once every message stored before migration 7 is in the search index. */
  readonly done: Promise<void>;
}

/**
 * Indexes the messages that were there before the search index existed (migration 7),
 * newest first, one batch per group-commit transaction, yielding to other work between
 * batches, so start-up does not wait for it and recent messages are searchable first.
 * The mark moves in the same transaction as its batch, and is read inside it, so several
 * processes on one file never index a row twice. Stops when the store closes.
 */
export function startSearchBackfill(context: SqliteContext): SearchBackfill {
  const { db, group, isClosed } = context;
  const mark = db.prepare<[], { indexed_from: number }>(
    'SELECT indexed_from FROM search_backfill WHERE id = 1',
  );
  const fill = db.prepare<[number, number]>(INDEX_MESSAGES_SQL);
  const move = db.prepare<[number]>('UPDATE search_backfill SET indexed_from = ? WHERE id = 1');
  // Negative: merge whatever segments there are, toward one. A query probes every segment
  // once per term, so the many segments a bulk fill leaves make every search slower
  // (about threefold at 1 M messages) until they are merged.
  const merge = db.prepare(
    `INSERT INTO messages_fts (messages_fts, rank) VALUES ('merge', -${MERGE_PAGES})`,
  );

  /** One batch; resolves whether older messages remain. */
  const batch = (): boolean => {
    const from = mark.get()?.indexed_from ?? 1;
    if (from <= 1) return false;
    const next = Math.max(1, from - BATCH);
    fill.run(next, from);
    move.run(next);
    return next > 1;
  };

  const pending = (mark.get()?.indexed_from ?? 1) > 1;
  const done = !pending
    ? Promise.resolve()
    : (async () => {
        while (!isClosed()) {
          try {
            if (!(await group.write(batch))) break;
          } catch (error) {
            // Closed meanwhile: the next start goes on from the mark.
            if (isClosed()) return;
            throw error;
          }
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        // Then the merging, in the same small steps; fewer than 2 changes means done.
        while (!isClosed()) {
          try {
            if ((await group.write(() => merge.run().changes)) < 2) return;
          } catch (error) {
            if (isClosed()) return;
            throw error;
          }
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      })();
  return { done };
}
