import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChatBridge, HistoryPage, LocalMessage, Result } from '../../shared/bridge';
import { createChatStore, setAppStore, type ChatStore } from '../store/store';
import { locateFirstUnread, type ReadPosition } from './grouping';
import { loadLatest, loadOlder, loadOlderUntil, loadWindowPage, openAround } from './history';

function stored(conversationId: string, seq: number): LocalMessage {
  return {
    key: `bob:c${seq}`,
    conversationId,
    clientId: `c${seq}`,
    senderId: 'bob',
    body: `message ${seq}`,
    createdAt: new Date(Date.UTC(2026, 10, 26, 10, 0, seq)).toISOString(),
    id: `m${seq}`,
    seq,
    outboxOrder: null,
    mine: false,
    state: 'sent',
    error: null,
    kind: 'text',
    editedAt: null,
    deletedAt: null,
    replyTo: null,
    reactions: [],
    mentions: [],
  };
}

type LoadHistory = ChatBridge['loadHistory'];
type Answer = Result<HistoryPage>;

/**
 * A conversation of `total` messages from Bob, answered as the client core answers:
 * the `limit` newest before `beforeSeq`. `fail` and `hold` change the next answers.
 */
class FakeHistory {
  readonly requests: (number | undefined)[] = [];
  private failures: string[] = [];
  private held: ((answer: () => Answer) => void)[] = [];
  private holding = 0;

  constructor(
    readonly conversationId: string,
    private readonly total: number,
  ) {}

  /** The next `times` requests fail with `message`. */
  fail(message: string, times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push(message);
  }

  /** The next request waits until `release()`. */
  hold(): void {
    this.holding++;
  }

  release(): void {
    const next = this.held.shift();
    next?.((): Answer => this.answerNow());
  }

  private pendingArgs: Parameters<LoadHistory>[0][] = [];

  readonly loadHistory: LoadHistory = (args) => {
    this.requests.push(args.beforeSeq);
    this.pendingArgs.push(args);
    if (this.holding > 0) {
      this.holding--;
      return new Promise((resolve) => this.held.push((answer) => resolve(answer())));
    }
    return Promise.resolve(this.answerNow());
  };

  private answerNow(): Answer {
    const args = this.pendingArgs.shift();
    const failure = this.failures.shift();
    if (args === undefined) throw new Error('no request to answer');
    if (failure !== undefined) return { ok: false, error: { code: 'internal', message: failure } };
    const before = args.beforeSeq ?? this.total + 1;
    const limit = args.limit ?? 50;
    const from = Math.max(1, before - limit);
    const messages = [];
    for (let seq = from; seq < before; seq++) messages.push(stored(this.conversationId, seq));
    return { ok: true, value: { messages, hasMore: from > 1 } };
  }
}

let store: ChatStore;
let ids = 0;

