import type { Attachment, Conversation, ConversationWithMemberIds, User } from '@chat/protocol';
import { toUser } from '../auth/service';
import { toMessage } from '../messages/views';
import type { ConversationRecord, ConversationSummary, UserRecord } from '../store/types';
import type { SharedViewText } from './list-views';

/** A conversation as `viewerId` sees it: their read watermark and unread count. */
export function toConversation(
  summary: ConversationSummary,
  viewerId: string,
  users: ReadonlyMap<string, UserRecord>,
  /** The last message's attachments, when the caller read them (the list does). */
  lastAttachments: readonly Attachment[] = [],
  /**
   * Views already made of `users`, shared across the conversations of one answer: a list
   * of 200 conversations otherwise builds the same people's views over and over.
   */
  userViews?: Map<string, User>,
): Conversation {
  const members: User[] = [];
  for (const id of summary.conversation.memberIds) {
    const user = users.get(id);
    if (!user) continue;
    let view = userViews?.get(id);
    if (view === undefined) {
      view = toUser(user);
      userViews?.set(id, view);
    }
    members.push(view);
  }
  return conversationWith(summary, viewerId, members, lastAttachments);
}

/**
 * The `members=ids` form (an extension of the list): each member as an id, in the same
 * order and with the same members left out as `toConversation` (those without a user in
 * `users`, whose views the answer gives once beside the conversations).
 */
export function toConversationWithMemberIds(
  summary: ConversationSummary,
  viewerId: string,
  users: ReadonlyMap<string, unknown>,
  lastAttachments: readonly Attachment[] = [],
): ConversationWithMemberIds {
  const members = summary.conversation.memberIds.filter((id) => users.has(id));
  return conversationWith(summary, viewerId, members, lastAttachments);
}

/**
 * The view's JSON around its members and per-member parts (see `SharedViewText`), made
 * from the same view as the answers built as objects, so both spell the same bytes.
 */
export function sharedViewText(
  summary: ConversationSummary,
  lastAttachments: readonly Attachment[] = [],
): SharedViewText {
  const view = conversationWith(summary, '', null, lastAttachments);
  const json = JSON.stringify;
  return {
    head: `{"id":${json(view.id)},"type":${json(view.type)},"title":${json(view.title)},"members":`,
    middle: `,"createdAt":${json(view.createdAt)},"lastMessage":${json(view.lastMessage)},"lastReadSeq":`,
    tail: `,"rev":${json(view.rev)},"admins":${json(view.admins)},"notifications":`,
    end: `,"avatar":${json(view.avatar)}}`,
  };
}

/** Everything of a conversation's view but how its members are given. */
function conversationWith<M>(
  summary: ConversationSummary,
  viewerId: string,
  members: M,
  lastAttachments: readonly Attachment[],
): Omit<Conversation, 'members'> & { members: M } {
  const { conversation } = summary;
  const receipts = conversation.memberIds.map(
    (userId) =>
      summary.watermarks.find((w) => w.userId === userId) ?? {
        userId,
        deliveredSeq: 0,
        readSeq: 0,
      },
  );
  return {
    id: conversation.id,
    type: conversation.type,
    title: conversation.title,
    members,
    createdAt: conversation.createdAt.toISOString(),
    lastMessage: summary.lastMessage ? toMessage(summary.lastMessage, lastAttachments) : null,
    lastReadSeq: receipts.find((r) => r.userId === viewerId)?.readSeq ?? 0,
    unreadCount: summary.unreadCount,
    receipts: receipts.map(({ userId, deliveredSeq, readSeq }) => ({
      userId,
      deliveredSeq,
      readSeq,
    })),
    rev: conversation.rev,
    admins: [...conversation.adminIds],
    notifications: summary.notifications,
    avatar: conversation.avatar,
  };
}

/** The summary of a conversation that was just created: no messages, nothing read. */
export function freshSummary(conversation: ConversationRecord): ConversationSummary {
  return {
    conversation,
    lastMessage: null,
    watermarks: conversation.memberIds.map((userId) => ({ userId, deliveredSeq: 0, readSeq: 0 })),
    unreadCount: 0,
    notifications: 'all',
  };
}
