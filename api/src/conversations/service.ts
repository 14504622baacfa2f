import {
  LIMITS,
  type Attachment,
  type Conversation,
  type ConversationListIdsResponse,
  type ConversationListQuery,
  type ConversationListResponse,
  type NotificationLevel,
  type User,
} from '@chat/protocol';
import { ApiError } from '../http/errors';
import type { Notifier } from '../realtime/notifier';
import type { ConversationRecord, ConversationSummary, Store, UserRecord } from '../store/types';
import type { CreationLimiter } from './creation-limiter';
import { conversationNotFound, type Membership } from './membership';
import { attachmentsByMessage, mayShowAttachments } from '../messages/views';
import { freshSummary, sharedViewText, toConversation, toConversationWithMemberIds } from './views';
import { toUser } from '../auth/service';
import { JsonText } from '../http/json-text';
import { JsonPieces, listEntry, type ConversationListViews, type ListEntry } from './list-views';

export interface ConversationsServiceDeps {
  store: Pick<Store, 'users' | 'conversations'> & { attachments?: Store['attachments'] };
  membership: Membership;
  notifier: Notifier;
  creationLimiter: CreationLimiter;
  /**
   * Views kept between requests of the list (`listText`); without them, or with a store
   * that cannot say which are still valid, every list is built anew.
   */
  listViews?: ConversationListViews;
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
    await this.deps.creationLimiter.consume(callerId);
    const other = await users.findById(userId);
    if (!other || other.deletedAt !== null) throw new ApiError('not_found', 'No such user.');
    if (await users.isBlocked(other.id, callerId)) {
      throw new ApiError('forbidden', 'This person does not accept messages from you.');
    }
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
    await this.deps.creationLimiter.consume(callerId);
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

  /**
   * One page of the caller's conversations, most recent activity first (ties by id), and
   * the cursor of the next page. Only the page's members are looked up and only its views
   * built: a user in thousands of large groups costs one page, not all of them (issue #14).
   * With `members: 'ids'` each member is an id and each member's user is given once.
   */
  async list(
    callerId: string,
    query: ConversationListQuery = {
      limit: LIMITS.conversationListLimitDefault,
      members: 'users',
    },
  ): Promise<ConversationListResponse | ConversationListIdsResponse> {
    const page = await this.listPage(callerId, query);
    if (query.members === 'ids') {
      return {
        conversations: page.summaries.map((summary) =>
          toConversationWithMemberIds(summary, callerId, page.users, lastFiles(summary, page)),
        ),
        users: [...page.users.values()].map(toUser),
        nextCursor: page.nextCursor,
      };
    }
    const userViews = new Map<string, User>();
    return {
      conversations: page.summaries.map((summary) =>
        toConversation(summary, callerId, page.users, lastFiles(summary, page), userViews),
      ),
      nextCursor: page.nextCursor,
    };
  }

