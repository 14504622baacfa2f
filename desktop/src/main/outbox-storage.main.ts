import { z } from 'zod';
import type { OutboxEntry, OutboxStorage } from '../core/outbox';
import type { KeyValueStore } from './key-value-store.main';

const KEY = 'outbox';

const Entry = z.object({
  account: z.string(),
  clientId: z.string().min(1),
  conversationId: z.string().min(1),
  body: z.string(),
  createdAt: z.string(),
  order: z.number(),
  failed: z.object({ code: z.string(), message: z.string() }).loose().nullable(),
});

/**
 * Unsent messages, kept across restarts (drafts, not secrets: electron-store's JSON file
 * is fine). The store is written synchronously and atomically before `put` resolves, so
 * a message the user sent survives a crash right after.
 *
 * An entry that does not read back (damaged file, older format) is left where it is, not
 * deleted: it is the user's words, and a later version may still recover it.
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
      const entries: OutboxEntry[] = [];
      for (const [clientId, value] of Object.entries(read())) {
        const parsed = Entry.safeParse(value);
        if (parsed.success && parsed.data.clientId === clientId) {
          entries.push(parsed.data as OutboxEntry);
        } else {
          log(`outbox: kept an unreadable entry ${JSON.stringify(clientId)} aside`);
        }
      }
      return Promise.resolve(entries.sort((a, b) => a.order - b.order));
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
