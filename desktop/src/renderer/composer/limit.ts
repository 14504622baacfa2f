import { LIMITS, codePointLength } from '@chat/protocol';

/** The counter appears this close to the limit, so it is not noise on every message. */
export const COUNTER_FROM = 3500;

export interface ComposerLimit {
  /** In Unicode code points, the unit the contract counts message bodies in. */
  length: number;
  remaining: number;
  showCounter: boolean;
  tooLong: boolean;
  /** Nothing but whitespace: the server would refuse it, so there is nothing to send. */
  blank: boolean;
  canSend: boolean;
}

export function composerLimit(text: string): ComposerLimit {
  const length = codePointLength(text);
  const remaining = LIMITS.messageBodyMax - length;
  const tooLong = remaining < 0;
  const blank = text.trim().length === 0;
  return {
    length,
    remaining,
    showCounter: length >= COUNTER_FROM,
    tooLong,
    blank,
    canSend: !tooLong && !blank,
  };
}
