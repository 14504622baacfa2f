import { Types } from 'mongoose';
import { describe, expect, it } from 'vitest';
import { reactionsAfter } from './messages';
import type { ReactionDoc } from './models';

const ann = new Types.ObjectId();
const ben = new Types.ObjectId();
/** Ben again, as another instance: ids are compared by value. */
const benAgain = new Types.ObjectId(ben.toHexString());

const hex = (reactions: ReactionDoc[]) =>
  reactions.map((r) => ({ emoji: r.emoji, userIds: r.userIds.map((u) => u.toHexString()) }));

describe('the reactions a change writes (the transaction computes them from what it read)', () => {
  it('adds a first reaction as a new entry after the others, and a later one to its entry', () => {
    const first = reactionsAfter([], '👍', ann, true);
    expect(hex(first)).toEqual([{ emoji: '👍', userIds: [ann.toHexString()] }]);
    const second = reactionsAfter(first, '🎉', ben, true);
    const third = reactionsAfter(second, '👍', ben, true);
    expect(hex(third)).toEqual([
      { emoji: '👍', userIds: [ann.toHexString(), ben.toHexString()] },
      { emoji: '🎉', userIds: [ben.toHexString()] },
    ]);
  });

  it('never lists a person twice in one entry, however the id object was made', () => {
    const once = reactionsAfter([{ emoji: '👍', userIds: [ben] }], '👍', benAgain, true);
    expect(hex(once)).toEqual([{ emoji: '👍', userIds: [ben.toHexString()] }]);
  });

  it('takes a reaction back, dropping the entry with its last person', () => {
    const stored: ReactionDoc[] = [
      { emoji: '👍', userIds: [ann, ben] },
      { emoji: '🎉', userIds: [ben] },
    ];
    expect(hex(reactionsAfter(stored, '👍', benAgain, false))).toEqual([
      { emoji: '👍', userIds: [ann.toHexString()] },
      { emoji: '🎉', userIds: [ben.toHexString()] },
    ]);
    expect(hex(reactionsAfter(stored, '🎉', ben, false))).toEqual([
      { emoji: '👍', userIds: [ann.toHexString(), ben.toHexString()] },
    ]);
    // Taking back what is not there changes nothing.
    expect(hex(reactionsAfter(stored, '😀', ann, false))).toEqual(hex(stored));
  });

  it('drops an empty entry an older version left, and reuses its emoji as a new one', () => {
    const stored: ReactionDoc[] = [
      { emoji: '👍', userIds: [] },
      { emoji: '🎉', userIds: [ann] },
    ];
    expect(hex(reactionsAfter(stored, '🎉', ben, true))).toEqual([
      { emoji: '🎉', userIds: [ann.toHexString(), ben.toHexString()] },
    ]);
    expect(hex(reactionsAfter(stored, '👍', ben, true))).toEqual([
      { emoji: '🎉', userIds: [ann.toHexString()] },
      { emoji: '👍', userIds: [ben.toHexString()] },
    ]);
  });

  it('leaves what it was given as it was (the transaction may run again from the same read)', () => {
    const stored: ReactionDoc[] = [{ emoji: '👍', userIds: [ann] }];
    reactionsAfter(stored, '👍', ben, true);
    reactionsAfter(stored, '👍', ann, false);
    expect(hex(stored)).toEqual([{ emoji: '👍', userIds: [ann.toHexString()] }]);
  });
});
