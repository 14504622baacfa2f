/**
 * (version 3) How a stored message looks with the user's changes that still wait in the
 * outbox: the edit's text, a deletion's tombstone, reactions toggled, marked pending. The
 * server's copy stays what the state holds; this is only how it is shown meanwhile.
 */
import type { LocalMessage } from '../shared/bridge';
import type { OutboxChange } from './storage/outbox';

export interface PendingChange {
  /** The outbox entry's id. */
  id: string;
  change: OutboxChange;
  /** Local time the change was made. */
  createdAt: string;
}

/** `message` with `changes` (of that message, in the order made) applied by `selfId`. */
export function withChanges(
  message: LocalMessage,
  changes: readonly PendingChange[],
  selfId: string,
): LocalMessage {
  let shown: LocalMessage = message;
  for (const { change, createdAt } of changes) {
    // The server refuses any change to a deleted message; show what it will keep.
    if (shown.deletedAt !== null) break;
    switch (change.kind) {
      case 'edit':
        shown = { ...shown, body: change.body, editedAt: createdAt };
        break;
      case 'delete':
        shown = {
          ...shown,
          body: '',
          deletedAt: createdAt,
          reactions: [],
          mentions: [],
          attachments: [],
        };
        break;
      case 'react':
        shown = { ...shown, reactions: toggled(shown.reactions, change.emoji, selfId, change.on) };
        break;
    }
  }
  return changes.length === 0 ? shown : { ...shown, changePending: true };
}

function toggled(
  reactions: LocalMessage['reactions'],
  emoji: string,
  userId: string,
  on: boolean,
): LocalMessage['reactions'] {
  const existing = reactions.find((r) => r.emoji === emoji);
  if (on) {
    if (existing === undefined) return [...reactions, { emoji, userIds: [userId] }];
    if (existing.userIds.includes(userId)) return reactions;
    return reactions.map((r) => (r === existing ? { emoji, userIds: [...r.userIds, userId] } : r));
  }
  if (existing === undefined || !existing.userIds.includes(userId)) return reactions;
  const userIds = existing.userIds.filter((id) => id !== userId);
  return userIds.length === 0
    ? reactions.filter((r) => r !== existing)
    : reactions.map((r) => (r === existing ? { emoji, userIds } : r));
}
