/**
 * Splits message text into plain text and links. Message bodies are written by other
 * people, so a link is made only from an http(s) URL the URL parser accepts, a `www.`
 * address (as https) or a plain e-mail address (as `mailto:`); every other scheme
 * (javascript:, data:, file:, custom app schemes) stays plain text.
 */
import { safeExternalUrl } from '../../shared/external-url';

export type TextSegment =
  { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

// Candidates only; each is checked with the URL parser below. The leading \b keeps
// "xhttp://…" from turning into a link halfway through a word.
const URL_CANDIDATE =
  /\bhttps?:\/\/[^\s<>"'`]+|(?<![\w./@-])www\.[^\s<>"'`]+|(?<![\w.%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,63}\b/giu;
const TRAILING_PUNCTUATION = /[.,;:!?*_~'")\]}>]$/u;

/** Sentence punctuation after a URL belongs to the sentence; a balanced ')' to the URL. */
function trimTrailing(candidate: string): string {
  let text = candidate;
  while (TRAILING_PUNCTUATION.test(text)) {
    if (text.endsWith(')')) {
      const opens = text.split('(').length - 1;
      const closes = text.split(')').length - 1;
      if (opens >= closes) break;
    }
    text = text.slice(0, -1);
  }
  return text;
}

/** The normalized href when `text` is a URL the shell would open (see safeExternalUrl). */
export function safeHttpUrl(text: string): string | null {
  return safeExternalUrl(text)?.href ?? null;
}

function hrefOf(candidate: string): string | null {
  const lower = candidate.toLowerCase();
  if (lower.startsWith('http://') || lower.startsWith('https://')) return safeHttpUrl(candidate);
  if (lower.startsWith('www.')) return safeHttpUrl(`https://${candidate}`);
  return safeExternalUrl(`mailto:${candidate}`)?.href ?? null;
}

export function linkify(text: string): TextSegment[] {
  const segments: TextSegment[] = [];
  let plainFrom = 0;
  for (const match of text.matchAll(URL_CANDIDATE)) {
    const start = match.index;
    const candidate = trimTrailing(match[0]);
    const href = hrefOf(candidate);
    if (href === null) continue;
    if (start > plainFrom) segments.push({ kind: 'text', text: text.slice(plainFrom, start) });
    segments.push({ kind: 'link', text: candidate, href });
    plainFrom = start + candidate.length;
  }
  if (plainFrom < text.length) segments.push({ kind: 'text', text: text.slice(plainFrom) });
  return segments;
}
