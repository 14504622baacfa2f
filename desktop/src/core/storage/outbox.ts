/**
 * The outbox port: unsent messages, kept until the server has them. One schema, used by
 * every adapter beside this file to read back what it stored. An entry that does not read
 * back is left where it is, never deleted: it is the user's words, and a later version
 * may still recover it.
 *
 * Adapters: `outbox.main.ts` (electron-store), `outbox.web.ts` (`localStorage`),
 * `memory.ts` (tests).
 */
import { z } from 'zod';
import { Attachment } from '@chat/protocol';
import type { BridgeError } from '../../shared/bridge';

export const StoredOutboxEntry = z.object({
  /** Whose message this is (`serverUrl` + user id), so a later sign-in as someone else never sends it. */
  account: z.string(),
  clientId: z.string().min(1),
  conversationId: z.string().min(1),
  body: z.string(),
  /** Uploads already stored on the server, sent with the message (older entries: none). */
  attachments: z.array(Attachment).default([]),
  /** Local time of writing. */
  createdAt: z.string(),
  /** Increasing in writing order, across restarts. */
  order: z.number(),
  /** (version 2) The seq of the message it answers; absent in entries written before replies. */
  replyToSeq: z.number().int().positive().optional(),
  /** Set when the server refused it for good (a `BridgeError`). */
  failed: z.object({ code: z.string(), message: z.string() }).loose().nullable(),
});

export interface OutboxEntry extends Omit<
  z.infer<typeof StoredOutboxEntry>,
  'failed' | 'attachments'
> {
  failed: BridgeError | null;
  /** Absent reads as none. */
  attachments?: Attachment[];
}

/** Persistence of the outbox (electron-store in Electron, localStorage on the web). */
export interface OutboxStorage {
  load(): Promise<OutboxEntry[]>;
  put(entry: OutboxEntry): Promise<void>;
  delete(clientId: string): Promise<void>;
}

/**
 * The entries of a stored `clientId → entry` map that read back (each under its own
 * clientId), in writing order, and the keys of those that do not.
 */
export function readOutboxEntries(stored: Record<string, unknown>): {
  entries: OutboxEntry[];
  unreadable: string[];
} {
  const entries: OutboxEntry[] = [];
  const unreadable: string[] = [];
  for (const [clientId, value] of Object.entries(stored)) {
    const parsed = StoredOutboxEntry.safeParse(value);
    if (parsed.success && parsed.data.clientId === clientId) {
      // The stored error code is kept as written: it came from a BridgeError.
      entries.push(parsed.data as OutboxEntry);
    } else {
      unreadable.push(clientId);
    }
  }
  return { entries: entries.sort((a, b) => a.order - b.order), unreadable };
}
