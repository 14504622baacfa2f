import type { MouseEvent } from 'react';
import { linkify } from './linkify';

/**
 * A message body as TEXT: React escapes every string, and links are built only from
 * http(s) URLs (see linkify). A click never navigates the page; the shell opens the URL
 * in the user's browser through window.chat.openExternal, which checks the scheme again.
 */
export function MessageText({ body, linkClassName }: { body: string; linkClassName: string }) {
  const open = (event: MouseEvent<HTMLAnchorElement>, href: string) => {
    event.preventDefault();
    void window.chat.openExternal({ url: href });
  };
  return (
    <>
      {linkify(body).map((segment, i) =>
        segment.kind === 'text' ? (
          <span key={i}>{segment.text}</span>
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
