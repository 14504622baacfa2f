/**
 * The message formatting subset, parsed into a small tree the renderer turns into React
 * elements (never HTML): **bold**, *italic* (or _italic_), ~~strike~~, `inline code`,
 * fenced code blocks, > quotes, - and 1. lists, and links (see `linkify`).
 *
 * Bodies are written by other people and may be up to the contract's maximum: the parser is
 * linear apart from a bounded search for each closing marker, nests at most a few levels,
 * and anything it does not recognise (an unclosed marker, stray backticks) stays text.
 */
import { linkify } from './linkify';

export type Inline =
  | { type: 'text'; text: string }
  | { type: 'code'; text: string }
  | { type: 'link'; text: string; href: string }
  | { type: 'strong' | 'em' | 'strike'; children: Inline[] };

export type Block =
  | { type: 'paragraph'; children: Inline[] }
  | { type: 'code'; text: string }
  | { type: 'quote'; children: Block[] }
  | { type: 'list'; ordered: boolean; start: number; items: Inline[][] };

const MAX_QUOTE_DEPTH = 3;
const MAX_INLINE_DEPTH = 4;
/** How many candidate closing markers one opening marker looks at before staying text. */
const MAX_CLOSE_CANDIDATES = 64;

const FENCE = /^ {0,3}```/u;
const BULLET = /^ {0,3}[-*+] +(.*)$/u;
const ORDERED = /^ {0,3}(\d{1,9})[.)] +(.*)$/u;
const QUOTE = /^ {0,3}> ?(.*)$/u;

export function parseMarkdown(body: string): Block[] {
  return parseBlocks(body.replace(/\r\n?/gu, '\n').split('\n'), 0);
}

function parseBlocks(lines: readonly string[], quoteDepth: number): Block[] {
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  const endParagraph = () => {
    if (paragraph.length > 0) {
      blocks.push({ type: 'paragraph', children: parseInline(paragraph.join('\n')) });
    }
    paragraph = [];
  };
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    if (FENCE.test(line)) {
      // A fence without its closing line runs to the end of the message.
      let end = i + 1;
      while (end < lines.length && !FENCE.test(lines[end] ?? '')) end++;
      endParagraph();
      blocks.push({ type: 'code', text: lines.slice(i + 1, end).join('\n') });
      i = end + 1;
      continue;
    }
    if (quoteDepth < MAX_QUOTE_DEPTH && QUOTE.test(line)) {
      const quoted: string[] = [];
      while (i < lines.length) {
        const match = QUOTE.exec(lines[i] ?? '');
        if (!match) break;
        quoted.push(match[1] ?? '');
        i++;
      }
      endParagraph();
      blocks.push({ type: 'quote', children: parseBlocks(quoted, quoteDepth + 1) });
      continue;
    }
    const bullet = BULLET.exec(line);
    const ordered = bullet ? null : ORDERED.exec(line);
    if (bullet || ordered) {
      const pattern = bullet ? BULLET : ORDERED;
      const items: Inline[][] = [];
      while (i < lines.length) {
        const match = pattern.exec(lines[i] ?? '');
        if (!match) break;
        items.push(parseInline((bullet ? match[1] : match[2]) ?? ''));
        i++;
      }
      endParagraph();
      blocks.push({
        type: 'list',
        ordered: ordered !== null,
        start: ordered ? Number(ordered[1]) : 1,
        items,
      });
      continue;
    }
    if (line.trim() === '') {
      endParagraph();
      i++;
      continue;
    }
    paragraph.push(line);
    i++;
  }
  endParagraph();
  return blocks;
}

/** A span the emphasis markers never look into: inline code, or a link. */
interface Atom {
  start: number;
  end: number;
  node: Inline;
}

function atomsOf(text: string): Atom[] {
  const atoms: Atom[] = [];
  const addLinks = (from: number, to: number) => {
    let at = from;
    for (const segment of linkify(text.slice(from, to))) {
      if (segment.kind === 'link') {
        atoms.push({
          start: at,
          end: at + segment.text.length,
          node: { type: 'link', text: segment.text, href: segment.href },
        });
      }
      at += segment.text.length;
    }
  };
  let plainFrom = 0;
  let i = text.indexOf('`');
  while (i !== -1) {
    const close = text.indexOf('`', i + 1);
    if (close === -1) break;
    if (close === i + 1) {
      // `` is no code span; look past it.
      i = text.indexOf('`', close + 1);
      continue;
    }
    addLinks(plainFrom, i);
    atoms.push({
      start: i,
      end: close + 1,
      node: { type: 'code', text: text.slice(i + 1, close) },
    });
    plainFrom = close + 1;
    i = text.indexOf('`', plainFrom);
  }
  addLinks(plainFrom, text.length);
  return atoms;
}

