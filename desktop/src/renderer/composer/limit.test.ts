import { describe, expect, it } from 'vitest';
import { LIMITS } from '@chat/protocol';
import { COUNTER_FROM, composerLimit } from './limit';

describe('composerLimit', () => {
  it('counts code points, so an emoji is one character, not two UTF-16 units', () => {
    const text = '😀'.repeat(LIMITS.messageBodyMax);
    expect(text.length).toBe(2 * LIMITS.messageBodyMax);
    const limit = composerLimit(text);
    expect(limit.length).toBe(LIMITS.messageBodyMax);
    expect(limit.tooLong).toBe(false);
    expect(limit.canSend).toBe(true);
  });

  it('refuses one character over the limit', () => {
    const limit = composerLimit('a'.repeat(LIMITS.messageBodyMax + 1));
    expect(limit.remaining).toBe(-1);
    expect(limit.tooLong).toBe(true);
    expect(limit.canSend).toBe(false);
  });

  it('shows the counter only when approaching the limit', () => {
    expect(composerLimit('a'.repeat(COUNTER_FROM - 1)).showCounter).toBe(false);
    expect(composerLimit('a'.repeat(COUNTER_FROM)).showCounter).toBe(true);
  });

  it('has nothing to send for whitespace only', () => {
    expect(composerLimit(' \n\t ').canSend).toBe(false);
    expect(composerLimit('').blank).toBe(true);
    expect(composerLimit(' hi ').canSend).toBe(true);
  });
});
