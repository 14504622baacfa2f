import type { Message } from '@chat/protocol';
import type { Membership } from '../conversations/membership';
import type { ConversationsService } from '../conversations/service';
import type { Notifier } from '../realtime/notifier';
import type { HistoryRange, MessageStore } from '../store/types';
import type { SendLimiter } from './send-limiter';
import type { TypingService } from './typing';
import { toMessage } from './views';

export interface MessagesServiceDeps {
  messages: MessageStore;
  /** Tells the other member of a direct conversation about it at its first message. */
  conversations?: Pick<ConversationsService, 'announceFirstMessage'>;
  membership: Membership;
  limiter: SendLimiter;
  notifier: Notifier;
  typing: TypingService;
}

/** Where a send came from; a socket is not sent its own message back. */
export interface SendOrigin {
  socketId?: string | undefined;
}

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
    input: { clientId: string; body: string },
    origin: SendOrigin = {},
  ): Promise<{ message: Message; created: boolean }> {
    const { membership, limiter, messages, notifier, typing } = this.deps;
    // Before the membership check, so a flood of sends to unknown ids is cut off early.
    await limiter.consume(senderId);
    const members = await membership.requireMember(conversationId, senderId);
    const stored = await messages.append({
      conversationId,
      senderId,
      clientId: input.clientId,
      body: input.body,
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
        void this.deps.conversations?.announceFirstMessage(conversationId).catch(() => undefined);
      }
    }
    typing.clear(conversationId, senderId);
    return { message, created: stored.created };
  }

  /** Ascending seq. @throws ApiError('not_found') for a conversation the caller is not in. */
  async history(callerId: string, conversationId: string, range: HistoryRange) {
    await this.deps.membership.requireMember(conversationId, callerId);
    const records = await this.deps.messages.list(conversationId, range);
    return records.map(toMessage);
  }
}