export function parseInline(text: string): Inline[] {
  const atoms = atomsOf(text);
  const atomAt = new Map(atoms.map((a) => [a.start, a]));
  const inside = (k: number) => atoms.find((a) => a.start <= k && k < a.end);
  const isSpace = (c: string | undefined) => c === undefined || /\s/u.test(c);
  const isWord = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);

  const findClose = (marker: string, from: number, to: number): number => {
    if (from >= to || isSpace(text[from])) return -1;
    let k = from;
    for (let tries = 0; tries < MAX_CLOSE_CANDIDATES; tries++) {
      k = text.indexOf(marker, k);
      if (k === -1 || k + marker.length > to) return -1;
      const atom = inside(k);
      if (atom) {
        k = atom.end;
        continue;
      }
      const single = marker.length === 1;
      const doubled = single && (text[k + 1] === marker || text[k - 1] === marker);
      const badEnd = marker === '_' && isWord(text[k + 1]);
      if (k === from || isSpace(text[k - 1]) || doubled || badEnd) {
        k += doubled ? 2 : 1;
        continue;
      }
      return k;
    }
    return -1;
  };

  const parse = (from: number, to: number, depth: number): Inline[] => {
    const out: Inline[] = [];
    let plain = from;
    const flush = (until: number) => {
      if (until > plain) {
        const last = out.at(-1);
        const chunk = text.slice(plain, until);
        if (last?.type === 'text') last.text += chunk;
        else out.push({ type: 'text', text: chunk });
      }
    };
    let i = from;
    while (i < to) {
      const atom = atomAt.get(i);
      if (atom && atom.end <= to) {
        flush(i);
        out.push(atom.node);
        i = plain = atom.end;
        continue;
      }
      const c = text[i];
      const marker = text.startsWith('**', i)
        ? '**'
        : text.startsWith('~~', i)
          ? '~~'
          : c === '*' || (c === '_' && !isWord(text[i - 1]))
            ? c
            : null;
      if (marker !== null && depth < MAX_INLINE_DEPTH) {
        const close = findClose(marker, i + marker.length, to);
        if (close !== -1) {
          flush(i);
          const type = marker === '**' ? 'strong' : marker === '~~' ? 'strike' : 'em';
          out.push({ type, children: parse(i + marker.length, close, depth + 1) });
          i = plain = close + marker.length;
          continue;
        }
        // No closing marker: it is text, and so is the rest of a run like `***`.
        i += marker.length;
        continue;
      }
      i++;
    }
    flush(to);
    return out;
  };
  return parse(0, text.length, 0);
}

/** The text a reader sees, without the formatting markers (for one-line previews). */
export function plainText(body: string): string {
  const inline = (nodes: readonly Inline[]): string =>
    nodes.map((n) => ('children' in n ? inline(n.children) : n.text)).join('');
  const block = (b: Block): string => {
    switch (b.type) {
      case 'paragraph':
        return inline(b.children);
      case 'code':
        return b.text;
      case 'quote':
        return b.children.map(block).join('\n');
      case 'list':
        return b.items.map(inline).join('\n');
    }
  };
  return parseMarkdown(body).map(block).join('\n');
}
