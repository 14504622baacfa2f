import { ApiError } from '../http/errors';
import type { ConversationRecord, ConversationStore } from '../store/types';

/**
 * Who is in which conversation, remembered so sending a message, typing or a receipt
 * costs no database read for it. A group's members change (version 2): the instance that
 * changes them calls `remember` with the stored result, and every other instance hears
 * of it and calls `forget` before the change is answered (GroupsService, scale/index.ts),
 * so a removed member stops receiving at once wherever their sockets are.
 * Only conversations that exist are remembered; unknown ids are read every time.
 */
export class Membership {
  private readonly members = new Map<string, readonly string[]>();
  private readonly pending = new Map<string, Promise<readonly string[] | null>>();

  constructor(
    private readonly conversations: Pick<ConversationStore, 'findById'>,
    private readonly maxEntries = 20_000,
  ) {}

  /** The member ids, or null when there is no such conversation. */
  async membersOf(conversationId: string): Promise<readonly string[] | null> {
    const cached = this.members.get(conversationId);
    if (cached) {
      // Re-insert: Map order doubles as recency order for eviction.
      this.members.delete(conversationId);
      this.members.set(conversationId, cached);
      return cached;
    }
    let lookup = this.pending.get(conversationId);
    if (!lookup) {
      const read: Promise<readonly string[] | null> = this.conversations
        .findById(conversationId)
        .then((found) => {
          // A change heard while the read was in flight (`forget` dropped this lookup)
          // wins over what the read saw: the next call reads again.
          if (found && this.pending.get(conversationId) === read) this.remember(found);
          return found ? found.memberIds : null;
        });
      lookup = read;
      this.pending.set(conversationId, lookup);
    }
    try {
      return await lookup;
    } finally {
      if (this.pending.get(conversationId) === lookup) this.pending.delete(conversationId);
    }
  }

  /**
   * The member ids of a conversation `userId` belongs to. A conversation the user is not
   * in is `not_found`, exactly like one that does not exist, so existence does not leak.
   */
  async requireMember(conversationId: string, userId: string): Promise<readonly string[]> {
    const members = await this.membersOf(conversationId);
    if (!members?.includes(userId)) throw conversationNotFound();
    return members;
  }

  remember(conversation: ConversationRecord): void {
    this.pending.delete(conversation.id);
    this.members.delete(conversation.id);
    this.members.set(conversation.id, Object.freeze([...conversation.memberIds]));
    while (this.members.size > this.maxEntries) {
      const oldest = this.members.keys().next();
      if (oldest.done === true) break;
      this.members.delete(oldest.value);
    }
  }

  forget(conversationId: string): void {
    this.members.delete(conversationId);
    this.pending.delete(conversationId);
  }
}

export function conversationNotFound(): ApiError {
  return new ApiError('not_found', 'No such conversation.');
}