  /**
   * The same answer as `list`, byte for byte, as JSON text put together from the views kept
   * in `listViews`: each conversation's shared view is made once per version the store
   * reports (any change of it moves the version), its per-member parts (receipts, unread
   * count, read position, notifications) come fresh from the store on every request, and
   * each member's user view is kept until the store's row for it reads otherwise. Null when
   * there are no kept views or the store cannot report versions (then `list` answers).
   */
  async listText(
    callerId: string,
    query: ConversationListQuery,
  ): Promise<JsonText<ConversationListResponse | ConversationListIdsResponse> | null> {
    const { conversations, users } = this.deps.store;
    const views = this.deps.listViews;
    if (!views || !conversations.listHeadsForMember || !users.viewRowsByIds) return null;
    // The views found valid are held here, so none can be evicted before they are used.
    const held = new Map<string, ListEntry>();
    const heads = await conversations.listHeadsForMember(callerId, (id, version) => {
      const entry = views.conversation(id, version);
      if (entry) held.set(id, entry);
      return entry !== undefined;
    });
    const made = heads.flatMap(({ summary, version }) => (summary ? [{ summary, version }] : []));
    const files = await this.lastMessagesFiles(made.map(({ summary }) => summary));
    for (const { summary, version } of made) {
      const entry = listEntry(
        version,
        keyOf(summary),
        summary.conversation.memberIds,
        sharedViewText(summary, lastFilesOf(summary, files)),
      );
      views.keep(entry);
      held.set(entry.id, entry);
    }
    const listed = heads.map((head) => {
      const entry = held.get(head.conversationId);
      if (!entry) throw new Error('a conversation of the list has neither a view nor a summary');
      return { head, entry };
    });
    listed.sort((a, b) => compareKeys(a.entry, b.entry));
    const after = query.cursor === undefined ? null : readCursor(query.cursor);
    const start = after === null ? 0 : listed.findIndex((s) => compareKeys(s.entry, after) > 0);
    const page = start < 0 ? [] : listed.slice(start, start + query.limit);
    const ids = new Set(page.flatMap(({ entry }) => entry.memberIds));
    // As for the conversations, the views found valid are held from the store's check on;
    // the answer's users come in the store's order.
    const heldUsers = new Map<string, Buffer>();
    const rows = await users.viewRowsByIds([...ids], (id, version) => {
      const view = views.userView(id, version);
      if (view) heldUsers.set(id, view);
      return view !== undefined;
    });
    const userViews = new Map<string, Buffer>();
    for (const [id, version, row] of rows) {
      const view = row === null ? heldUsers.get(id) : views.keepUserView(id, version, row);
      if (view === undefined) throw new Error('a member of the list has neither a view nor a row');
      userViews.set(id, view);
    }
    const byIds = query.members === 'ids';
    const out = new JsonPieces();
    out.push('{"conversations":[');
    page.forEach(({ head, entry: { memberIds, bytes } }, i) => {
      if (i > 0) out.push(',');
      if (byIds && memberIds.every((id) => userViews.has(id))) out.push(bytes.headWithIds);
      else {
        out.push(bytes.head);
        if (byIds) out.push(JSON.stringify(memberIds.filter((id) => userViews.has(id))));
        else {
          out.push('[');
          let first = true;
          for (const id of memberIds) {
            const view = userViews.get(id);
            if (view === undefined) continue;
            if (!first) out.push(',');
            out.push(view);
            first = false;
          }
          out.push(']');
        }
        out.push(bytes.middle);
      }
      out.push(`${head.readSeq},"unreadCount":${head.unreadCount},"receipts":${head.receiptsJson}`);
      out.push(bytes.tail);
      out.push(NOTIFICATIONS_JSON[head.notifications]);
      out.push(bytes.end);
    });
    out.push(']');
    if (byIds) {
      out.push(',"users":[');
      let first = true;
      for (const view of userViews.values()) {
        if (!first) out.push(',');
        out.push(view);
        first = false;
      }
      out.push(']');
    }
    const last = page.at(-1);
    const more = start >= 0 && start + query.limit < listed.length;
    out.push(`,"nextCursor":${JSON.stringify(more && last ? writeCursor(last.entry) : null)}}`);
    return new JsonText(out.toBuffer());
  }

  /** The page's summaries, its members' users, its last messages' files and the next cursor. */
  private async listPage(callerId: string, query: ConversationListQuery): Promise<ListPage> {
    const after = query.cursor === undefined ? null : readCursor(query.cursor);
    const summaries = (await this.deps.store.conversations.listForMember(callerId))
      .map((summary) => ({ summary, key: keyOf(summary) }))
      .sort((a, b) => compareKeys(a.key, b.key));
    const start = after === null ? 0 : summaries.findIndex((s) => compareKeys(s.key, after) > 0);
    const page = start < 0 ? [] : summaries.slice(start, start + query.limit);
    const ids = new Set(page.flatMap((s) => s.summary.conversation.memberIds));
    const users = usersById(await this.deps.store.users.findByIds([...ids]));
    const files = await this.lastMessagesFiles(page.map(({ summary }) => summary));
    const last = page.at(-1);
    const more = start >= 0 && start + query.limit < summaries.length;
    return {
      summaries: page.map(({ summary }) => summary),
      users,
      files,
      nextCursor: more && last ? writeCursor(last.key) : null,
    };
  }

