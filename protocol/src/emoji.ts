import { LIMITS } from './limits';

// Built with the RegExp constructor: the `v` flag (Unicode sets, needed for RGI_Emoji)
// is newer than the language level the packages are compiled for.
const RGI_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v');
/**
 * A pictograph with only the parts an emoji sequence is made of: presentation selectors,
 * skin tones, joiners and tag characters. Accepts emoji newer than this runtime's
 * Unicode data (a new ZWJ sequence of known pictographs) without accepting text.
 */
const PICTOGRAPHIC_SEQUENCE =
  /^\p{Extended_Pictographic}(?:\u{FE0F}|\u{200D}|[\u{E0020}-\u{E007F}]|\p{Emoji_Modifier}|\p{Extended_Pictographic})*$/u;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Whether `text` is exactly one emoji: one grapheme cluster that is an emoji. */
export function isSingleEmoji(text: string): boolean {
  if (text.length === 0 || text.length > LIMITS.emojiLengthMax) return false;
  const iterator = graphemes.segment(text)[Symbol.iterator]();
  const first = iterator.next();
  if (first.done === true || first.value.segment !== text) return false;
  return RGI_EMOJI.test(text) || PICTOGRAPHIC_SEQUENCE.test(text);
}
