import { useMemo, type MouseEvent, type ReactNode } from 'react';
import { parseMarkdown, type Block, type Inline } from './markdown';

/**
 * A message body as TEXT with the formatting subset (`markdown.ts`) built as React
 * elements: React escapes every string, no HTML is ever injected, and links are built only
 * from http(s) URLs, `www.` and e-mail addresses (see linkify). A click never navigates the
 * page; the shell opens the URL through window.chat.openExternal, which checks it again.
 * Every paragraph, quote and list item has `dir="auto"`, so right-to-left text reads right.
 */
/** `@username` (start or after whitespace), as the server finds mentions. */
const MENTION = /(^|\s)(@[a-z0-9_.-]{3,32})/gi;

/** How mentions show; the reader's own username stands out from everyone else's. */
export interface MentionStyle {
  className: string;
  /** The reader's username (without `@`): a mention of it gets `selfClassName`. */
  selfUsername?: string | undefined;
  selfClassName?: string | undefined;
}

function withMentions(text: string, style: MentionStyle | undefined) {
  if (style === undefined || !text.includes('@')) return text;
  const self = style.selfUsername === undefined ? null : `@${style.selfUsername.toLowerCase()}`;
  const parts: (string | { mention: string })[] = [];
  let at = 0;
  for (const match of text.matchAll(MENTION)) {
    const start = match.index + (match[1] ?? '').length;
    parts.push(text.slice(at, start), { mention: match[2] ?? '' });
    at = start + (match[2] ?? '').length;
  }
  parts.push(text.slice(at));
  return parts.map((part, i) =>
    typeof part === 'string' ? (
      part
    ) : part.mention.toLowerCase() === self ? (
      // Not by colour alone: bolder and underlined, and a `mark` (screen readers say
      // "highlighted") with a title that says why. No extra text: the body stays as written.
      <mark
        key={i}
        data-testid="mention"
        data-mention-self="true"
        title="Mentions you"
        className={style.selfClassName ?? style.className}
      >
        {part.mention}
      </mark>
    ) : (
      <span key={i} data-testid="mention" className={style.className}>
        {part.mention}
      </span>
    ),
  );
}

export function MessageText({
  body,
  linkClassName,
  mentions,
}: {
  body: string;
  linkClassName: string;
  /** Set to highlight `@username` mentions. */
  mentions?: MentionStyle;
}) {
  const blocks = useMemo(() => parseMarkdown(body), [body]);
  const open = (event: MouseEvent<HTMLAnchorElement>, href: string) => {
    event.preventDefault();
    void window.chat.openExternal({ url: href });
  };

  const inline = (nodes: readonly Inline[]): ReactNode[] =>
    nodes.map((node, i) => {
      switch (node.type) {
        case 'text':
          return <span key={i}>{withMentions(node.text, mentions)}</span>;
        case 'code':
          return (
            <code
              key={i}
              className="rounded bg-black/10 px-1 font-mono text-[0.9em] dark:bg-white/10"
            >
              {node.text}
            </code>
          );
        case 'link':
          return (
            <a
              key={i}
              href={node.href}
              target="_blank"
              rel="noopener noreferrer nofollow"
              onClick={(event) => open(event, node.href)}
              className={linkClassName}
            >
              {node.text}
            </a>
          );
        case 'strong':
          return <strong key={i}>{inline(node.children)}</strong>;
        case 'em':
          return <em key={i}>{inline(node.children)}</em>;
        case 'strike':
          return <s key={i}>{inline(node.children)}</s>;
      }
    });

  const block = (node: Block, i: number): ReactNode => {
    switch (node.type) {
      case 'paragraph':
        return (
          <p key={i} dir="auto" className="whitespace-pre-wrap">
            {inline(node.children)}
          </p>
        );
      case 'code':
        return (
          <pre
            key={i}
            dir="ltr"
            className="my-1 overflow-x-auto rounded-md bg-black/10 p-2 font-mono text-[13px] leading-snug whitespace-pre dark:bg-white/10"
          >
            <code>{node.text}</code>
          </pre>
        );
      case 'quote':
        return (
          <blockquote
            key={i}
            dir="auto"
            className="my-0.5 border-l-2 border-current/40 pl-2 opacity-90"
          >
            {node.children.map(block)}
          </blockquote>
        );
      case 'list': {
        const items = node.items.map((item, j) => (
          <li key={j} dir="auto">
            {inline(item)}
          </li>
        ));
        return node.ordered ? (
          <ol key={i} start={node.start} className="list-decimal pl-6">
            {items}
          </ol>
        ) : (
          <ul key={i} className="list-disc pl-5">
            {items}
          </ul>
        );
      }
    }
  };

  // The everyday one-paragraph message stays inline, so the time can sit beside its end.
  const only = blocks.length === 1 ? blocks[0] : undefined;
  if (only?.type === 'paragraph') {
    return (
      <span dir="auto" data-format="inline">
        {inline(only.children)}
      </span>
    );
  }
  return (
    <div dir="auto" data-format="blocks" className="space-y-1">
      {blocks.map(block)}
    </div>
  );
}
