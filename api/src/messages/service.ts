import { randomUUID } from 'node:crypto';
import { LIMITS, UPLOAD_LIMITS, type Message } from '@chat/protocol';
import type { Membership } from '../conversations/membership';
import { ApiError } from '../http/errors';
import type { ConversationsService } from '../conversations/service';
import type { Notifier } from '../realtime/notifier';
import type {
  AttachmentRecord,
  AttachmentStore,
  ConversationStore,
  HistoryRange,
  MessageChange,
  MessageRecord,
  MessageStore,
  SystemEventRecord,
  UserStore,
} from '../store/types';
import { mentionsIn } from './mentions';
import type { SendLimiter } from './send-limiter';
import type { TypingService } from './typing';
import { toAttachment, type UploadService } from '../uploads/service';
import { PageViews } from './page-views';
import { toMessage, withAttachments } from './views';

export interface MessagesServiceDeps {
  messages: MessageStore;
  /** Tells the other member of a direct conversation about it at its first message. */
  announcer?: Pick<ConversationsService, 'announceFirstMessage'>;
  membership: Membership;
  limiter: SendLimiter;
  notifier: Notifier;
  typing: TypingService;
  /** Usernames of members, for mentions. */
  users: Pick<UserStore, 'findByIds' | 'isBlocked'>;
  /** Admins of a group, for deletions by someone other than the sender. */
  conversations: Pick<ConversationStore, 'findById'>;
  /** Edits, deletions and reactions; defaults to none (tests that do not care). */
  changeLimiter?: SendLimiter;
  /** Attachments of messages (issue #15); without it a send with attachmentIds is 400. */
  attachments?: Pick<AttachmentStore, 'findById' | 'attach' | 'listForMessages'>;
  /** Erases a deleted message's attachments and their bytes. */
  uploads?: Pick<UploadService, 'eraseForMessage'>;
  logger?: { warn(details: object, message: string): void };
  /** Web Push (issue #19): told of each new message after it was emitted; returns at once. */
  pushes?: { messageSent(message: Message, members: readonly string[]): void };
  /**
   * Bytes of message views kept as JSON for history pages (see PageViews); `false` keeps
   * none and builds every page from records. Default PAGE_VIEWS_BYTES.
   */
  pageViews?: number | false;
}

/** Where a send came from; a socket is not sent its own message back. */
export interface SendOrigin {
  socketId?: string | undefined;
}

export interface SendInput {
  clientId: string;
  body: string;
  /** (version 2) A message of the same conversation, else not_found. */
  replyToSeq?: number | undefined;
  /** (version 2) Loose uploads of the sender's, else invalid_request. */
  attachmentIds?: readonly string[] | undefined;
}

const noLimit: SendLimiter = { consume: () => Promise.resolve() };

/** How many announced message ids a service remembers (a few hundred KiB at most). */
const ANNOUNCED_REMEMBERED = 10_000;

/** A set of the `capacity` most recently added ids; adding one it holds changes nothing. */
export class RecentIds {
  private readonly ids = new Set<string>();
  /**
   * The same ids as a ring, oldest at `next` once full. Asking the Set for its oldest
   * entry instead cost ~5 µs per add at 10,000 ids: V8 walks over every deleted slot at
   * the front of the table, and evicting one id per add keeps thousands of them there.
   */
  private readonly order: string[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    if (this.ids.has(id)) return;
    const oldest = this.order[this.next];
    if (oldest !== undefined) this.ids.delete(oldest);
    this.order[this.next] = id;
    this.next = (this.next + 1) % this.capacity;
    this.ids.add(id);
  }
}

/** The one path every message takes, whether it came over REST or a socket. */
export class MessagesService {
  /**
   * Per conversation, the last emit still waiting for its turn. A message's view may need
   * a lookup (its attachments) after the store resolved; emits still go out in the order
   * the store resolved, so every socket receives a conversation's changes in seq and rev
   * order.
   */
  private readonly emitTurns = new Map<string, Promise<unknown>>();

  /**
   * Ids of messages this process has announced, newest last, so the usual retry (a lost
   * ack, answered by the same instance) is not told twice. Bounded: forgetting one only
   * costs a duplicate that receivers drop.
   */
  private readonly announced = new RecentIds(ANNOUNCED_REMEMBERED);

  /** History pages' message views, kept as JSON while their revs hold. */
  private readonly pageViews: PageViews;

  constructor(private readonly deps: MessagesServiceDeps) {
    const { messages, attachments, pageViews } = deps;
    this.pageViews =
      pageViews === false
        ? new PageViews({ list: (id, range) => messages.list(id, range) }, attachments)
        : new PageViews(messages, attachments, pageViews);
  }

