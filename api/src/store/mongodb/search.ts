/**
 * Escapes every character that has a meaning in a JavaScript or PCRE regular expression,
 * so a search text is matched literally. NUL becomes `\x00` because a BSON regular
 * expression is a C string and could not carry the raw byte.
 */
export function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&').replaceAll('\0', '\\x00');
}

/**
 * An anchored, case-sensitive prefix pattern over a field that is stored lower-cased.
 * Anchored and without the `i` flag so MongoDB can answer it from the field's index
 * as a range scan instead of testing every document.
 */
export function lowerPrefixPattern(prefix: string): RegExp {
  return new RegExp(`^${escapeRegExp(prefix.toLowerCase())}`);
}
