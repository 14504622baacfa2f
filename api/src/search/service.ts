import { LIMITS, type SearchResponse } from '@chat/protocol';
import type { Membership } from '../conversations/membership';
import { ApiError } from '../http/errors';
import { withAttachments } from '../messages/views';
import { searchTerms } from '../store/search-terms';
import type { AttachmentStore, MessageStore } from '../store/types';
import { decodeCursor, encodeCursor } from './cursor';
import { snippetOf } from './snippet';

export interface SearchDeps {
  messages: Pick<MessageStore, 'search'>;
  membership: Pick<Membership, 'requireMember'>;
  attachments?: Pick<AttachmentStore, 'listForMessages'> | undefined;
}

export interface SearchRequest {
  q: string;
  conversationId?: string | undefined;
  limit: number;
  before?: string | undefined;
}

/** `GET /api/search`: the caller's messages that match a plain-text query. */
export class SearchService {
  constructor(private readonly deps: SearchDeps) {}

  /**
   * @throws ApiError('invalid_request') for too many words or a cursor this API did not
   * give; ApiError('not_found') for a conversation the caller is not in.
   */
  async search(callerId: string, request: SearchRequest): Promise<SearchResponse> {
    // The user's text is never handed to a query language: it becomes folded words,
    // which the stores match as literal prefixes.
    const terms = searchTerms(request.q);
    if (terms.length > LIMITS.searchTermsMax) {
      throw new ApiError('invalid_request', `Search for at most ${LIMITS.searchTermsMax} words.`, [
        { path: 'q', message: `must have at most ${LIMITS.searchTermsMax} words` },
      ]);
    }
    const beforeId = request.before === undefined ? undefined : decodeCursor(request.before);
    if (request.conversationId !== undefined) {
      await this.deps.membership.requireMember(request.conversationId, callerId);
    }
    // Only punctuation, symbols or spaces: nothing can match.
    if (terms.length === 0) return { results: [], next: null };

    // One more than asked tells whether there is a next page.
    const found = await this.deps.messages.search({
      userId: callerId,
      terms,
      conversationId: request.conversationId,
      limit: request.limit + 1,
      beforeId,
    });
    const page = found.slice(0, request.limit);
    const messages = await withAttachments(page, this.deps.attachments);
    const last = page.at(-1);
    return {
      results: messages.map((message, i) => ({
        message,
        conversationId: message.conversationId,
        snippet: snippetOf(page[i]?.body ?? message.body, terms),
      })),
      next: found.length > request.limit && last ? encodeCursor(last.id) : null,
    };
  }
}
