/**
 * The outbox port: unsent messages and unapplied changes (edits, deletions, reactions made
 * offline), kept until the server has them. One schema, used by
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
  change?: undefined;
}

/** (version 3) A change to a stored message, made while it could not be sent at once. */
export const OutboxChange = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('edit'), seq: z.number().int().positive(), body: z.string() }),
  z.object({ kind: z.literal('delete'), seq: z.number().int().positive() }),
  z.object({
    kind: z.literal('react'),
    seq: z.number().int().positive(),
    emoji: z.string().min(1),
    on: z.boolean(),
  }),
]);
export type OutboxChange = z.infer<typeof OutboxChange>;

/**
 * (version 3) A change entry has no top-level `body`, on purpose: a release from before
 * changes reads it as unreadable and leaves it alone, instead of sending an edit's text
 * as a new message.
 */
export const StoredOutboxChange = z.object({
  account: z.string(),
  /** The entry's own id (a change is not a message: the server never sees it). */
  clientId: z.string().min(1),
  conversationId: z.string().min(1),
  createdAt: z.string(),
  order: z.number(),
  change: OutboxChange,
  failed: z.null().default(null),
});

export interface OutboxChangeEntry extends Omit<z.infer<typeof StoredOutboxChange>, 'failed'> {
  /** A refused change leaves the outbox at once (it is reverted), so this stays null. */
  failed: null;
}

/** What the outbox keeps: a message to send, or a change to apply. */
export type OutboxItem = OutboxEntry | OutboxChangeEntry;

export function isChange(item: OutboxItem): item is OutboxChangeEntry {
  return item.change !== undefined;
}

/** Persistence of the outbox (electron-store in Electron, localStorage on the web). */
export interface OutboxStorage {
  load(): Promise<OutboxItem[]>;
  put(entry: OutboxItem): Promise<void>;
  delete(clientId: string): Promise<void>;
}

/**
 * The entries of a stored `clientId → entry` map that read back (each under its own
 * clientId), in writing order, and the keys of those that do not.
 */
export function readOutboxEntries(stored: Record<string, unknown>): {
  entries: OutboxItem[];
  unreadable: string[];
} {
  const entries: OutboxItem[] = [];
  const unreadable: string[] = [];
  for (const [clientId, value] of Object.entries(stored)) {
    const isChangeEntry = typeof value === 'object' && value !== null && 'change' in value;
    if (isChangeEntry) {
      const parsed = StoredOutboxChange.safeParse(value);
      if (parsed.success && parsed.data.clientId === clientId) entries.push(parsed.data);
      else unreadable.push(clientId);
      continue;
    }
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
