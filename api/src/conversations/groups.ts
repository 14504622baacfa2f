import { LIMITS, type Conversation } from '@chat/protocol';
import { ApiError } from '../http/errors';
import type { MessagesService } from '../messages/service';
import type { Notifier } from '../realtime/notifier';
import type { ConversationRecord, Store, SystemEventRecord, UserRecord } from '../store/types';
import type { Avatars } from '../uploads/avatars';
import { conversationNotFound, type Membership } from './membership';
import { toConversation } from './views';

/**
 * Tells every other API instance that a conversation's members changed, and resolves once
 * they have dropped what they remembered of it (or could not answer in time).
 */
export type MembershipRelay = (conversationId: string) => Promise<void>;

export interface GroupsServiceDeps {
  store: Pick<Store, 'users' | 'conversations' | 'receipts'>;
  membership: Membership;
  notifier: Notifier;
  messages: Pick<MessagesService, 'announce'>;
  /** With several instances (scale/index.ts); alone, nothing else remembers members. */
  relayMembership?: MembershipRelay | undefined;
  /** Group avatars (`avatarId` of PATCH); without it an avatarId is refused. */
  avatars?: Pick<Avatars, 'claim' | 'release'> | undefined;
}

/**
 * Changing a group: rename, add and remove members, leave, make and unmake admins. Each
 * change is stored first, then the member caches everywhere follow it, then a system
 * message records it in the history and `conversation:updated` tells the members, so a
 * member who is told of a change never sees the group as it was before it.
 */
export class GroupsService {
  constructor(private readonly deps: GroupsServiceDeps) {}

  /**
   * `PATCH /api/conversations/:id`: what is given changes. A new title is recorded by a
   * system message; a new avatar only tells the members (`conversation:updated`).
   */
  async update(
    callerId: string,
    conversationId: string,
    change: { title?: string | undefined; avatarId?: string | null | undefined },
  ): Promise<Conversation> {
    const before = await this.requireAdmin(callerId, conversationId);
    const { title, avatarId } = change;
    const newTitle = title !== undefined && before.title !== title;
    const newAvatar = avatarId !== undefined && (before.avatar?.id ?? null) !== avatarId;
    if (!newTitle && !newAvatar) return this.viewOf(before, callerId);
    let after = before;
    if (newAvatar) after = await this.setAvatar(callerId, conversationId, avatarId);
    if (newTitle) {
      const renamed = await this.deps.store.conversations.setTitle(conversationId, title);
      if (!renamed) throw conversationNotFound();
      after = await this.record(renamed, {
        event: 'title_changed',
        actorId: callerId,
        userIds: [],
        title,
      });
    }
    return this.callerView(await this.tellMembers(after), after, callerId);
  }

  /** Claims the caller's upload, stores it as the group's avatar, erases the one replaced. */
  private async setAvatar(
    callerId: string,
    conversationId: string,
    avatarId: string | null,
  ): Promise<ConversationRecord> {
    const { avatars } = this.deps;
    if (!avatars) throw new ApiError('invalid_request', 'Avatars are not available here.');
    const avatar = avatarId === null ? null : await avatars.claim(callerId, avatarId);
    const result = await this.deps.store.conversations.setAvatar(conversationId, avatar);
    if (!result) {
      await avatars.release(avatar);
      throw conversationNotFound();
    }
    await avatars.release(result.previous);
    return result.conversation;
  }

  async addMembers(
    callerId: string,
    conversationId: string,
    userIds: readonly string[],
  ): Promise<Conversation> {
    const before = await this.requireAdmin(callerId, conversationId);
    const wanted = [...new Set(userIds)];
    const found = await this.deps.store.users.findByIds(wanted);
    if (found.length !== wanted.length) throw new ApiError('not_found', 'A user id names no user.');
    const after = await this.deps.store.conversations.addMembers(
      conversationId,
      wanted,
      LIMITS.groupMembersMax,
    );
    if (after === null) throw conversationNotFound();
    if (after === 'full') {
      throw new ApiError(
        'invalid_request',
        `A group has at most ${LIMITS.groupMembersMax} members.`,
        [{ path: 'userIds', message: 'would make the group too large' }],
      );
    }
    const added = after.memberIds.filter((id) => !before.memberIds.includes(id));
    if (added.length === 0) return this.viewOf(after, callerId);
    await this.membershipChanged(after);
    // What was said before they joined is there to read, not unread.
    for (const userId of added) {
      await this.deps.store.receipts.advance(conversationId, userId, 'read', after.lastSeq);
    }
    const latest = await this.record(after, {
      event: 'member_added',
      actorId: callerId,
      userIds: added,
      title: null,
    });
    return this.callerView(await this.tellMembers(latest, added), latest, callerId);
  }

