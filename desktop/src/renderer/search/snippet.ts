export interface SnippetPart {
  text: string;
  match: boolean;
}

/**
 * Splits a search snippet at its `<<` `>>` markers. The snippet is plain text from the
 * server: the parts are rendered as text nodes (matches inside <mark>), never as HTML.
 * An unclosed `<<` is shown as it is.
 */
export function snippetParts(snippet: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let at = 0;
  while (at < snippet.length) {
    const open = snippet.indexOf('<<', at);
    const close = open === -1 ? -1 : snippet.indexOf('>>', open + 2);
    if (open === -1 || close === -1) {
      parts.push({ text: snippet.slice(at), match: false });
      break;
    }
    if (open > at) parts.push({ text: snippet.slice(at, open), match: false });
    parts.push({ text: snippet.slice(open + 2, close), match: true });
    at = close + 2;
  }
  return parts.filter((part) => part.text !== '');
}
