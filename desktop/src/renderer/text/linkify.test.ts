import { describe, expect, it } from 'vitest';
import { linkify, safeHttpUrl } from './linkify';

describe('linkify', () => {
  it('turns http and https URLs into links and keeps the text around them', () => {
    expect(linkify('see https://example.com/a?b=1 and http://x.org')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { kind: 'text', text: ' and ' },
      { kind: 'link', text: 'http://x.org', href: 'http://x.org/' },
    ]);
  });

  it('never makes a link from another scheme', () => {
    for (const text of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(document.cookie)',
      'data:text/html,<script>alert(1)</script>',
      'file:///etc/passwd',
      'vbscript:msgbox(1)',
      'app://chat/index.html',
      'ftp://example.com',
    ]) {
      expect(linkify(text), text).toEqual([{ kind: 'text', text }]);
    }
  });

  it('does not start a link in the middle of a word', () => {
    const text = 'javascript:xhttp://evil.example';
    expect(linkify(text)).toEqual([{ kind: 'text', text }]);
  });

  it('leaves sentence punctuation out of the link but keeps balanced parentheses', () => {
    expect(linkify('Look: https://example.com/page.')).toEqual([
      { kind: 'text', text: 'Look: ' },
      { kind: 'link', text: 'https://example.com/page', href: 'https://example.com/page' },
      { kind: 'text', text: '.' },
    ]);
    expect(linkify('(https://en.wikipedia.org/wiki/Foo_(bar))')).toEqual([
      { kind: 'text', text: '(' },
      {
        kind: 'link',
        text: 'https://en.wikipedia.org/wiki/Foo_(bar)',
        href: 'https://en.wikipedia.org/wiki/Foo_(bar)',
      },
      { kind: 'text', text: ')' },
    ]);
  });

  it('keeps markup-looking text as text: quotes and angle brackets end a URL', () => {
    const segments = linkify('<a href="https://x.org">https://x.org"onclick=alert(1)</a>');
    const links = segments.filter((s) => s.kind === 'link');
    expect(links.map((l) => l.href)).toEqual(['https://x.org/', 'https://x.org/']);
    expect(segments.map((s) => s.text).join('')).toBe(
      '<a href="https://x.org">https://x.org"onclick=alert(1)</a>',
    );
  });

  it('rejects URLs without a host', () => {
    expect(linkify('https://')).toEqual([{ kind: 'text', text: 'https://' }]);
    expect(safeHttpUrl('http:///path')).toBe('http://path/');
    expect(safeHttpUrl('https://')).toBeNull();
  });

  it('keeps URLs with credentials as text, as the shell refuses to open them', () => {
    const text = 'https://bank.example@evil.example/login';
    expect(linkify(text)).toEqual([{ kind: 'text', text }]);
    expect(safeHttpUrl(text)).toBeNull();
  });

  it('links www. addresses as https and plain e-mail addresses as mailto', () => {
    expect(linkify('see www.example.com/a, ok')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'www.example.com/a', href: 'https://www.example.com/a' },
      { kind: 'text', text: ', ok' },
    ]);
    expect(linkify('mail ann.lee+x@example.co.uk.')).toEqual([
      { kind: 'text', text: 'mail ' },
      { kind: 'link', text: 'ann.lee+x@example.co.uk', href: 'mailto:ann.lee+x@example.co.uk' },
      { kind: 'text', text: '.' },
    ]);
    // Not in the middle of something else, and a mention is not an address.
    expect(linkify('https://x.example/www.y').map((s) => s.kind)).toEqual(['link']);
    expect(linkify('hi @bob and xwww.example.com')).toEqual([
      { kind: 'text', text: 'hi @bob and xwww.example.com' },
    ]);
    expect(linkify('a@b?attach=/etc/passwd')).toEqual([
      { kind: 'text', text: 'a@b?attach=/etc/passwd' },
    ]);
  });

  it('returns nothing for empty text and one text segment when there is no link', () => {
    expect(linkify('')).toEqual([]);
    expect(linkify('hello 👋')).toEqual([{ kind: 'text', text: 'hello 👋' }]);
  });
});
