/**
 * In-memory implementations of the storage ports, for tests and for hosts that keep
 * nothing across restarts. Values are copied in and out, as a real store would.
 */
import {
  isChange,
  type OutboxChangeEntry,
  type OutboxEntry,
  type OutboxItem,
  type OutboxStorage,
} from './outbox';
import type { PersistedSession, SessionStorage } from './session';

export class MemorySessionStorage implements SessionStorage {
  private value: PersistedSession | null = null;

  load(): Promise<PersistedSession | null> {
    return Promise.resolve(this.value && structuredCopy(this.value));
  }

  save(session: PersistedSession): Promise<void> {
    this.value = structuredCopy(session);
    return Promise.resolve();
  }

  clear(): Promise<void> {
    this.value = null;
    return Promise.resolve();
  }
}

export class MemoryOutboxStorage implements OutboxStorage {
  private readonly entries = new Map<string, OutboxItem>();

  load(): Promise<OutboxItem[]> {
    return Promise.resolve([...this.entries.values()].map(structuredCopy));
  }

  put(entry: OutboxItem): Promise<void> {
    this.entries.set(entry.clientId, structuredCopy(entry));
    return Promise.resolve();
  }

  delete(clientId: string): Promise<void> {
    this.entries.delete(clientId);
    return Promise.resolve();
  }

  /** For tests: the messages persisted right now. */
  snapshot(): OutboxEntry[] {
    return [...this.entries.values()]
      .filter((e): e is OutboxEntry => !isChange(e))
      .map(structuredCopy);
  }

  /** For tests: the changes persisted right now. */
  snapshotChanges(): OutboxChangeEntry[] {
    return [...this.entries.values()].filter(isChange).map(structuredCopy);
  }
}

function structuredCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