  /**
   * Input already validated by the contract schema. Resolves once the message is durable;
   * only then is anyone told. A repeated clientId resolves with the message stored the
   * first time (`created: false`) and announces it unless this process already did: the
   * first attempt may have been stored without anyone being told (the store failed after
   * the write, its reply was lost, the process died before the emit, or the first attempt
   * went to another instance). Receivers de-duplicate by seq and clientId, so telling
   * twice is harmless, while telling never would hide the message until a catch-up.
   * @throws ApiError('rate_limited' | 'not_found')
   */
  async send(
    senderId: string,
    conversationId: string,
    input: SendInput,
    origin: SendOrigin = {},
  ): Promise<{ message: Message; created: boolean }> {
    const { membership, limiter, messages, typing } = this.deps;
    // Before the membership check, so a flood of sends to unknown ids is cut off early.
    await limiter.consume(senderId);
    const members = await membership.requireMember(conversationId, senderId);
    await this.refuseIfBlocked(conversationId, senderId, members);
    if (input.replyToSeq !== undefined) {
      // Messages are never removed (a deletion leaves a tombstone), so one that exists
      // now still exists when the store copies its excerpt.
      const quoted = await messages.get(conversationId, input.replyToSeq);
      if (!quoted) throw messageNotFound();
    }
    const attachmentIds = input.attachmentIds ?? [];
    if (attachmentIds.length > 0) {
      // A retried send: its uploads are attached by now, so answer as append would.
      const first = await messages.findByClientId(conversationId, senderId, input.clientId);
      if (first) {
        const message = await this.inOrder(conversationId, this.view(first), (sent) => {
          this.tell(conversationId, members, sent, origin, false);
        });
        typing.clear(conversationId, senderId);
        return { message, created: false };
      }
    }
    // Checked before the append so a bad id stores nothing; `attach` checks again, all or
    // nothing, against a race with another send or the sweeper.
    const uploads = await this.looseUploads(senderId, attachmentIds);
    const stored = await messages.append({
      conversationId,
      senderId,
      clientId: input.clientId,
      body: input.body,
      mentions: await this.mentions(input.body, members),
      replyToSeq: input.replyToSeq,
    });
    // No await between the append resolving and taking a turn: appends resolve in seq
    // order, so every socket receives a conversation's messages in seq order.
    // A new message holds only the uploads given to it here, so most need no lookup; a
    // repeat may hold those of its first attempt.
    const view = !stored.created
      ? this.view(stored.message)
      : uploads.length > 0
        ? this.attachTo(stored.message, senderId, uploads)
        : Promise.resolve(toMessage(stored.message));
    // A repeat (`created: false`) is told again as well: see above.
    const message = await this.inOrder(conversationId, view, (sent) => {
      this.tell(conversationId, members, sent, origin, stored.created);
    });
    typing.clear(conversationId, senderId);
    return { message, created: stored.created };
  }

  /**
   * message:new to every member's sockets but the sending one; the first message opens a
   * direct. A repeat is skipped only when this process is known to have told it already.
   */
  private tell(
    conversationId: string,
    members: readonly string[],
    sent: Message,
    origin: SendOrigin,
    created: boolean,
  ): void {
    if (!created && this.announced.has(sent.id)) return;
    this.announced.add(sent.id);
    this.deps.notifier.toUsers(members, 'message:new', sent, { exceptSocketId: origin.socketId });
    // Only on the instance that told it: one push per message in the deployment.
    this.deps.pushes?.messageSent(sent, members);
    if (sent.seq === 1) {
      // After message:new, so seq order per socket holds. Should this fail, the member
      // still gets the message, and a client that does not know its conversation lists
      // the conversations again (the catch-up), where it now appears.
      void this.deps.announcer?.announceFirstMessage(conversationId).catch(() => undefined);
    }
  }

  /** The records of `ids`, each an upload of the sender's not yet attached, else 400. */
  /**
   * Blocking: into a direct conversation whose other member blocks the sender, nothing is
   * stored and nothing sent (403). A group of two is no direct conversation: only when
   * the block exists is the conversation's type read.
   */
  private async refuseIfBlocked(
    conversationId: string,
    senderId: string,
    members: readonly string[],
  ): Promise<void> {
    if (members.length !== 2) return;
    const other = members.find((id) => id !== senderId);
    if (other === undefined || !(await this.deps.users.isBlocked(other, senderId))) return;
    const conversation = await this.deps.conversations.findById(conversationId);
    if (conversation?.type === 'direct') {
      throw new ApiError('forbidden', 'This person does not accept messages from you.');
    }
  }

