import { readOutboxEntries, type OutboxStorage } from './outbox';

const OUTBOX_KEY = 'chat.outbox.v1';

/**
 * Unsent messages in `localStorage` (they survive a reload or a crash), as one JSON map
 * under one key. Writes throw (quota) rather than silently dropping a message.
 */
export function browserOutboxStorage(store: Storage = window.localStorage): OutboxStorage {
  const read = (): Record<string, unknown> => {
    const raw = store.getItem(OUTBOX_KEY);
    if (raw === null) return {};
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = null;
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
    // Never discard it: keep the unreadable value aside for inspection.
    store.setItem(`${OUTBOX_KEY}.corrupt.${Date.now()}`, raw);
    return {};
  };
  return {
    // Entries that do not read back stay in the map (see `readOutboxEntries`).
    load: () => Promise.resolve(readOutboxEntries(read()).entries),
    put(entry) {
      const all = read();
      all[entry.clientId] = entry;
      store.setItem(OUTBOX_KEY, JSON.stringify(all));
      return Promise.resolve();
    },
    delete(clientId) {
      const all = read();
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- a map keyed by clientId
      delete all[clientId];
      store.setItem(OUTBOX_KEY, JSON.stringify(all));
      return Promise.resolve();
    },
  };
}
