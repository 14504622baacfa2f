import type { KeyValueStore } from '../../main/storage/key-value-store.main';
import { readOutboxEntries, type OutboxStorage } from './outbox';

const KEY = 'outbox';

/**
 * Unsent messages, kept across restarts (drafts, not secrets: electron-store's JSON file
 * is fine). The store is written synchronously and atomically before `put` resolves, so
 * a message the user sent survives a crash right after.
 */
export function createOutboxStorage(
  store: KeyValueStore,
  log: (message: string) => void,
): OutboxStorage {
  const read = (): Record<string, unknown> => {
    const value = store.get(KEY);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? { ...(value as Record<string, unknown>) }
      : {};
  };

  return {
    load() {
      const { entries, unreadable } = readOutboxEntries(read());
      for (const clientId of unreadable) {
        log(`outbox: kept an unreadable entry ${JSON.stringify(clientId)} aside`);
      }
      return Promise.resolve(entries);
    },
    // A failed write (disk full, read-only profile) rejects, so the core reports it
    // instead of believing the message is safe.
    put: (entry) =>
      new Promise<void>((resolve) => {
        const all = read();
        all[entry.clientId] = entry;
        store.set(KEY, all);
        resolve();
      }),
    delete: (clientId) =>
      new Promise<void>((resolve) => {
        const all = read();
        if (clientId in all) {
          // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- keyed by clientId
          delete all[clientId];
          store.set(KEY, all);
        }
        resolve();
      }),
  };
}
