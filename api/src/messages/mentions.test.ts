import { describe, expect, it } from 'vitest';
import { mentionsIn } from './mentions';

const members = [
  { id: 'u-ann', username: 'ann' },
  { id: 'u-bob', username: 'bob' },
  { id: 'u-dot', username: 'j.doe' },
];

describe('mentionsIn', () => {
  it('names members by @username, in order of first mention, each once', () => {
    expect(mentionsIn('@bob and @ann, then @bob again', members)).toEqual(['u-bob', 'u-ann']);
  });

  it('ignores case', () => {
    expect(mentionsIn('hi @BoB', members)).toEqual(['u-bob']);
  });

  it('needs the start or whitespace before the @', () => {
    expect(mentionsIn('mail bob@ann.example or x@bob', members)).toEqual([]);
    expect(mentionsIn('line one\n@ann', members)).toEqual(['u-ann']);
    expect(mentionsIn('(@ann)', members)).toEqual([]);
  });

  it('does not name someone who is not a member, nor a longer name', () => {
    expect(mentionsIn('@eve @annie @bobby', members)).toEqual([]);
  });

  it('lets sentence punctuation follow a mention', () => {
    expect(mentionsIn('thanks @bob. and @ann, and @j.doe.', members)).toEqual([
      'u-bob',
      'u-ann',
      'u-dot',
    ]);
  });

  it('finds nothing without an @', () => {
    expect(mentionsIn('no mentions here', members)).toEqual([]);
  });
});
