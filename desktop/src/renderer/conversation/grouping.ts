/**
 * How a message row is drawn depends on its neighbours: a day separator before the first
 * message of a day, the sender's name and avatar on the first message of a run, the tail
 * on the last, and the "new messages" divider before the first unread one.
 */
import type { LocalMessage } from '../../shared/bridge';
import { isSameDay } from '../ui/time';

/** Messages from one sender further apart than this start a new group. */
export const GROUP_GAP_MS = 5 * 60_000;

export interface RowLayout {
  /** The first message of its (local) day. */
  newDay: boolean;
  /** The "new messages" divider goes above this row. */
  unreadDivider: boolean;
  /** First of a run by one sender: show the name (groups) and the gap above. */
  groupStart: boolean;
  /** Last of a run: show the avatar and the time. */
  groupEnd: boolean;
}

/** What the user had, and had read, when they opened the conversation. */
export interface ReadPosition {
  /** The read watermark. */
  lastReadSeq: number;
  /** Messages from others after the watermark, as the server counts them. */
  unreadCount: number;
  /** The latest stored message then: anything later arrived while the chat was open. */
  latestSeq: number;
}

/**
 * The first message from someone else the user had not read when they opened the chat:
 * among the loaded messages, older than all of them (so a divider there would be a lie),
 * or nowhere.
 */
export type FirstUnread =
  | { where: 'loaded'; key: string }
  /** `loaded`: how many of the unread messages are held so far. */
  | { where: 'older'; loaded: number }
  | { where: 'none' };

export function locateFirstUnread(
  messages: readonly LocalMessage[],
  hasMore: boolean,
  opened: ReadPosition,
): FirstUnread {
  let oldestSeq: number | null = null;
  let first: string | null = null;
  let loaded = 0;
  for (const m of messages) {
    if (m.seq === null) continue;
    oldestSeq ??= m.seq;
    if (m.mine || m.seq <= opened.lastReadSeq || m.seq > opened.latestSeq) continue;
    first ??= m.key;
    loaded++;
  }
  // Seqs have no gaps, so holding the message right after the watermark means holding
  // everything unread; the server's count says the same when every unread one is here.
  const allHeld =
    !hasMore ||
    oldestSeq === null ||
    oldestSeq <= opened.lastReadSeq + 1 ||
    loaded >= opened.unreadCount;
  if (!allHeld) return { where: 'older', loaded };
  return first === null ? { where: 'none' } : { where: 'loaded', key: first };
}

function continues(
  previous: LocalMessage | undefined,
  next: LocalMessage,
  dividerBetween: boolean,
): boolean {
  if (previous === undefined || dividerBetween) return false;
  // A group change is a line of its own, never part of someone's run of bubbles.
  if (previous.kind === 'system' || next.kind === 'system') return false;
  if (previous.senderId !== next.senderId) return false;
  if (!isSameDay(previous.createdAt, next.createdAt)) return false;
  const gap = Date.parse(next.createdAt) - Date.parse(previous.createdAt);
  return gap <= GROUP_GAP_MS;
}

export function rowLayout(
  messages: readonly LocalMessage[],
  index: number,
  unreadKey: string | null,
): RowLayout {
  const message = messages[index];
  if (message === undefined) {
    return { newDay: false, unreadDivider: false, groupStart: true, groupEnd: true };
  }
  const previous = messages[index - 1];
  const next = messages[index + 1];
  const unreadDivider = message.key === unreadKey;
  return {
    newDay: previous === undefined || !isSameDay(previous.createdAt, message.createdAt),
    unreadDivider,
    groupStart: !continues(previous, message, unreadDivider),
    groupEnd: next === undefined || !continues(message, next, next.key === unreadKey),
  };
}
