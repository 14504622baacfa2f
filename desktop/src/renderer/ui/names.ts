import type { ConversationView, User } from '../../shared/bridge';

/** The other member of a direct conversation (the caller themself in a note-to-self). */
export function otherMember(conversation: ConversationView, selfId: string): User | null {
  return conversation.members.find((m) => m.id !== selfId) ?? conversation.members[0] ?? null;
}

export function conversationTitle(conversation: ConversationView, selfId: string): string {
  if (conversation.type === 'group') return conversation.title ?? 'Group';
  return otherMember(conversation, selfId)?.displayName ?? 'Direct message';
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The first `count` user-perceived characters (an emoji with modifiers stays whole). */
function leading(word: string, count: number): string {
  const out: string[] = [];
  for (const { segment } of graphemes.segment(word)) {
    if (out.length === count) break;
    out.push(segment);
  }
  return out.join('');
}

export function initials(name: string): string {
  const words = name.trim().split(/\s+/u).filter(Boolean);
  const first = words[0] ?? '';
  const last = words[words.length - 1] ?? '';
  const result = words.length > 1 ? leading(first, 1) + leading(last, 1) : leading(first, 2);
  return result === '' ? '?' : result.toUpperCase();
}

// Full class names, so Tailwind finds them in the source. Each is dark enough for white
// initials to meet WCAG AA (4.5:1); the 500/600 shades did not (2.9 to 4.4).
const AVATAR_COLOURS = [
  'bg-rose-700',
  'bg-orange-700',
  'bg-amber-700',
  'bg-lime-700',
  'bg-emerald-700',
  'bg-teal-700',
  'bg-cyan-700',
  'bg-sky-700',
  'bg-indigo-600',
  'bg-violet-600',
  'bg-fuchsia-700',
  'bg-pink-700',
] as const;

/** The same id always gets the same colour, on every device. */
export function avatarColour(id: string): string {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) >>> 0;
  return AVATAR_COLOURS[hash % AVATAR_COLOURS.length] ?? 'bg-zinc-500';
}

export function memberName(conversation: ConversationView, userId: string): string {
  return conversation.members.find((m) => m.id === userId)?.displayName ?? 'Someone';
}

/**
 * A name set inside a sentence, wrapped in FIRST STRONG ISOLATE ... POP DIRECTIONAL
 * ISOLATE: a right-to-left name then cannot reorder the words around it (issue #14).
 */
export function isolated(name: string): string {
  return `\u2068${name}\u2069`;
}

/** "Alice is typing…", "Alice and Bob are typing…", "3 people are typing…". */
export function typingText(conversation: ConversationView, userIds: readonly string[]): string {
  const names = userIds.map((id) => isolated(memberName(conversation, id)));
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0] ?? ''} is typing…`;
  if (names.length === 2) return `${names[0] ?? ''} and ${names[1] ?? ''} are typing…`;
  return `${names.length} people are typing…`;
}
