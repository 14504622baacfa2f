import { describe, expect, it } from 'vitest';
import { EMOJI } from './emoji-data';
import { quickEmoji, recentEmoji, rememberEmoji, searchEmoji } from './emoji';

function memoryStore(initial: Record<string, string> = {}) {
  const values = new Map(Object.entries(initial));
  return {
    getItem: (key: string) => values.get(key) ?? null,
    setItem: (key: string, value: string) => void values.set(key, value),
  };
}

describe('emoji search', () => {
  it('finds by name and extra words, by word prefix, case-insensitively', () => {
    expect(searchEmoji('thumbs').map((e) => e.emoji)).toEqual(['👍', '👎']);
    expect(searchEmoji('LOL').map((e) => e.emoji)).toContain('😂');
    expect(searchEmoji('red heart')[0]?.emoji).toBe('❤️');
    expect(
      searchEmoji('party')
        .map((e) => e.emoji)
        .slice(0, 2),
    ).toEqual(['🎉', '🥳']);
  });

  it('every word must match; nothing for an empty query or gibberish', () => {
    expect(searchEmoji('cat love').map((e) => e.emoji)).toEqual(['😻']);
    expect(searchEmoji('   ')).toEqual([]);
    expect(searchEmoji('zzqx')).toEqual([]);
    expect(searchEmoji('<script>')).toEqual([]);
  });

  it('the dataset has a few hundred distinct emoji, each with a name', () => {
    expect(EMOJI.length).toBeGreaterThan(250);
    expect(new Set(EMOJI.map((e) => e.emoji)).size).toBe(EMOJI.length);
    expect(EMOJI.every((e) => e.name.length > 0)).toBe(true);
  });
});

describe('recent emoji', () => {
  it('remembers the last used first, without repeats, at most 8', () => {
    const store = memoryStore();
    for (const e of ['🔥', '👍', '🎉', '👍']) rememberEmoji(e, store);
    expect(recentEmoji(store)).toEqual(['👍', '🎉', '🔥']);
    for (const e of ['1', '2', '3', '4', '5', '6', '7']) rememberEmoji(e, store);
    expect(recentEmoji(store)).toHaveLength(8);
  });

  it('a broken stored value reads as none', () => {
    expect(recentEmoji(memoryStore({ 'chat.recentEmoji.v1': '{not json' }))).toEqual([]);
    expect(recentEmoji(memoryStore({ 'chat.recentEmoji.v1': '{"a":1}' }))).toEqual([]);
  });

  it('the quick row puts recent ones before the defaults', () => {
    expect(quickEmoji(['🔥'])).toEqual(['🔥', '👍', '❤️', '😂', '😮', '😢', '🙏', '🎉']);
  });
});
