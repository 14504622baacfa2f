/**
 * The composer's `@` member picker, as pure functions: where the `@word` being typed is,
 * which members match it, and the text after picking one. The server finds a mention as
 * `@username` at the start or after whitespace; the picker follows the same rule.
 */

export interface MentionQuery {
  /** Index of the `@`. */
  start: number;
  /** What follows it up to the caret (may be empty). */
  query: string;
}

export interface MentionCandidate {
  id: string;
  username: string;
  displayName: string;
}

const USERNAME_CHARS = /^[a-z0-9_.-]*$/iu;

/** The `@word` the caret is at the end of, if any. */
export function mentionQuery(text: string, caret: number): MentionQuery | null {
  const before = text.slice(0, caret);
  const at = before.lastIndexOf('@');
  if (at === -1) return null;
  if (at > 0 && !/\s/u.test(before[at - 1] ?? '')) return null;
  const query = before.slice(at + 1);
  if (query.length > 32 || !USERNAME_CHARS.test(query)) return null;
  return { start: at, query };
}

/**
 * Members (not the user) whose username or display name (any word of it) starts with
 * `query`, case-insensitively: username matches first, then by display name.
 */
export function matchMembers(
  members: readonly (Omit<MentionCandidate, 'username'> & { username: string | null })[],
  query: string,
  selfId: string,
  limit = 8,
): MentionCandidate[] {
  const q = query.toLowerCase();
  // A deleted account has no username left to mention.
  const others = members.filter(
    (m): m is MentionCandidate => m.id !== selfId && m.username !== null,
  );
  const byUsername = others.filter((m) => m.username.toLowerCase().startsWith(q));
  const byName = others.filter(
    (m) =>
      !byUsername.includes(m) &&
      m.displayName
        .toLowerCase()
        .split(/\s+/u)
        .some((word) => word.startsWith(q)),
  );
  const sort = (a: MentionCandidate, b: MentionCandidate) =>
    a.displayName.localeCompare(b.displayName);
  return [...byUsername.sort(sort), ...byName.sort(sort)].slice(0, limit);
}

/** `text` with the `@word` at `mention` replaced by `@username ` and where the caret goes. */
export function insertMention(
  text: string,
  mention: MentionQuery,
  caret: number,
  username: string,
): { text: string; caret: number } {
  const inserted = `@${username} `;
  const after = text
    .slice(caret)
    .replace(/^[a-z0-9_.-]*/iu, '')
    .replace(/^ /u, '');
  return {
    text: text.slice(0, mention.start) + inserted + after,
    caret: mention.start + inserted.length,
  };
}
