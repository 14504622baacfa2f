import { describe, expect, it } from 'vitest';
import { snippetParts } from './snippet';

describe('snippetParts', () => {
  it('splits at the markers', () => {
    expect(snippetParts('meet at the <<Café>> <<Noir>>!')).toEqual([
      { text: 'meet at the ', match: false },
      { text: 'Café', match: true },
      { text: ' ', match: false },
      { text: 'Noir', match: true },
      { text: '!', match: false },
    ]);
  });

  it('keeps markup as text and an unclosed marker as it is', () => {
    expect(snippetParts('<b><<x>></b> <<open')).toEqual([
      { text: '<b>', match: false },
      { text: 'x', match: true },
      { text: '</b> <<open', match: false },
    ]);
  });
});
