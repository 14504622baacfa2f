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

  it('renders the formatting subset as elements, with dir="auto" for right-to-left text', () => {
    const html = render('**b** *i* ~~s~~ `c`\n\n> quoted\n\n- one\n1. first\n\n```\n<b>x</b>\n```');
    expect(html).toContain('<strong><span>b</span></strong>');
    expect(html).toContain('<em><span>i</span></em>');
    expect(html).toContain('<s><span>s</span></s>');
    expect(html).toMatch(/<code class="[^"]*font-mono[^"]*">c<\/code>/);
    expect(html).toMatch(
      /<blockquote dir="auto"[^>]*><p dir="auto"[^>]*><span>quoted<\/span><\/p><\/blockquote>/,
    );
    expect(html).toMatch(/<ul[^>]*><li dir="auto"><span>one<\/span><\/li><\/ul>/);
    expect(html).toMatch(/<ol start="1"[^>]*><li dir="auto"><span>first<\/span><\/li><\/ol>/);
    expect(html).toContain('<code>&lt;b&gt;x&lt;/b&gt;</code></pre>');
    expect(render('שלום **עולם**')).toMatch(/^<span dir="auto"/);
  });

  it('hostile formatting never becomes HTML', () => {
    const html = render('**<img src=x onerror=alert(1)>** `<script>` [x](javascript:alert(1))');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('href="javascript');
  });

  it('links www. and e-mail addresses', () => {
    const html = render('www.example.com or ann@example.com');
    expect(html).toContain('href="https://www.example.com/"');
    expect(html).toContain('href="mailto:ann@example.com"');
  });
});

describe('MessageText: mentions', () => {
  const mentions = {
    className: 'mention',
    selfUsername: 'alice_w',
    selfClassName: 'mention-me',
  };
  const withMentions = (body: string) =>
    renderToStaticMarkup(<MessageText body={body} linkClassName="link" mentions={mentions} />);

  it('marks a mention of the reader apart from other mentions, whatever the case', () => {
    const html = withMentions('@bob_k and @Alice_W, look');
    expect(html).toContain('<span data-testid="mention" class="mention">@bob_k</span>');
    expect(html).toContain(
      '<mark data-testid="mention" data-mention-self="true" title="Mentions you" class="mention-me">@Alice_W</mark>',
    );
    expect(html.match(/<mark/g)).toHaveLength(1);
  });

  it('keeps the text as written (nothing added for the reader’s own mention)', () => {
    const html = withMentions('hi @alice_w');
    expect(html.replace(/<[^>]+>/g, '')).toBe('hi @alice_w');
  });

  it('a longer name that starts with the reader’s is someone else', () => {
    const html = withMentions('@alice_wonder and email alice_w@example.com');
    expect(html).not.toContain('<mark');
  });

  it('without the reader’s username every mention looks the same', () => {
    const html = renderToStaticMarkup(
      <MessageText body="@alice_w hi" linkClassName="link" mentions={{ className: 'mention' }} />,
    );
    expect(html).toContain('<span data-testid="mention" class="mention">@alice_w</span>');
    expect(html).not.toContain('<mark');
  });
});