  private async looseUploads(
    senderId: string,
    ids: readonly string[],
  ): Promise<AttachmentRecord[]> {
    if (ids.length === 0) return [];
    const store = this.deps.attachments;
    const records = store ? await Promise.all(ids.map((id) => store.findById(id))) : [];
    const usable = records.filter(
      (r): r is AttachmentRecord => r !== null && r.uploaderId === senderId && r.use === null,
    );
    if (usable.length !== ids.length) throw notAttachable();
    return usable;
  }

  /**
   * Gives the uploads to the new message, which nobody has been told of yet. Should that
   * fail (the same upload raced into another send, or was swept meanwhile), the message is
   * deleted before anyone sees it and the send is refused: no message ever shows a file
   * it does not hold.
   */
  private async attachTo(
    record: MessageRecord,
    senderId: string,
    uploads: readonly AttachmentRecord[],
  ): Promise<Message> {
    const attached = await this.deps.attachments?.attach(
      uploads.map((u) => u.id),
      senderId,
      { kind: 'message', conversationId: record.conversationId, messageId: record.id },
    );
    if (attached !== true) {
      await this.deps.messages.remove(record.conversationId, record.seq);
      throw notAttachable();
    }
    return toMessage(
      record,
      uploads.map((u) => toAttachment(u)),
    );
  }

  /** One stored message as sent, with its attachments. */
  private async view(record: MessageRecord): Promise<Message> {
    const [message] = await withAttachments([record], this.deps.attachments);
    return message ?? toMessage(record);
  }

  /**
   * Waits for `work`, then for every emit of the conversation queued before it, then runs
   * `emit`; resolves (or rejects) with what `work` did. Call it with no await since the
   * store resolved.
   */
  private inOrder<T>(conversationId: string, work: Promise<T>, emit: (value: T) => void) {
    const before = this.emitTurns.get(conversationId) ?? Promise.resolve();
    const turn = before.then(async () => {
      const value = await work;
      emit(value);
      return value;
    });
    const settled = turn.catch(() => undefined);
    this.emitTurns.set(conversationId, settled);
    void settled.then(() => {
      if (this.emitTurns.get(conversationId) === settled) this.emitTurns.delete(conversationId);
    });
    return turn;
  }

  /**
   * Writes a system message (kind `system`, empty body) recording what `system.actorId`
   * did, and tells every member with `message:new`. For the group features (members
   * added, removed, leaving; title and admin changes); the caller has checked the actor
   * may do it. Resolves once it is durable.
   */
  async announce(conversationId: string, system: SystemEventRecord): Promise<Message> {
    const { membership, messages, notifier } = this.deps;
    const members = await membership.membersOf(conversationId);
    if (!members) throw messageNotFound();
    const stored = await messages.append({
      conversationId,
      senderId: system.actorId,
      clientId: `system-${randomUUID()}`,
      body: '',
      system,
    });
    const message = toMessage(stored.message);
    notifier.toUsers(members, 'message:new', message);
    return message;
  }

  /**
   * Ascending seq (ascending rev for `changedAfter`).
   * @throws ApiError('not_found') for a conversation the caller is not in, and for
   * `around` a seq with no message.
   */
  async history(callerId: string, conversationId: string, range: HistoryRange) {
    await this.deps.membership.requireMember(conversationId, callerId);
    const records = await this.deps.messages.list(conversationId, range);
    if (range.around !== undefined && !records.some((m) => m.seq === range.around)) {
      throw messageNotFound();
    }
    return withAttachments(records, this.deps.attachments);
  }

  /**
   * `history` as the JSON of its REST answer, `{"messages":[…]}`, byte for byte what
   * stringifying `{ messages: await history(…) }` gives, from views kept while their
   * messages' revs hold (PageViews).
   * @throws ApiError('not_found') as `history`.
   */
  async historyJson(callerId: string, conversationId: string, range: HistoryRange) {
    await this.deps.membership.requireMember(conversationId, callerId);
    const page = await this.pageViews.page(conversationId, range);
    if (range.around !== undefined && !page.seqs.includes(range.around)) {
      throw messageNotFound();
    }
    return page.json;
  }

  /**
   * Replaces the body of the caller's own text message and recomputes its mentions.
   * @throws ApiError('rate_limited' | 'not_found' | 'forbidden') forbidden for someone
   * else's message, a system message and a deleted one.
   */
  async edit(callerId: string, conversationId: string, seq: number, body: string) {
    const members = await this.authorize(callerId, conversationId);
    const current = await this.requireMessage(conversationId, seq);
    if (current.senderId !== callerId) throw forbidden('Only the sender may edit a message.');
    if (current.kind === 'system') throw forbidden('A system message cannot be edited.');
    const mentions = await this.mentions(body, members);
    const outcome = await this.deps.messages.edit(conversationId, seq, { body, mentions });
    return this.told(conversationId, members, outcome);
  }

