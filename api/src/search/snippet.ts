import { wordSpans } from '../store/search-terms';

/** About this many UTF-16 units of the body are shown around the first match. */
export const SNIPPET_LENGTH = 160;
/** How much of that comes before the first match, when the body is longer. */
const LEAD = 40;
const ELLIPSIS = '…';
const ZERO_WIDTH_SPACE = '\u200b';

/**
 * An excerpt of `body` with every word that matches a term (is it, or starts with it,
 * folded) between `<<` and `>>`. Plain text: the client shows it as text and turns only
 * the markers into highlights. A `<<` or `>>` already in the body gets a zero-width space
 * between its two characters, so the markers stay unambiguous and the text reads the same.
 * Shared by both stores' results, so the same message gives the same snippet anywhere.
 */
export function snippetOf(body: string, terms: readonly string[]): string {
  const matches = wordSpans(body).filter((span) =>
    span.folded
      .split(/[^\p{L}\p{N}]+/u)
      .some((part) => terms.some((term) => part.startsWith(term))),
  );
  let start = 0;
  let end = body.length;
  if (body.length > SNIPPET_LENGTH) {
    const first = matches[0]?.start ?? 0;
    start = wordStartAtOrBefore(body, Math.max(0, first - LEAD));
    end = Math.min(body.length, start + SNIPPET_LENGTH);
    // Never cut a match, nor a surrogate pair.
    const cut = matches.find((m) => m.start < end && m.end > end);
    if (cut) end = cut.end;
    if (isLowSurrogate(body.charCodeAt(end))) end++;
  }
  let out = start > 0 ? ELLIPSIS : '';
  let at = start;
  for (const match of matches) {
    if (match.end <= start || match.start >= end) continue;
    out +=
      plain(body.slice(at, match.start)) + '<<' + plain(body.slice(match.start, match.end)) + '>>';
    at = match.end;
  }
  out += plain(body.slice(at, end));
  return end < body.length ? out + ELLIPSIS : out;
}

function plain(text: string): string {
  return text.replaceAll('<<', `<${ZERO_WIDTH_SPACE}<`).replaceAll('>>', `>${ZERO_WIDTH_SPACE}>`);
}

/** The start of the word (or space) at `index`, so the excerpt does not begin mid-word. */
function wordStartAtOrBefore(text: string, index: number): number {
  let i = index;
  while (i > 0 && /[\p{L}\p{N}\p{M}]/u.test(text.charAt(i - 1))) i--;
  // A word longer than the lead: start at the index itself, but not inside a pair.
  if (index - i > LEAD) i = isLowSurrogate(text.charCodeAt(index)) ? index + 1 : index;
  return i;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
