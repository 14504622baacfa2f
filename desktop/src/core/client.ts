/**
 * The client core: one object implementing every core call of the bridge. The shells
 * wrap it — the Electron main process behind IPC, the web bridge in the page — and add
 * the shell-only calls (links, mute, do-not-disturb, the active conversation).
 *
 * Every call validates its argument with the bridge's schema, never throws, and answers
 * a `Result`.
 */
import type { Message } from '@chat/protocol';
import {
  CORE_METHODS,
  ok,
  type ChatEvent,
  type ChatEventListener,
  type CoreHandlers,
  type HistoryPage,
  type Result,
  type SessionInfo,
} from '../shared/bridge';
import { ApiClient, HttpTransport, normalizeServerUrl, type FetchLike } from './api-client';
import { systemClock, type Clock } from './clock';
import { Connection, defaultIoFactory, type IoFactory } from './connection/connection';
import { clientError, toBridgeError } from './errors';
import { Outbox, accountKey } from './outbox';
import { Session } from './session';
import type { OutboxEntry, OutboxStorage } from './storage/outbox';
import type { SessionStorage } from './storage/session';
import { ChatState, type UnsentMessage } from './state';

export interface ChatClientOptions {
  sessionStorage: SessionStorage;
  outboxStorage: OutboxStorage;
  fetch?: FetchLike;
  ioFactory?: IoFactory;
  clock?: Clock;
  /** Wait this long for a `message:send` ack before resending the same clientId. */
  ackTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export interface ChatClient extends CoreHandlers {
  onEvent(listener: ChatEventListener): () => void;
  /** Restores a persisted session (if any) and connects. Call once. */
  start(): Promise<SessionInfo | null>;
  /** Disconnects and stops sending; persisted session and outbox stay. */
  close(): void;
}

/**
 * The core's bridge calls taken off a client, for a bridge (the Electron IPC handlers,
 * the web bridge) to serve beside its own shell calls: one per core call of the bridge
 * table, so `start`, `close` and `onEvent` never become bridge calls by accident.
 */
export function coreCalls(client: CoreHandlers): CoreHandlers {
  return Object.fromEntries(
    CORE_METHODS.map((method) => [
      method,
      (args: never) => (client[method] as (args: never) => unknown)(args),
    ]),
  ) as unknown as CoreHandlers;
}

export function createChatClient(options: ChatClientOptions): ChatClient {
  const clock = options.clock ?? systemClock;
  const listeners = new Set<ChatEventListener>();
  const emit = (event: ChatEvent) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (err) {
        // One broken listener must not starve the others or the core.
        console.error('chat client: event listener threw', err);
      }
    }
  };

  const state = new ChatState(emit, clock);
  const session = new Session(options.sessionStorage, () => clock.now());
  const api = new ApiClient(
    new HttpTransport(
      options.fetch ?? ((input, init) => fetch(input, init)),
      options.requestTimeoutMs,
    ),
    session,
  );
  session.attach(api);

  const toUnsent = (entry: OutboxEntry): UnsentMessage => ({
    clientId: entry.clientId,
    conversationId: entry.conversationId,
    body: entry.body,
    createdAt: entry.createdAt,
    order: entry.order,
    failed: entry.failed,
  });

  let connection: Connection | null = null;
  const outbox = new Outbox(
    options.outboxStorage,
    {
      ready: () => connection?.connected() === true,
      send: (entry) => {
        if (connection === null) return Promise.reject(clientError('offline', 'Not connected.'));
        return connection.sendMessage(entry);
      },
    },
    clock,
    {
      changed: (entry) => state.upsertUnsent(toUnsent(entry)),
      stored: (_entry, message: Message) => state.accept([message]),
      removed: (entry) => state.removeUnsent(entry.conversationId, entry.clientId),
    },
  );

  const showUnsent = () => {
    for (const entry of outbox.pending()) state.upsertUnsent(toUnsent(entry));
  };

  connection = new Connection({
    session,
    api,
    state,
    clock,
    ioFactory: options.ioFactory ?? defaultIoFactory,
    ackTimeoutMs: options.ackTimeoutMs ?? 10_000,
    onConnected: () => outbox.kickAll(),
    onConversationsLoaded: showUnsent,
  });
  const conn = connection;

  session.onChange((info, reason) => {
    conn.stop();
    state.reset(info?.user.id ?? null);
    outbox.setAccount(info ? accountKey(info.serverUrl, info.user.id) : null);
    emit({ type: 'session', session: info, reason });
    if (info !== null) conn.start();
  });

  /** Runs a call (its argument validated at the bridge) and turns any failure into a `Result`. */
  async function call<A, T>(args: A, run: (args: A) => Promise<T>): Promise<Result<T>> {
    try {
      return ok(await run(args));
    } catch (err) {
      return { ok: false, error: toBridgeError(err) };
    }
  }

  async function requireConversation(conversationId: string): Promise<void> {
    if (state.has(conversationId)) return;
    state.upsertConversation(await api.getConversation(conversationId));
    showUnsent();
  }

  async function openConversation(request: Parameters<ApiClient['createConversation']>[0]) {
    const conversation = await api.createConversation(request);
    const view = state.upsertConversation(conversation);
    // Best effort: its messages also arrive with the next catch-up.
    await conn.syncConversation(conversation).catch(() => undefined);
    return state.conversationView(conversation.id) ?? view;
  }

  async function signOutQuietly(): Promise<void> {
    const info = session.info();
    if (info === null) return;
    try {
      const token = await session.accessToken();
      await api.logout(info.serverUrl, token);
    } catch {
      // Unreachable or already revoked: the session is forgotten locally either way.
    }
    await session.end('signed-out');
  }

  const client: ChatClient = {
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async start() {
      await outbox.load();
      return session.restore();
    },

    close() {
      outbox.stop();
      conn.dispose();
    },

    signIn: (args) =>
      call(args, async ({ serverUrl, username, password }) => {
        const url = normalizeServerUrl(serverUrl);
        await signOutQuietly();
        const auth = await api.login(url, { username, password });
        await session.begin(url, auth, 'signed-in');
        return { user: auth.user, serverUrl: url };
      }),

    register: (args) =>
      call(args, async ({ serverUrl, ...body }) => {
        const url = normalizeServerUrl(serverUrl);
        await signOutQuietly();
        const auth = await api.register(url, body);
        await session.begin(url, auth, 'registered');
        return { user: auth.user, serverUrl: url };
      }),

    signOut: () =>
      call(undefined, async () => {
        await signOutQuietly();
        return null;
      }),

    getSession: () => Promise.resolve(ok(session.info())),

    getConnectionStatus: () => Promise.resolve(ok(state.connectionStatus())),

    searchUsers: (args) => call(args, ({ q, limit }) => api.searchUsers(q, limit)),

    getPeople: (args) =>
      call(args, ({ userIds }) => Promise.all([...new Set(userIds)].map((id) => api.getUser(id)))),

    openDirect: (args) => call(args, ({ userId }) => openConversation({ type: 'direct', userId })),

    createGroup: (args) =>
      call(args, ({ title, memberIds }) => openConversation({ type: 'group', title, memberIds })),

    listConversations: () =>
      call(undefined, async () => {
        if (session.info() === null) throw clientError('not_signed_in', 'Not signed in.');
        try {
          for (const conversation of await api.listConversations()) {
            state.upsertConversation(conversation);
          }
          showUnsent();
        } catch (err) {
          // Offline: what is held is the best answer; anything else is an error.
          const info = toBridgeError(err);
          if (info.code !== 'network' && info.code !== 'timeout') throw err;
        }
        return state.listConversations();
      }),

    loadHistory: (args) =>
      call(args, async ({ conversationId, beforeSeq, limit }): Promise<HistoryPage> => {
        const size = limit ?? 50;
        let fetched: Message[] | null = null;
        try {
          await requireConversation(conversationId);
          fetched = await api.history(conversationId, { limit: size, before: beforeSeq });
          state.accept(
            fetched,
            beforeSeq === undefined
              ? { conversationId, newest: fetched.at(-1)?.seq ?? 0 }
              : undefined,
          );
        } catch (err) {
          const info = toBridgeError(err);
          const offline = info.code === 'network' || info.code === 'timeout';
          if (!offline || !state.has(conversationId)) throw err;
        }
        const messages = state.heldMessages(conversationId, beforeSeq, size);
        const oldest = messages.find((m) => m.seq !== null)?.seq ?? null;
        const hasMore =
          fetched !== null
            ? fetched.length === size && (fetched[0]?.seq ?? 1) > 1
            : oldest === null || oldest > 1;
        return { messages, hasMore };
      }),

    sendMessage: (args) =>
      call(args, async ({ conversationId, body }) => {
        if (session.info() === null) throw clientError('not_signed_in', 'Not signed in.');
        if (!state.has(conversationId)) {
          throw clientError('not_found', 'No such conversation.');
        }
        const entry = await outbox.enqueue(conversationId, body, new Date(clock.now()));
        const message = state
          .heldMessages(conversationId, undefined, 0)
          .find((m) => m.clientId === entry.clientId);
        if (message === undefined)
          throw clientError('internal', 'The message was queued but is not shown.');
        return { clientId: entry.clientId, message };
      }),

    retryMessage: (args) =>
      call(args, async ({ clientId }) => {
        await outbox.retry(clientId);
        return null;
      }),

    discardMessage: (args) =>
      call(args, async ({ clientId }) => {
        await outbox.discard(clientId);
        return null;
      }),

    markRead: (args) =>
      call(args, async ({ conversationId, seq }) => {
        if (state.markRead(conversationId, seq)) await conn.sendRead(conversationId, seq);
        return null;
      }),

    setTyping: (args) =>
      call(args, async ({ conversationId, typing }) => {
        await conn.sendTyping(conversationId, typing).catch(() => undefined);
        return null;
      }),

    catchUp: () =>
      call(undefined, async () => {
        if (session.info() === null) throw clientError('not_signed_in', 'Not signed in.');
        await conn.catchUp();
        return null;
      }),
  };
  return client;
}
