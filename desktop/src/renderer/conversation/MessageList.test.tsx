import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Footer, Header, type ListContext } from './MessageList';

const render = (context: Omit<ListContext, 'retryOlder' | 'newer'>) =>
  renderToStaticMarkup(
    <Header context={{ ...context, newer: null, retryOlder: () => undefined }} />,
  );

const footer = (newer: { loading: boolean; error: string | null } | null) =>
  renderToStaticMarkup(
    <Footer
      context={{
        loadingOlder: false,
        error: null,
        retryOlder: () => undefined,
        newer: newer === null ? null : { ...newer, retry: () => undefined },
      }}
    />,
  );

describe('the older-history header', () => {
  it('offers a real button to try an older page again after a failure', () => {
    const html = render({ loadingOlder: false, error: 'The server answered 503.' });
    expect(html).toContain('Could not load older messages: The server answered 503.');
    expect(html).toContain('<button type="button" aria-label="Try again to load older messages"');
    expect(html).toMatch(/>Try again<\/button>/);
  });

  it('says it is loading while the retry runs, with no button', () => {
    const html = render({ loadingOlder: true, error: null });
    expect(html).toContain('Loading older messages…');
    expect(html).not.toContain('<button');
  });

  it('keeps its status region when there is nothing to say', () => {
    const html = render({ loadingOlder: false, error: null });
    expect(html).toContain('<p role="status"></p>');
    expect(html).not.toContain('<button');
  });
});

describe('the newer-history footer of a window far back', () => {
  it('is not there below the live tail', () => {
    expect(footer(null)).toBe('');
  });

  it('says newer messages are loading', () => {
    expect(footer({ loading: true, error: null })).toContain('Loading newer messages…');
  });

  it('offers to try a failed newer page again', () => {
    const html = footer({ loading: false, error: 'offline' });
    expect(html).toContain('Could not load newer messages: offline');
    expect(html).toContain('aria-label="Try again to load newer messages"');
  });
});
