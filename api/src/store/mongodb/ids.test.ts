import { Types } from 'mongoose';
import { describe, expect, it } from 'vitest';
import { directKey, idString, isStoreId, parseId, parseIds, requireId } from './ids';

const issued = new Types.ObjectId().toHexString();

describe('MongoDB ids', () => {
  it('maps an id it issued back to the same ObjectId', () => {
    const parsed = parseId(issued);
    expect(parsed).toBeInstanceOf(Types.ObjectId);
    expect(parsed && idString(parsed)).toBe(issued);
  });

  it.each([
    ['an empty string', ''],
    ['a word', 'not-an-id'],
    ['a UUID', '00000000-0000-4000-8000-000000000000'],
    // Types.ObjectId.isValid accepts any 12-character string as raw bytes.
    ['twelve characters', 'aaaaaaaaaaaa'],
    ['upper-case hex, which this store never issues', issued.toUpperCase()],
    ['23 hex digits', issued.slice(1)],
    ['25 hex digits', `${issued}0`],
    ['hex with a trailing newline', `${issued}\n`],
    ['an operator object in JSON', '{"$gt":""}'],
    ['a NUL', '\u0000'],
    ['a very long string', 'x'.repeat(10_000)],
  ])('rejects %s without throwing', (_label, value) => {
    expect(isStoreId(value)).toBe(false);
    expect(parseId(value)).toBeNull();
  });

  it.each([
    ['null', null],
    ['a number', 42],
    ['an object', { $gt: '' }],
    ['an ObjectId instance', new Types.ObjectId()],
  ])('rejects %s, which is no string', (_label, value) => {
    expect(parseId(value)).toBeNull();
  });

  it('keeps the valid ids of a list once each, in order', () => {
    const other = new Types.ObjectId().toHexString();
    const parsed = parseIds([issued, 'nope', other, issued, '']);
    expect(parsed.map(idString)).toEqual([issued, other]);
  });

  it('refuses to write with an id it never issued, naming the field', () => {
    expect(() => requireId('nope', 'senderId')).toThrow(/senderId/);
    expect(idString(requireId(issued, 'senderId'))).toBe(issued);
  });
});

describe('directKey', () => {
  const a = new Types.ObjectId().toHexString();
  const b = new Types.ObjectId().toHexString();
  const c = new Types.ObjectId().toHexString();

  it('is the same whichever side asks', () => {
    expect(directKey(a, b)).toBe(directKey(b, a));
  });

  it('differs for every other pair', () => {
    const keys = new Set([directKey(a, b), directKey(a, c), directKey(b, c)]);
    expect(keys.size).toBe(3);
  });

  it('names both members, sorted', () => {
    expect(directKey(b, a)).toBe([a, b].sort().join(':'));
  });
});
