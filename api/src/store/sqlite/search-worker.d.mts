import type { Database } from 'better-sqlite3';

export interface StepResult {
  tail: boolean;
  backfill: boolean;
  merge: boolean;
  queueTo: number;
  idle: boolean;
}
export interface Indexer {
  step(options: { backfill: boolean }): StepResult;
}
export function searchSchemaSql(schema: string): string;
export function createIndexer(db: Database, names: { search: string; messages: string }): Indexer;
export function isDamage(error: unknown): boolean;
export function searchFileDamaged(path: string, busyTimeoutMs: number): boolean;
export function fileIdentity(path: string): string | null;
