import { describe, expect, it } from 'vitest';
import { parseInline, parseMarkdown } from './markdown';

const text = (t: string) => ({ type: 'text', text: t });

describe('inline formatting', () => {
  it('bold, italic, strike and inline code', () => {
    expect(parseInline('a **b** *c* _d_ ~~e~~ `f`')).toEqual([
      text('a '),
      { type: 'strong', children: [text('b')] },
      text(' '),
      { type: 'em', children: [text('c')] },
      text(' '),
      { type: 'em', children: [text('d')] },
      text(' '),
      { type: 'strike', children: [text('e')] },
      text(' '),
      { type: 'code', text: 'f' },
    ]);
  });

  it('nests, and a bold inside an italic is not mistaken for its end', () => {
    expect(parseInline('*a **b** c*')).toEqual([
      {
        type: 'em',
        children: [text('a '), { type: 'strong', children: [text('b')] }, text(' c')],
      },
    ]);
  });

  it('unbalanced or spaced markers stay text', () => {
    expect(parseInline('**not closed')).toEqual([text('**not closed')]);
    expect(parseInline('2 * 3 * 4')).toEqual([text('2 * 3 * 4')]);
    expect(parseInline('** spaced **')).toEqual([text('** spaced **')]);
    expect(parseInline('a ` b')).toEqual([text('a ` b')]);
    expect(parseInline('``')).toEqual([text('``')]);
    expect(parseInline('***')).toEqual([text('***')]);
  });

  it('snake_case words and URLs keep their underscores and stars', () => {
    expect(parseInline('my_var_name')).toEqual([text('my_var_name')]);
    expect(parseInline('see https://x.example/a_b_c and *hi*')).toEqual([
      text('see '),
      { type: 'link', text: 'https://x.example/a_b_c', href: 'https://x.example/a_b_c' },
      text(' and '),
      { type: 'em', children: [text('hi')] },
    ]);
    expect(parseInline('**https://x.example/**')).toEqual([
      {
        type: 'strong',
        children: [{ type: 'link', text: 'https://x.example/', href: 'https://x.example/' }],
      },
    ]);
  });

  it('nothing inside inline code is formatted or linked', () => {
    expect(parseInline('`**x** https://x.example`')).toEqual([
      { type: 'code', text: '**x** https://x.example' },
    ]);
  });

  it('markup-looking text is only text', () => {
    expect(parseInline('<script>alert(1)</script> **<b>x</b>**')).toEqual([
      text('<script>alert(1)</script> '),
      { type: 'strong', children: [text('<b>x</b>')] },
    ]);
  });
});

describe('blocks', () => {
  it('fenced code keeps its text verbatim, even without a closing fence', () => {
    expect(parseMarkdown('before\n```js\nconst a = **1**;\n  x\n```\nafter')).toEqual([
      { type: 'paragraph', children: [text('before')] },
      { type: 'code', text: 'const a = **1**;\n  x' },
      { type: 'paragraph', children: [text('after')] },
    ]);
    expect(parseMarkdown('```\nnever closed')).toEqual([{ type: 'code', text: 'never closed' }]);
  });

  it('quotes (nested at most three deep) and lists', () => {
    expect(parseMarkdown('> said\n> **this**\nreply')).toEqual([
      {
        type: 'quote',
        children: [
          {
            type: 'paragraph',
            children: [text('said\n'), { type: 'strong', children: [text('this')] }],
          },
        ],
      },
      { type: 'paragraph', children: [text('reply')] },
    ]);
    expect(parseMarkdown('- one\n- *two*\n\n3. three\n4. four')).toEqual([
      {
        type: 'list',
        ordered: false,
        start: 1,
        items: [[text('one')], [{ type: 'em', children: [text('two')] }]],
      },
      { type: 'list', ordered: true, start: 3, items: [[text('three')], [text('four')]] },
    ]);
    const deep = parseMarkdown('>>>>>> deep');
    expect(JSON.stringify(deep)).toContain('>>> deep');
  });

  it('keeps line breaks inside a paragraph; blank lines split paragraphs', () => {
    expect(parseMarkdown('a\nb\n\nc')).toEqual([
      { type: 'paragraph', children: [text('a\nb')] },
      { type: 'paragraph', children: [text('c')] },
    ]);
    expect(parseMarkdown('-5 degrees')).toEqual([
      { type: 'paragraph', children: [text('-5 degrees')] },
    ]);
  });

  it('hostile input of 10k characters parses quickly and loses no character', () => {
    const inputs = [
      '*'.repeat(10_000),
      '_a'.repeat(5_000),
      '**a'.repeat(3_333),
      '`'.repeat(10_000),
      '> '.repeat(5_000),
      '~~*_`'.repeat(2_000),
      'x *a '.repeat(2_000),
    ];
    for (const input of inputs) {
      const started = performance.now();
      const blocks = parseMarkdown(input);
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(blocks.length).toBeGreaterThan(0);
    }
    // No formatting found: every character is still there.
    const plain = parseInline('_a'.repeat(5_000));
    expect(plain.map((n) => (n.type === 'text' ? n.text : '')).join('')).toBe('_a'.repeat(5_000));
  });
});
