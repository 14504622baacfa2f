/**
 * How text becomes searchable words, shared by both adapters and the search service so
 * that a query means the same on SQLite and MongoDB.
 *
 * A word is a run of letters and digits (marks included, so a decomposed accent does not
 * split it). It is compared lower-cased and without diacritics: "Café" and "CAFE" are both
 * "cafe". This is the JavaScript side of SQLite's `unicode61 remove_diacritics 2`
 * tokenizer (which indexes the messages there); MongoDB stores these words per message.
 */
const WORD = /[\p{L}\p{N}\p{M}]+/gu;

/** Lower-cased, compatibility-decomposed, diacritics dropped. */
export function foldWord(word: string): string {
  return word
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .normalize('NFC');
}

/** The folded words of `text`, in order, repeats kept, empty ones dropped. */
export function wordsOf(text: string): string[] {
  const words: string[] = [];
  for (const match of text.matchAll(WORD)) {
    // A word can fold to nothing (only marks) or into several (a ligature, "ﬁ" -> "fi").
    for (const part of foldWord(match[0]).split(/[^\p{L}\p{N}]+/u)) {
      if (part !== '') words.push(part);
    }
  }
  return words;
}

/** The distinct folded words of a search text, in the order typed. */
export function searchTerms(text: string): string[] {
  return [...new Set(wordsOf(text))];
}

/** Where each word of `text` starts and ends (UTF-16 offsets) and its folded form. */
export function wordSpans(text: string): { start: number; end: number; folded: string }[] {
  return [...text.matchAll(WORD)].map((match) => ({
    start: match.index,
    end: match.index + match[0].length,
    folded: foldWord(match[0]),
  }));
}
