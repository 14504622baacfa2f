import type { MouseEvent } from 'react';
import { linkify } from './linkify';

/**
 * A message body as TEXT: React escapes every string, and links are built only from
 * http(s) URLs (see linkify). A click never navigates the page; the shell opens the URL
 * in the user's browser through window.chat.openExternal, which checks the scheme again.
 */
/** `@username` (start or after whitespace), as the server finds mentions. */
const MENTION = /(^|\s)(@[a-z0-9_.-]{3,32})/gi;

function withMentions(text: string, className: string | undefined) {
  if (className === undefined || !text.includes('@')) return text;
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
    ) : (
      <span key={i} data-testid="mention" className={className}>
        {part.mention}
      </span>
    ),
  );
}

export function MessageText({
  body,
  linkClassName,
  mentionClassName,
}: {
  body: string;
  linkClassName: string;
  /** Set to highlight `@username` mentions. */
  mentionClassName?: string;
}) {
  const open = (event: MouseEvent<HTMLAnchorElement>, href: string) => {
    event.preventDefault();
    void window.chat.openExternal({ url: href });
  };
  return (
    <>
      {linkify(body).map((segment, i) =>
        segment.kind === 'text' ? (
          <span key={i}>{withMentions(segment.text, mentionClassName)}</span>
        ) : (
          <a
            key={i}
            href={segment.href}
            target="_blank"
            rel="noopener noreferrer nofollow"
            onClick={(event) => open(event, segment.href)}
            className={linkClassName}
          >
            {segment.text}
          </a>
        ),
      )}
    </>
  );
}
