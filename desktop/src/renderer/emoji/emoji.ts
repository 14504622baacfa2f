import { EMOJI, type EmojiEntry } from './emoji-data';

/** The picker's first row before anything was used on this device. */
export const DEFAULT_EMOJI = ['👍', '❤️', '😂', '😮', '😢', '🙏', '🎉', '👀'] as const;

const RECENT_KEY = 'chat.recentEmoji.v1';
export const RECENT_MAX = 8;

/**
 * Emoji whose name or search words start with every word of `query` (case-insensitive),
 * those whose name starts with the query first, in the dataset's order otherwise.
 */
export function searchEmoji(query: string, limit = 48): EmojiEntry[] {
  const terms = query.toLowerCase().split(/\s+/u).filter(Boolean);
  if (terms.length === 0) return [];
  const matches = EMOJI.filter((entry) => {
    const words = entry.words.split(/[\s-]+/u);
    return terms.every((term) => words.some((word) => word.startsWith(term)));
  });
  const full = query.trim().toLowerCase();
  const first = matches.filter((e) => e.name.toLowerCase().startsWith(full));
  const rest = matches.filter((e) => !e.name.toLowerCase().startsWith(full));
  return [...first, ...rest].slice(0, limit);
}

export function emojiName(emoji: string): string | null {
  return EMOJI.find((e) => e.emoji === emoji)?.name ?? null;
}

/** The emoji this device used last, most recent first (a broken stored value reads as none). */
export function recentEmoji(store: Pick<Storage, 'getItem'> = window.localStorage): string[] {
  try {
    const value: unknown = JSON.parse(store.getItem(RECENT_KEY) ?? '[]');
    if (!Array.isArray(value)) return [];
    return value
      .filter((e): e is string => typeof e === 'string' && e.length > 0 && e.length <= 32)
      .slice(0, RECENT_MAX);
  } catch {
    return [];
  }
}

export function rememberEmoji(
  emoji: string,
  store: Pick<Storage, 'getItem' | 'setItem'> = window.localStorage,
): string[] {
  const next = [emoji, ...recentEmoji(store).filter((e) => e !== emoji)].slice(0, RECENT_MAX);
  try {
    store.setItem(RECENT_KEY, JSON.stringify(next));
  } catch {
    // A full storage only forgets the order; the reaction itself is not affected.
  }
  return next;
}

/** The first row: recent ones, topped up with the defaults. */
export function quickEmoji(recent: readonly string[]): string[] {
  return [...new Set([...recent, ...DEFAULT_EMOJI])].slice(0, RECENT_MAX);
}
