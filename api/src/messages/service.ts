import { randomUUID } from 'node:crypto';
import { LIMITS, type Message } from '@chat/protocol';
import type { Membership } from '../conversations/membership';
import { ApiError } from '../http/errors';
import type { ConversationsService } from '../conversations/service';
import type { Notifier } from '../realtime/notifier';
import type {
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
import { toMessage } from './views';

export interface MessagesServiceDeps {
  messages: MessageStore;
  /** Tells the other member of a direct conversation about it at its first message. */
  announcer?: Pick<ConversationsService, 'announceFirstMessage'>;
  membership: Membership;
  limiter: SendLimiter;
  notifier: Notifier;
  typing: TypingService;
  /** Usernames of members, for mentions. */
  users: Pick<UserStore, 'findByIds'>;
  /** Admins of a group, for deletions by someone other than the sender. */
  conversations: Pick<ConversationStore, 'findById'>;
  /** Edits, deletions and reactions; defaults to none (tests that do not care). */
  changeLimiter?: SendLimiter;
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
}

const noLimit: SendLimiter = { consume: () => Promise.resolve() };

/** The one path every message takes, whether it came over REST or a socket. */
export class MessagesService {
  constructor(private readonly deps: MessagesServiceDeps) {}

  /**
   * Input already validated by the contract schema. Resolves once the message is durable;
   * only then is anyone told. A repeated clientId resolves with the message stored the
   * first time (`created: false`) and tells nobody anything new.
   * @throws ApiError('rate_limited' | 'not_found')
   */
  async send(
    senderId: string,
    conversationId: string,
    input: SendInput,
    origin: SendOrigin = {},
  ): Promise<{ message: Message; created: boolean }> {
    const { membership, limiter, messages, notifier, typing } = this.deps;
    // Before the membership check, so a flood of sends to unknown ids is cut off early.
    await limiter.consume(senderId);
    const members = await membership.requireMember(conversationId, senderId);
    if (input.replyToSeq !== undefined) {
      // Messages are never removed (a deletion leaves a tombstone), so one that exists
      // now still exists when the store copies its excerpt.
      const quoted = await messages.get(conversationId, input.replyToSeq);
      if (!quoted) throw messageNotFound();
    }
    const stored = await messages.append({
      conversationId,
      senderId,
      clientId: input.clientId,
      body: input.body,
      mentions: await this.mentions(input.body, members),
      replyToSeq: input.replyToSeq,
    });
    const message = toMessage(stored.message);
    // No await between the append resolving and this emit: appends resolve in seq order,
    // so every socket receives a conversation's messages in seq order.
    if (stored.created) {
      notifier.toUsers(members, 'message:new', message, { exceptSocketId: origin.socketId });
      if (message.seq === 1) {
        // After message:new, so seq order per socket holds. Should this fail, the member
        // still gets the message, and a client that does not know its conversation lists
        // the conversations again (the catch-up), where it now appears.
        void this.deps.announcer?.announceFirstMessage(conversationId).catch(() => undefined);
      }
    }
    typing.clear(conversationId, senderId);
    return { message, created: stored.created };
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
    return records.map(toMessage);
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
    return this.told(members, outcome);
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
    return this.told(members, outcome);
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
    return this.told(members, outcome);
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
  private told(members: readonly string[], outcome: MessageChange): Message {
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
        return toMessage(outcome.message);
      case 'changed': {
        // No await between the store resolving and these emits, so a member receives one
        // message's updates in rev order.
        const message = toMessage(outcome.message);
        this.deps.notifier.toUsers(members, 'message:updated', message);
        for (const reply of outcome.affected) {
          this.deps.notifier.toUsers(members, 'message:updated', toMessage(reply));
        }
        return message;
      }
    }
  }
}

export function messageNotFound(): ApiError {
  return new ApiError('not_found', 'No such message.');
}

function forbidden(message: string): ApiError {
  return new ApiError('forbidden', message);
}
