import type { Database } from 'better-sqlite3';

/**
 * The search index's merge work, off the event loop.
 *
 * FTS5 keeps its index as segments in levels and, by default (automerge = 4), merges them
 * inside whichever commit crosses each 64 leaf pages written: 64 × (levels) pages of merge
 * work, megabytes after a burst has left many levels, in one commit on the event loop
 * (docs/BENCHMARKS.md, the p99 bullet). With automerge off the commits only write their new
 * segments; the checkpointer's thread (checkpoint-worker.mjs) does the merging in short
 * steps between the loop's writes (write-turn.ts).
 *
 * Automerge is a setting of the FTS5 table (its _config row), not of a connection, so it
 * is set when a writer opens the file with the thread running, not by a migration: no
 * schema version moves and an older build still opens the file. An older build writing to
 * it does not merge in its commits either, until a build with the thread opens it again,
 * but FTS5's crisis merge (crisismerge, 16 segments on a level) still runs inside commits:
 * its index stays bounded, at up to 15 segments a level instead of about 4. If the thread
 * dies the setting goes back to the default and the commits merge as before.
 */

/** The FTS5 table whose merging moves to the thread. */
export const SEARCH_TABLE = 'messages_fts';
/**
 * Pages a merge step writes: what the loop waits at most when it comes to write mid-step.
 * 16 pages measured about 1 ms of CPU (docs/BENCHMARKS.md, the row on this lever).
 */
export const MERGE_STEP_PAGES = 16;
/** FTS5's default automerge, restored when the thread is gone. */
const DEFAULT_AUTOMERGE = 4;

/** Sets the index's automerge (a write: run before the thread starts, or holding the turn). */
export function setAutomerge(db: Database, segments: number): void {
  const current = db
    .prepare<[], number>(`SELECT v FROM ${SEARCH_TABLE}_config WHERE k = 'automerge'`)
    .pluck()
    .get();
  if ((current ?? DEFAULT_AUTOMERGE) === segments) return;
  // Written into the statement: FTS5 refuses the value unless it is an INTEGER, and
  // better-sqlite3 binds a JavaScript number as a REAL.
  db.prepare(
    `INSERT INTO ${SEARCH_TABLE} (${SEARCH_TABLE}, rank) VALUES ('automerge', ${Math.trunc(segments)})`,
  ).run();
}

/** Commits merge again, as FTS5 does by default (the thread that merged is gone). */
export function restoreAutomerge(db: Database): void {
  setAutomerge(db, DEFAULT_AUTOMERGE);
}