beforeEach(() => {
  store = createChatStore();
  setAppStore(store);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

/** A conversation whose latest page (for `unreadCount` unread) is already loaded. */
async function openConversation(total: number, unreadCount: number): Promise<FakeHistory> {
  const history = new FakeHistory(`c${++ids}`, total);
  vi.stubGlobal('window', { chat: { loadHistory: history.loadHistory } });
  await loadLatest(history.conversationId, unreadCount);
  return history;
}

function list(history: FakeHistory) {
  const held = store.getState().messages[history.conversationId];
  if (held === undefined) throw new Error('no list');
  return held;
}

const seqs = (history: FakeHistory) => list(history).items.map((m) => m.seq);

function firstUnreadHeld(position: ReadPosition) {
  return (l: { items: LocalMessage[]; hasMore: boolean }) =>
    locateFirstUnread(l.items, l.hasMore, position).where !== 'older';
}

describe('retrying older history', () => {
  it('a failed older page can be asked for again, and the retry loads that same page', async () => {
    const history = await openConversation(120, 0);
    expect(list(history).items).toHaveLength(50);

    history.fail('The server answered 503.');
    await loadOlder(history.conversationId);
    expect(list(history)).toMatchObject({ loading: false, error: 'The server answered 503.' });

    history.hold();
    const retry = loadOlder(history.conversationId);
    // While it runs, the header says it is loading, not the old error.
    expect(list(history)).toMatchObject({ loading: true, error: null });
    history.release();
    await retry;

    expect(history.requests).toEqual([undefined, 71, 71]);
    expect(list(history).error).toBeNull();
    expect(seqs(history)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
  });

  it('a retry that fails again shows the new error', async () => {
    const history = await openConversation(120, 0);
    history.fail('first', 2);
    await loadOlder(history.conversationId);
    await loadOlder(history.conversationId);
    expect(list(history)).toMatchObject({ loading: false, error: 'first' });
    history.fail('second');
    await loadOlder(history.conversationId);
    expect(list(history).error).toBe('second');
  });

  it('reaching the top while a retry is loading waits for that request, not a second one', async () => {
    const history = await openConversation(120, 0);
    history.hold();
    const retry = loadOlder(history.conversationId);
    let scrolledDone = false;
    const scrolled = loadOlder(history.conversationId).then(() => {
      scrolledDone = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(scrolledDone).toBe(false);
    history.release();
    await scrolled;
    // The waiting caller sees what the request it joined loaded.
    expect(list(history).items).toHaveLength(120);
    await retry;
    expect(history.requests).toEqual([undefined, 71]);
  });
});

describe('loading back to the first unread message', () => {
  it('loads older pages until the message after the watermark is held, and no further', async () => {
    const history = await openConversation(460, 360);
    expect(seqs(history)[0]).toBe(261);
    const position: ReadPosition = { lastReadSeq: 100, unreadCount: 360, latestSeq: 460 };
    expect(locateFirstUnread(list(history).items, true, position).where).toBe('older');

    const result = await loadOlderUntil(history.conversationId, firstUnreadHeld(position));

    expect(result).toEqual({ outcome: 'reached' });
    expect(history.requests).toEqual([undefined, 261, 161]);
    expect(locateFirstUnread(list(history).items, list(history).hasMore, position)).toEqual({
      where: 'loaded',
      key: 'bob:c101',
    });
  });

  it('stops at the beginning of the history', async () => {
    const history = await openConversation(260, 260);
    const position: ReadPosition = { lastReadSeq: 0, unreadCount: 260, latestSeq: 260 };
    const result = await loadOlderUntil(history.conversationId, firstUnreadHeld(position));
    expect(result).toEqual({ outcome: 'reached' });
    expect(list(history).hasMore).toBe(false);
    expect(seqs(history)[0]).toBe(1);
  });

  it('stops after the page limit, and going on continues from there', async () => {
    const history = await openConversation(1000, 1000);
    const position: ReadPosition = { lastReadSeq: 0, unreadCount: 1000, latestSeq: 1000 };
    const reached = firstUnreadHeld(position);

    const first = await loadOlderUntil(history.conversationId, reached, { pageLimit: 3 });
    expect(first).toEqual({ outcome: 'page-limit' });
    expect(history.requests).toEqual([undefined, 801, 701, 601]);

    const second = await loadOlderUntil(history.conversationId, reached, { pageLimit: 10 });
    expect(second).toEqual({ outcome: 'reached' });
    expect(history.requests.slice(4)).toEqual([501, 401, 301, 201, 101]);
    expect(seqs(history)[0]).toBe(1);
  });

  it('a failed page ends the jump with its error; trying again goes on from the same page', async () => {
    const history = await openConversation(460, 460);
    const position: ReadPosition = { lastReadSeq: 0, unreadCount: 460, latestSeq: 460 };
    const reached = firstUnreadHeld(position);

    history.fail('The server answered 500.');
    expect(await loadOlderUntil(history.conversationId, reached)).toEqual({
      outcome: 'failed',
      error: 'The server answered 500.',
    });
    expect(list(history).error).toBe('The server answered 500.');

    expect(await loadOlderUntil(history.conversationId, reached)).toEqual({ outcome: 'reached' });
    expect(history.requests).toEqual([undefined, 261, 261, 161, 61]);
    expect(list(history).error).toBeNull();
  });

  it('gives up instead of spinning when pages come back empty (offline)', async () => {
    const history = await openConversation(460, 460);
    const empty: LoadHistory = (args) => {
      history.requests.push(args.beforeSeq);
      return Promise.resolve({ ok: true, value: { messages: [], hasMore: true } });
    };
    vi.stubGlobal('window', { chat: { loadHistory: empty } });
    const position: ReadPosition = { lastReadSeq: 0, unreadCount: 460, latestSeq: 460 };
    const result = await loadOlderUntil(history.conversationId, firstUnreadHeld(position));
    expect(result.outcome).toBe('failed');
    expect(history.requests).toEqual([undefined, 261]);
  });

  it('stops when cancelled, before asking for another page', async () => {
    const history = await openConversation(460, 460);
    const controller = new AbortController();
    const position: ReadPosition = { lastReadSeq: 0, unreadCount: 460, latestSeq: 460 };
    history.hold();
    const jump = loadOlderUntil(history.conversationId, firstUnreadHeld(position), {
      signal: controller.signal,
    });
    // Let the loop send its first request, then leave the conversation.
    await Promise.resolve();
    controller.abort();
    history.release();
    expect(await jump).toEqual({ outcome: 'cancelled' });
    expect(history.requests).toEqual([undefined, 261]);
  });
});

describe('a window around a message far back', () => {
  /** The fake conversation, answering `around` and `after` as the core does. */
  async function openFar(total: number, deleted: number[] = []) {
    const history = await openConversation(total, 0);
    const calls: string[] = [];
    const message = (seq: number) => ({
      ...stored(history.conversationId, seq),
      ...(deleted.includes(seq) ? { body: '', deletedAt: '2026-11-26T11:00:00.000Z' } : {}),
    });
    const span = (from: number, to: number) =>
      Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => message(from + i));
    vi.stubGlobal('window', {
      chat: {
        loadHistory: (args: Parameters<LoadHistory>[0]) => {
          calls.push(`before=${args.beforeSeq}`);
          return history.loadHistory(args);
        },
        loadAround: ({ seq, limit = 50 }: { seq: number; limit?: number }) => {
          calls.push(`around=${seq}`);
          if (seq > total) return Promise.resolve({ ok: true, value: [] });
          const from = Math.max(1, seq - Math.floor(limit / 2));
          return Promise.resolve({
            ok: true,
            value: span(from, Math.min(total, from + limit - 1)),
          });
        },
        loadNewer: ({ afterSeq, limit = 50 }: { afterSeq: number; limit?: number }) => {
          calls.push(`after=${afterSeq}`);
          const to = Math.min(total, afterSeq + limit);
          return Promise.resolve({
            ok: true,
            value: { messages: span(afterSeq + 1, to), hasMore: to < total },
          });
        },
      },
    });
    return { history, calls };
  }

  it('one around request shows the message; newer pages then reach the latest and join it', async () => {
    const { history, calls } = await openFar(400);
    const opened = await openAround(history.conversationId, 100);
    expect(opened).toEqual({ outcome: 'opened' });
    expect(calls).toEqual(['around=100']);
    expect(list(history).window?.items.map((m) => m.seq)).toContain(100);
    expect(seqs(history)).toEqual(Array.from({ length: 50 }, (_, i) => 351 + i));

    while (list(history).window !== null && calls.length < 10) {
      await loadWindowPage(history.conversationId, 'newer');
    }
    expect(list(history).window).toBeNull();
    expect(calls).toEqual(['around=100', 'after=124', 'after=224', 'after=324']);
    expect(seqs(history)).toEqual(Array.from({ length: 326 }, (_, i) => 75 + i));
  });

  it('older pages of the window ask before its oldest message', async () => {
    const { history, calls } = await openFar(400);
    await openAround(history.conversationId, 200);
    await loadWindowPage(history.conversationId, 'older');
    expect(calls).toEqual(['around=200', 'before=175']);
    expect(list(history).window?.items[0]?.seq).toBe(75);
  });

  it('a deleted or missing message opens nothing', async () => {
    const { history } = await openFar(400, [100]);
    expect(await openAround(history.conversationId, 100)).toEqual({ outcome: 'deleted' });
    expect(await openAround(history.conversationId, 999)).toEqual({ outcome: 'gone' });
    expect(list(history).window).toBeNull();
  });
});