  /**
   * The last messages' files, in one query, by message id: the list's previews say
   * "📷 Photo". Only of those that can have any, as a history page does
   * (withAttachments): most have none.
   */
  private async lastMessagesFiles(
    summaries: readonly ConversationSummary[],
  ): Promise<Map<string, Attachment[]>> {
    const lastIds = summaries.flatMap(({ lastMessage: last }) =>
      last && mayShowAttachments(last) ? [last.id] : [],
    );
    return attachmentsByMessage(lastIds, this.deps.store.attachments);
  }

  /** Stores the caller's level; every socket of theirs hears the conversation as it is now. */
  async setNotifications(
    callerId: string,
    conversationId: string,
    level: NotificationLevel,
  ): Promise<void> {
    const stored = await this.deps.store.conversations.setNotifications(
      conversationId,
      callerId,
      level,
    );
    if (!stored) throw conversationNotFound();
    const view = await this.get(callerId, conversationId);
    this.deps.notifier.toUsers([callerId], 'conversation:updated', view);
  }

  async get(callerId: string, conversationId: string): Promise<Conversation> {
    const summary = await this.deps.store.conversations.summaryFor(conversationId, callerId);
    if (!summary) throw conversationNotFound();
    return this.view(summary, callerId);
  }

  /**
   * Tells `recipients` and returns the creator's view. The
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
    // A new conversation looks the same to every member (nothing read, nothing unread),
    // so one view is built and sent once to all of them: a 256-member group used to build
    // 256 views of 256 members each (issue #14).
    const view = toConversation(freshSummary(conversation), creatorId, users);
    this.deps.notifier.toUsers(recipients, 'conversation:new', view);
    return view;
  }

  private async view(summary: ConversationSummary, viewerId: string): Promise<Conversation> {
    const users = usersById(await this.deps.store.users.findByIds(summary.conversation.memberIds));
    return toConversation(summary, viewerId, users);
  }
}

/** Each notification level as the view's JSON spells it. */
const NOTIFICATIONS_JSON: Record<NotificationLevel, Buffer> = {
  all: Buffer.from(JSON.stringify('all')),
  mentions: Buffer.from(JSON.stringify('mentions')),
  none: Buffer.from(JSON.stringify('none')),
};

function usersById(users: readonly UserRecord[]): Map<string, UserRecord> {
  return new Map(users.map((user) => [user.id, user]));
}

/** What one page of the list is built from. */
interface ListPage {
  summaries: ConversationSummary[];
  users: ReadonlyMap<string, UserRecord>;
  /** The last messages' attachments, by message id. */
  files: ReadonlyMap<string, Attachment[]>;
  nextCursor: string | null;
}

/** The attachments of a summary's last message, as the page read them. */
function lastFiles(summary: ConversationSummary, page: ListPage): Attachment[] | undefined {
  return lastFilesOf(summary, page.files);
}

function lastFilesOf(
  summary: ConversationSummary,
  files: ReadonlyMap<string, Attachment[]>,
): Attachment[] | undefined {
  return summary.lastMessage ? files.get(summary.lastMessage.id) : undefined;
}

/** Where a conversation sits in the list: its last activity, then its id. */
interface ListKey {
  at: number;
  id: string;
}

function keyOf(summary: ConversationSummary): ListKey {
  const at = summary.lastMessage?.createdAt ?? summary.conversation.createdAt;
  return { at: at.getTime(), id: summary.conversation.id };
}

/** Negative when `a` comes first: later activity first, then the greater id. */
function compareKeys(a: ListKey, b: ListKey): number {
  if (a.at !== b.at) return b.at - a.at;
  if (a.id === b.id) return 0;
  return a.id < b.id ? 1 : -1;
}

function writeCursor(key: ListKey): string {
  return Buffer.from(JSON.stringify([key.at, key.id])).toString('base64url');
}

function readCursor(cursor: string): ListKey {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      Number.isSafeInteger(value[0]) &&
      typeof value[1] === 'string'
    ) {
      return { at: value[0] as number, id: value[1] };
    }
  } catch {
    // Falls through to the contract's 400.
  }
  throw new ApiError('invalid_request', 'The request is not valid.', [
    { path: 'cursor', message: 'must be a nextCursor of an earlier page' },
  ]);
}
