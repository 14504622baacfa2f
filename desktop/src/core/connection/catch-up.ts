import { LIMITS, type Conversation } from '@chat/protocol';
import type { ApiClient } from '../api-client';
import { backoffDelay, type Clock } from '../clock';
import { ClientError } from '../errors';
import type { ChatState } from '../state';
import type { Link } from './link';
import type { Receipts } from './receipts';

const HISTORY_PAGE = LIMITS.historyLimitMax;
const FIRST_PAGE = LIMITS.historyLimitDefault;

export interface CatchUpDeps {
  state: ChatState;
  api: ApiClient;
  clock: Clock;
  receipts: Receipts;
  /** Conversations were (re)loaded: unsent messages can be shown in them. */
  onConversationsLoaded(): void;
}

/**
 * Catch-up, after every connect and on demand: list conversations, compare each
 * `lastMessage.seq` with the synced watermark, page `?after=` until caught up. Merging is
 * by (sender, clientId) and seq, so overlaps with live `message:new` events are harmless.
 */
export class CatchUp {
  private current: Promise<void> | null = null;
  /** Bumped by requests that arrive while a catch-up runs; each such burst earns one more run. */
  private requests = 0;
  private retryTimer: unknown = null;
  private failures = 0;

  constructor(
    private readonly link: Link,
    private readonly deps: CatchUpDeps,
  ) {}

  /** Single flight; a request while one runs schedules exactly one more run after it. */
  run(): Promise<void> {
    if (this.current) {
      this.requests++;
      return this.current;
    }
    const run = (async () => {
      try {
        let served: number;
        do {
          served = this.requests;
          await this.runOnce();
        } while (this.requests !== served);
      } finally {
        this.current = null;
      }
    })();
    this.current = run;
    return run;
  }

  /** Fire and forget: a failure is retried (or the next connect catches up anyway). */
  request(): void {
    void this.run().catch(() => undefined);
  }

  /** Brings one conversation up to date (new to this client, or it moved). */
  async syncConversation(conversation: Conversation): Promise<void> {
    const { state, api } = this.deps;
    const id = conversation.id;
    const last = conversation.lastMessage?.seq ?? 0;
    let synced = state.syncedSeq(id);
    const firstFollow = synced === null;
    if (synced === null) {
      // Newly followed: the latest page only; older history loads on demand, so what lies
      // before the page counts as caught up.
      const page = last > 0 ? await api.history(id, { limit: FIRST_PAGE }) : [];
      state.accept(page, { conversationId: id, through: Math.max(last, page.at(-1)?.seq ?? 0) });
    } else {
      while (synced < last) {
        const page = await api.history(id, { after: synced, limit: HISTORY_PAGE });
        const top = page.at(-1)?.seq;
        if (top === undefined) break;
        state.accept(page, { conversationId: id, through: top });
        synced = state.syncedSeq(id) ?? top;
        if (page.length < HISTORY_PAGE) break;
      }
    }
    await this.syncChanges(conversation, firstFollow);
    this.deps.receipts.scheduleDelivered(id, 0);
  }

  /**
   * (version 2) Edits, deletions and reactions made while this client was away: when the
   * conversation's `rev` is above the one caught up to, page `?changedAfter=` until done.
   * A conversation followed just now came with current copies: its `rev` is the start.
   */
  private async syncChanges(conversation: Conversation, firstFollow: boolean): Promise<void> {
    const { state, api } = this.deps;
    const id = conversation.id;
    let rev = state.syncedRev(id);
    if (rev === null && firstFollow) {
      state.raiseSyncedRev(id, conversation.rev);
      return;
    }
    rev ??= 0;
    while (rev < conversation.rev) {
      const page = await api.history(id, { changedAfter: rev, limit: HISTORY_PAGE });
      state.applyChanges(page);
      const top = page.at(-1)?.rev;
      if (top === undefined) break;
      rev = top;
      state.raiseSyncedRev(id, rev);
      if (page.length < HISTORY_PAGE) break;
    }
    if (rev < conversation.rev) state.raiseSyncedRev(id, conversation.rev);
  }

  stop(): void {
    if (this.retryTimer !== null) this.deps.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /**
   * A conversation held here but not listed any more: removed or left while this client
   * was away (its `conversation:removed` was missed). The list is read in pages, so one that
   * moved to the front meanwhile may be missing from it too: each is asked for, and only a
   * `404` drops it.
   */
  private async dropConversationsLeftMeanwhile(listed: readonly Conversation[]): Promise<void> {
    const { state, api } = this.deps;
    const ids = new Set(listed.map((c) => c.id));
    for (const id of state.conversationIds()) {
      if (ids.has(id)) continue;
      try {
        state.upsertConversation(await api.getConversation(id));
      } catch (err) {
        if (!(err instanceof ClientError && err.code === 'not_found')) throw err;
        state.removeConversation(id);
      }
    }
  }

  private async runOnce(): Promise<void> {
    const { state, api } = this.deps;
    if (this.link.connected()) state.setConnectionStatus('catching-up');
    try {
      const conversations = await api.listConversations();
      for (const conversation of conversations) state.upsertConversation(conversation);
      await this.dropConversationsLeftMeanwhile(conversations);
      this.deps.onConversationsLoaded();
      for (const conversation of conversations) await this.syncConversation(conversation);
      await this.deps.receipts.sendUnsentReads();
      this.failures = 0;
      if (this.link.connected()) state.setConnectionStatus('online');
    } catch (err) {
      if (err instanceof ClientError && err.code === 'not_signed_in') return;
      // Connected but REST failed (server busy, partial outage): try again with backoff;
      // if the socket dropped, the next connect catches up anyway.
      if (this.link.connected() && this.link.running()) {
        const delay = backoffDelay(this.failures++, 1_000, 30_000);
        this.retryTimer = this.deps.clock.setTimeout(() => {
          this.retryTimer = null;
          this.request();
        }, delay);
      }
      throw err;
    }
  }
}
