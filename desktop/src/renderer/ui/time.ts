/**
 * How times read in the UI, in the user's locale and time zone. Every function takes
 * `now` so the same input always gives the same text (and tests need no fake clock).
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

/** Whole calendar days from `then` to `now` in local time (0 = same day). */
export function daysBetween(then: Date, now: Date): number {
  return Math.round((startOfDay(now) - startOfDay(then)) / (24 * HOUR));
}

export function isSameDay(a: string, b: string): boolean {
  return daysBetween(new Date(a), new Date(b)) === 0;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const weekdayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long' });
const shortWeekdayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short' });
const dateFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const fullDateFormat = new Intl.DateTimeFormat(undefined, {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
});
const longDateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full' });
const exactFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

export function clockTime(iso: string): string {
  return timeFormat.format(new Date(iso));
}

/** For tooltips: the full date and time. */
export function exactTime(iso: string): string {
  return exactFormat.format(new Date(iso));
}

/** Day separators in a conversation: Today, Yesterday, a weekday this week, else a date. */
export function dayLabel(iso: string, now: Date): string {
  const then = new Date(iso);
  const days = daysBetween(then, now);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  if (days > 1 && days < 7) return weekdayFormat.format(then);
  return longDateFormat.format(then);
}

/** The conversation list's compact time: "now", "5m", a clock time today, then dates. */
export function listTime(iso: string, now: Date): string {
  const then = new Date(iso);
  const elapsed = now.getTime() - then.getTime();
  if (elapsed < MINUTE) return 'now';
  if (elapsed < HOUR) return `${Math.floor(elapsed / MINUTE)}m`;
  const days = daysBetween(then, now);
  if (days === 0) return timeFormat.format(then);
  if (days === 1) return 'Yesterday';
  if (days < 7) return shortWeekdayFormat.format(then);
  if (then.getFullYear() === now.getFullYear()) return dateFormat.format(then);
  return fullDateFormat.format(then);
}

/** "last seen …" in a conversation header. */
export function lastSeen(iso: string | null, now: Date): string {
  if (iso === null) return 'offline';
  const then = new Date(iso);
  const elapsed = now.getTime() - then.getTime();
  if (elapsed < MINUTE) return 'last seen just now';
  if (elapsed < HOUR) {
    const minutes = Math.floor(elapsed / MINUTE);
    return `last seen ${minutes} minute${minutes === 1 ? '' : 's'} ago`;
  }
  const days = daysBetween(then, now);
  if (days === 0) return `last seen today at ${timeFormat.format(then)}`;
  if (days === 1) return `last seen yesterday at ${timeFormat.format(then)}`;
  if (then.getFullYear() === now.getFullYear()) return `last seen ${dateFormat.format(then)}`;
  return `last seen ${fullDateFormat.format(then)}`;
}