  /** An admin removes a member, or anyone removes themselves (leaving). */
  async removeMember(callerId: string, conversationId: string, userId: string): Promise<void> {
    const leaving = userId === callerId;
    const before = leaving
      ? await this.requireGroup(callerId, conversationId)
      : await this.requireAdmin(callerId, conversationId);
    if (!before.memberIds.includes(userId)) throw new ApiError('not_found', 'No such member.');
    const after = await this.deps.store.conversations.removeMember(conversationId, userId);
    if (!after) throw conversationNotFound();
    await this.membershipChanged(after);
    // From here on nothing of it reaches them, on any instance.
    this.deps.notifier.toUsers([userId], 'conversation:removed', { conversationId });
    const latest = await this.record(after, {
      event: leaving ? 'member_left' : 'member_removed',
      actorId: callerId,
      userIds: [userId],
      title: null,
    });
    await this.tellMembers(latest);
  }

  async setAdmin(
    callerId: string,
    conversationId: string,
    userId: string,
    admin: boolean,
  ): Promise<Conversation> {
    const before = await this.requireAdmin(callerId, conversationId);
    if (!before.memberIds.includes(userId)) throw new ApiError('not_found', 'No such member.');
    if (before.adminIds.includes(userId) === admin) return this.viewOf(before, callerId);
    if (!admin && before.adminIds.length === 1) {
      throw new ApiError('forbidden', 'A group keeps at least one admin; leaving hands it over.');
    }
    const after = await this.deps.store.conversations.setAdmin(conversationId, userId, admin);
    if (!after) throw conversationNotFound();
    const latest = await this.record(after, {
      event: 'admin_changed',
      actorId: callerId,
      userIds: [userId],
      title: null,
    });
    return this.callerView(await this.tellMembers(latest), latest, callerId);
  }

  /** The group as stored, read fresh (admins change); 404 unless the caller is a member. */
  private async requireGroup(callerId: string, conversationId: string) {
    const conversation = await this.deps.store.conversations.findById(conversationId);
    if (!conversation?.memberIds.includes(callerId)) throw conversationNotFound();
    if (conversation.type !== 'group') {
      throw new ApiError('forbidden', 'A direct conversation has no members to change.');
    }
    return conversation;
  }

  private async requireAdmin(callerId: string, conversationId: string) {
    const conversation = await this.requireGroup(callerId, conversationId);
    if (!conversation.adminIds.includes(callerId)) {
      throw new ApiError('forbidden', 'Only an admin of the group may do this.');
    }
    return conversation;
  }

  /** This instance remembers the new members; every other one forgets what it had. */
  private async membershipChanged(conversation: ConversationRecord): Promise<void> {
    this.deps.membership.remember(conversation);
    await this.deps.relayMembership?.(conversation.id);
  }

  /** Writes the system message; resolves with the group as it is after it (its lastSeq). */
  private async record(
    conversation: ConversationRecord,
    system: SystemEventRecord,
  ): Promise<ConversationRecord> {
    const message = await this.deps.messages.announce(conversation.id, system);
    return { ...conversation, lastSeq: message.seq };
  }

  /**
   * Every member gets the group as they see it: `conversation:new` for `added`,
   * `conversation:updated` for the others. Resolves with the views sent, by member.
   */
  private async tellMembers(
    conversation: ConversationRecord,
    added: readonly string[] = [],
  ): Promise<Map<string, Conversation>> {
    const users = await this.usersOf(conversation);
    const views = new Map<string, Conversation>();
    for (const memberId of conversation.memberIds) {
      const view = await this.viewFor(conversation.id, memberId, users);
      if (!view) continue;
      views.set(memberId, view);
      this.deps.notifier.toUsers(
        [memberId],
        added.includes(memberId) ? 'conversation:new' : 'conversation:updated',
        view,
      );
    }
    return views;
  }

  private callerView(
    views: ReadonlyMap<string, Conversation>,
    conversation: ConversationRecord,
    callerId: string,
  ): Promise<Conversation> | Conversation {
    return views.get(callerId) ?? this.viewOf(conversation, callerId);
  }

  private async viewOf(conversation: ConversationRecord, viewerId: string): Promise<Conversation> {
    const view = await this.viewFor(conversation.id, viewerId, await this.usersOf(conversation));
    if (!view) throw conversationNotFound();
    return view;
  }

  private async viewFor(
    conversationId: string,
    viewerId: string,
    users: ReadonlyMap<string, UserRecord>,
  ): Promise<Conversation | null> {
    const summary = await this.deps.store.conversations.summaryFor(conversationId, viewerId);
    return summary ? toConversation(summary, viewerId, users) : null;
  }

  private async usersOf(conversation: ConversationRecord): Promise<Map<string, UserRecord>> {
    const users = await this.deps.store.users.findByIds(conversation.memberIds);
    return new Map(users.map((user) => [user.id, user]));
  }
}
