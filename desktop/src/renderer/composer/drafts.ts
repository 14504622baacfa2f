/**
 * Unsent text per conversation, so neither switching conversations nor reloading the
 * page loses what was typed. Kept in the tab's sessionStorage (gone when the tab closes,
 * never shared with other tabs), one key per account and conversation, so a person who
 * signs in after another in the same tab never sees the other's drafts. When storage is
 * unavailable (or full) drafts still live in memory for the page's lifetime.
 */

export type DraftStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem' | 'key' | 'length'>;

export interface DraftStore {
  get(conversationId: string): string;
  /** An empty text removes the draft. */
  set(conversationId: string, text: string): void;
  /** Every draft of this account (signing out). */
  clear(): void;
}

const PREFIX = 'chat.draft.';

export function createDraftStore(storage: DraftStorage | null, userId: string): DraftStore {
  const prefix = `${PREFIX}${userId}.`;
  const memory = new Map<string, string>();
  const attempt = (write: (s: DraftStorage) => void) => {
    if (storage === null) return;
    try {
      write(storage);
    } catch {
      // Quota or a disabled storage: the in-memory copy still holds it.
    }
  };
  return {
    get(conversationId) {
      const held = memory.get(conversationId);
      if (held !== undefined) return held;
      try {
        return storage?.getItem(prefix + conversationId) ?? '';
      } catch {
        return '';
      }
    },
    set(conversationId, text) {
      memory.set(conversationId, text);
      attempt((s) =>
        text === ''
          ? s.removeItem(prefix + conversationId)
          : s.setItem(prefix + conversationId, text),
      );
    },
    clear() {
      memory.clear();
      attempt((s) => {
        const keys: string[] = [];
        for (let i = 0; i < s.length; i++) {
          const key = s.key(i);
          if (key?.startsWith(prefix) === true) keys.push(key);
        }
        for (const key of keys) s.removeItem(key);
      });
    },
  };
}

function sessionStorageOrNull(): DraftStorage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

const stores = new Map<string, DraftStore>();

/** The drafts of one signed-in account in this tab. */
export function draftsFor(userId: string): DraftStore {
  let store = stores.get(userId);
  if (store === undefined) {
    store = createDraftStore(sessionStorageOrNull(), userId);
    stores.set(userId, store);
  }
  return store;
}
