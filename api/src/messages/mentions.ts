/** `@` at the start or after whitespace, then the characters a username may hold (any case). */
const MENTION = /(?<=^|\s)@([A-Za-z0-9_.-]+)/gu;
/** Sentence punctuation that may follow a mention without being part of it. */
const TRAILING = /[.\-_]+$/u;

/**
 * The ids of the members named in `body` as `@username` (case-insensitive, preceded by
 * the start or whitespace), in order of first mention, each once. `@bob.` at the end of a
 * sentence names bob when no member is called `bob.`.
 */
export function mentionsIn(
  body: string,
  members: readonly { id: string; username: string }[],
): string[] {
  if (!body.includes('@')) return [];
  const byUsername = new Map(members.map((m) => [m.username.toLowerCase(), m.id]));
  const found: string[] = [];
  for (const match of body.matchAll(MENTION)) {
    const word = (match[1] ?? '').toLowerCase();
    const id = byUsername.get(word) ?? byUsername.get(word.replace(TRAILING, ''));
    if (id !== undefined && !found.includes(id)) found.push(id);
  }
  return found;
}
