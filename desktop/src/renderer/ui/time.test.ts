import { describe, expect, it } from 'vitest';
import { dayLabel, isSameDay, lastSeen, listTime } from './time';

// Local times, so the expectations hold in any time zone.
const now = new Date(2026, 10, 26, 15, 30);
const at = (...parts: [number, number, number, number, number]) => new Date(...parts).toISOString();

describe('time labels', () => {
  it('names days relative to today', () => {
    expect(dayLabel(at(2026, 10, 26, 0, 1), now)).toBe('Today');
    expect(dayLabel(at(2026, 10, 25, 23, 59), now)).toBe('Yesterday');
    expect(dayLabel(at(2026, 10, 23, 12, 0), now)).toMatch(/\p{L}/u);
    expect(dayLabel(at(2025, 0, 1, 12, 0), now)).toContain('2025');
  });

  it('compares calendar days in local time', () => {
    expect(isSameDay(at(2026, 10, 26, 0, 0), at(2026, 10, 26, 23, 59))).toBe(true);
    expect(isSameDay(at(2026, 10, 25, 23, 59), at(2026, 10, 26, 0, 0))).toBe(false);
  });

  it('keeps list times compact', () => {
    expect(listTime(at(2026, 10, 26, 15, 29), now)).toBe('1m');
    expect(listTime(new Date(now.getTime() - 10_000).toISOString(), now)).toBe('now');
    expect(listTime(at(2026, 10, 25, 9, 0), now)).toBe('Yesterday');
  });

  it('says how long ago someone was seen', () => {
    expect(lastSeen(null, now)).toBe('offline');
    expect(lastSeen(at(2026, 10, 26, 15, 25), now)).toBe('last seen 5 minutes ago');
    expect(lastSeen(at(2026, 10, 26, 15, 29), now)).toBe('last seen 1 minute ago');
    expect(lastSeen(at(2026, 10, 26, 9, 0), now)).toMatch(/^last seen today at /);
    expect(lastSeen(at(2026, 10, 25, 9, 0), now)).toMatch(/^last seen yesterday at /);
  });
});