  /**
   * Deletes a message for everyone: the sender may, and so may an admin of the group.
   * Deleting a deleted message changes nothing and succeeds.
   * @throws ApiError('rate_limited' | 'not_found' | 'forbidden')
   */
  async remove(callerId: string, conversationId: string, seq: number) {
    const members = await this.authorize(callerId, conversationId);
    const current = await this.requireMessage(conversationId, seq);
    if (current.senderId !== callerId && !(await this.isGroupAdmin(conversationId, callerId))) {
      throw forbidden('Only the sender or a group admin may delete a message.');
    }
    const outcome = await this.deps.messages.remove(conversationId, seq);
    const message = await this.told(conversationId, members, outcome);
    // After the tombstone is stored and sent (it shows no attachments): the records and
    // their bytes. A repeated delete tries again what a failed one left.
    if (current.kind === 'text') {
      await this.deps.uploads?.eraseForMessage(current.id).catch((err: unknown) => {
        this.deps.logger?.warn({ err, messageId: current.id }, 'erasing attachments failed');
      });
    }
    return message;
  }

  /**
   * Adds (`on`) or takes back the caller's reaction; both idempotent. `emoji` is already
   * validated as one emoji by the contract schema.
   * @throws ApiError('rate_limited' | 'not_found' | 'forbidden' | 'invalid_request')
   * forbidden for adding to a deleted message, invalid_request for a 21st emoji.
   */
  async react(callerId: string, conversationId: string, seq: number, emoji: string, on: boolean) {
    const members = await this.authorize(callerId, conversationId);
    const outcome = await this.deps.messages.react(conversationId, seq, {
      userId: callerId,
      emoji,
      on,
    });
    return this.told(conversationId, members, outcome);
  }

  /** Rate limit first (floods of any kind stop early), then membership (404 otherwise). */
  private async authorize(callerId: string, conversationId: string) {
    await (this.deps.changeLimiter ?? noLimit).consume(callerId);
    return this.deps.membership.requireMember(conversationId, callerId);
  }

  private async requireMessage(conversationId: string, seq: number): Promise<MessageRecord> {
    const message = await this.deps.messages.get(conversationId, seq);
    if (!message) throw messageNotFound();
    return message;
  }

  private async isGroupAdmin(conversationId: string, userId: string): Promise<boolean> {
    const conversation = await this.deps.conversations.findById(conversationId);
    return conversation?.type === 'group' && conversation.adminIds.includes(userId);
  }

  private async mentions(body: string, members: readonly string[]): Promise<string[]> {
    // Most messages name nobody: no lookup for them.
    if (!body.includes('@')) return [];
    return mentionsIn(body, await this.deps.users.findByIds(members));
  }

  /**
   * Turns a store outcome into the answer, telling every socket of every member (the
   * actor's other devices included) only once the change is durable, and only if there
   * was one: a repeated request tells nobody anything new.
   */
  private told(
    conversationId: string,
    members: readonly string[],
    outcome: MessageChange,
  ): Promise<Message> {
    switch (outcome.status) {
      case 'missing':
        throw messageNotFound();
      case 'deleted':
        throw forbidden('The message was deleted.');
      case 'too_many_reactions':
        throw new ApiError(
          'invalid_request',
          `A message takes at most ${LIMITS.reactionsPerMessageMax} different emoji.`,
          [{ path: 'emoji', message: 'too many different emoji on this message' }],
        );
      case 'unchanged':
        return this.view(outcome.message);
      case 'changed': {
        // Taken with no await since the store resolved, so a member receives one
        // message's updates in rev order.
        const views = withAttachments(
          [outcome.message, ...outcome.affected],
          this.deps.attachments,
        );
        return this.inOrder(conversationId, views, (updated) => {
          for (const message of updated) {
            this.deps.notifier.toUsers(members, 'message:updated', message);
          }
        }).then((updated) => updated[0] ?? toMessage(outcome.message));
      }
    }
  }
}

export function messageNotFound(): ApiError {
  return new ApiError('not_found', 'No such message.');
}

function notAttachable(): ApiError {
  return new ApiError(
    'invalid_request',
    `attachmentIds must name at most ${UPLOAD_LIMITS.attachmentsPerMessageMax} of your own uploads not yet sent.`,
    [{ path: 'attachmentIds', message: 'not an upload of yours that is still unsent' }],
  );
}

function forbidden(message: string): ApiError {
  return new ApiError('forbidden', message);
}
