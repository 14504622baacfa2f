import { LIMITS, type Conversation } from '@chat/protocol';
import { ApiError } from '../http/errors';
import type { Notifier } from '../realtime/notifier';
import type { ConversationRecord, ConversationSummary, Store, UserRecord } from '../store/types';
import { conversationNotFound, type Membership } from './membership';
import { freshSummary, toConversation } from './views';

export interface ConversationsServiceDeps {
  store: Pick<Store, 'users' | 'conversations'>;
  membership: Membership;
  notifier: Notifier;
}

export class ConversationsService {
  constructor(private readonly deps: ConversationsServiceDeps) {}

  /**
   * The one direct conversation between the caller and `userId`. Concurrent creates from
   * either side meet in the store, which gives both the same conversation and exactly one
   * of them `created`. Only the caller's own sockets are told now: an empty conversation
   * does not reach the other person (their list, `conversation:new`) before its first
   * message (issue #13; `announceFirstMessage`).
   */
  async openDirect(
    callerId: string,
    userId: string,
  ): Promise<{ conversation: Conversation; created: boolean }> {
    if (userId === callerId) {
      throw new ApiError('invalid_request', 'A direct conversation needs another user.', [
        { path: 'userId', message: 'must not be the caller' },
      ]);
    }
    const { users, conversations } = this.deps.store;
    const other = await users.findById(userId);
    if (!other) throw new ApiError('not_found', 'No such user.');
    const { conversation, created } = await conversations.findOrCreateDirect(callerId, userId);
    this.deps.membership.remember(conversation);
    if (created) {
      const view = await this.announceNew(conversation, callerId, [callerId]);
      return { conversation: view, created };
    }
    const summary = await conversations.summaryFor(conversation.id, callerId);
    if (!summary) throw new Error('direct conversation without the caller as a member');
    return { conversation: await this.view(summary, callerId), created };
  }

  /** `memberIds` may or may not include the caller and may repeat; both are forgiven. */
  async createGroup(
    callerId: string,
    input: { title: string; memberIds: readonly string[] },
  ): Promise<Conversation> {
    const memberIds = [...new Set([callerId, ...input.memberIds])];
    if (memberIds.length < LIMITS.groupMembersMin || memberIds.length > LIMITS.groupMembersMax) {
      throw new ApiError(
        'invalid_request',
        `A group has ${LIMITS.groupMembersMin} to ${LIMITS.groupMembersMax} members, the caller included.`,
        [{ path: 'memberIds', message: `gives ${memberIds.length} members in all` }],
      );
    }
    const found = await this.deps.store.users.findByIds(memberIds);
    if (found.length !== memberIds.length) {
      throw new ApiError('not_found', 'A member id names no user.');
    }
    const conversation = await this.deps.store.conversations.createGroup({
      title: input.title,
      memberIds,
    });
    this.deps.membership.remember(conversation);
    return this.announceNew(conversation, callerId, conversation.memberIds, usersById(found));
  }

  /**
   * A direct conversation's first message was stored: the member it was hidden from
   * learns of it now, with the message in their view. Its creator (the first member) was
   * told when it was created. Groups were announced to everyone at creation.
   */
  async announceFirstMessage(conversationId: string): Promise<void> {
    const conversation = await this.deps.store.conversations.findById(conversationId);
    if (conversation?.type !== 'direct') return;
    const users = usersById(await this.deps.store.users.findByIds(conversation.memberIds));
    for (const memberId of conversation.memberIds.slice(1)) {
      const summary = await this.deps.store.conversations.summaryFor(conversationId, memberId);
      if (summary) {
        this.deps.notifier.toUsers(
          [memberId],
          'conversation:new',
          toConversation(summary, memberId, users),
        );
      }
    }
  }

  /** The caller's conversations, most recent activity first. */
  async list(callerId: string): Promise<Conversation[]> {
    const summaries = await this.deps.store.conversations.listForMember(callerId);
    const ids = new Set(summaries.flatMap((s) => s.conversation.memberIds));
    const users = usersById(await this.deps.store.users.findByIds([...ids]));
    return summaries.map((summary) => toConversation(summary, callerId, users));
  }

  async get(callerId: string, conversationId: string): Promise<Conversation> {
    const summary = await this.deps.store.conversations.summaryFor(conversationId, callerId);
    if (!summary) throw conversationNotFound();
    return this.view(summary, callerId);
  }

  /**
   * Tells `recipients`, each with their own view, and returns the creator's view. The
   * creator's sockets are told too (an extension of the contract, documented in
   * docs/realtime.md): creation happens over REST, so no socket made the request, and the
   * creator's other devices would otherwise learn of the conversation only at their next
   * catch-up. The creating client also gets it in the response; clients upsert by id.
   */
  private async announceNew(
    conversation: ConversationRecord,
    creatorId: string,
    recipients: readonly string[],
    knownUsers?: ReadonlyMap<string, UserRecord>,
  ): Promise<Conversation> {
    const users =
      knownUsers ?? usersById(await this.deps.store.users.findByIds(conversation.memberIds));
    const summary = freshSummary(conversation);
    for (const memberId of recipients) {
      this.deps.notifier.toUsers(
        [memberId],
        'conversation:new',
        toConversation(summary, memberId, users),
      );
    }
    return toConversation(summary, creatorId, users);
  }

  private async view(summary: ConversationSummary, viewerId: string): Promise<Conversation> {
    const users = usersById(await this.deps.store.users.findByIds(summary.conversation.memberIds));
    return toConversation(summary, viewerId, users);
  }
}

function usersById(users: readonly UserRecord[]): Map<string, UserRecord> {
  return new Map(users.map((user) => [user.id, user]));
}
