import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeRegExp, lowerPrefixPattern } from './search';

describe('search prefix patterns', () => {
  it.each(['.', '*', '+', '?', '^', '$', '(', ')', '[', ']', '{', '}', '|', '\\', '/', '-'])(
    'matches %s literally',
    (special) => {
      const pattern = lowerPrefixPattern(`a${special}`);
      expect(pattern.test(`a${special}b`)).toBe(true);
      expect(pattern.test('axb')).toBe(false);
      expect(pattern.test('a')).toBe(false);
    },
  );

  it('matches only at the start', () => {
    expect(lowerPrefixPattern('lic').test('alice')).toBe(false);
    expect(lowerPrefixPattern('ali').test('alice')).toBe(true);
  });

  it('lower-cases the prefix, also beyond ASCII, to meet the lower-cased fields', () => {
    expect(lowerPrefixPattern('ÉLODIE').test('élodie carol')).toBe(true);
    expect(lowerPrefixPattern('AL').test('alfred bobson')).toBe(true);
  });

  it('carries NUL as an escape, since a BSON regex cannot hold the raw byte', () => {
    const pattern = lowerPrefixPattern('a\u0000b');
    expect(pattern.source).not.toContain('\u0000');
    expect(pattern.test('a\u0000bc')).toBe(true);
    expect(pattern.test('ab')).toBe(false);
  });

  it('an escaped text matches exactly the strings that start with it', () => {
    // A small alphabet of pattern characters and plain ones, so that prefixes often do
    // and often do not match.
    const text = fc.string({
      unit: fc.constantFrom(
        ...['.', '*', '+', '?', '^', '$', '(', ')', '[', ']', '{', '}', '|', '\\', '/', '-'],
        ...['a', 'b', '\u0000', 'É', '\n'],
      ),
      maxLength: 8,
    });
    fc.assert(
      fc.property(text, text, (prefix, rest) => {
        const pattern = new RegExp(`^${escapeRegExp(prefix)}`);
        expect(pattern.test(prefix + rest)).toBe(true);
        expect(pattern.test(rest)).toBe(rest.startsWith(prefix));
      }),
      { numRuns: 500 },
    );
  });
});
