import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { MessageText } from './MessageText';

const render = (body: string) =>
  renderToStaticMarkup(<MessageText body={body} linkClassName="link" />);

describe('MessageText', () => {
  it('renders markup in a message as text, never as HTML', () => {
    const html = render('<img src=x onerror=alert(1)><script>alert(2)</script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('links http(s) URLs only, with a safe rel', () => {
    const html = render('go https://example.com/x?a=1&b=2 not javascript:alert(1)');
    expect(html).toContain(
      '<a href="https://example.com/x?a=1&amp;b=2" target="_blank" rel="noopener noreferrer nofollow" class="link">',
    );
    expect(html.match(/<a /g)).toHaveLength(1);
    expect(html).not.toContain('href="javascript');
  });
});
