/**
 * The client core: one object implementing every core call of the bridge. The shells
 * wrap it (the Electron main process behind IPC, the web bridge in the page), validate
 * each argument at their edge, and add the shell-only calls (links, mute,
 * do-not-disturb, the active conversation).
 *
 * Every call receives its argument validated, never throws, and answers a `Result`.
 */
import type { Message } from '@chat/protocol';
import {
  CORE_METHODS,
  type ChatEvent,
  type ChatEventListener,
  type CoreHandlers,
  type SessionInfo,
} from '../shared/bridge';
import { ApiClient, HttpTransport, type FetchLike, type UploadSender } from './api-client';
import { accountCalls } from './calls/account';
import { avatarCalls } from './calls/avatars';
import type { CoreContext } from './calls/context';
import { conversationCalls } from './calls/conversations';
import { groupCalls } from './calls/groups';
import { settingsCalls } from './calls/settings';
import { messageCalls } from './calls/messages';
import { systemClock, type Clock } from './clock';
import { Connection, defaultIoFactory, type IoFactory } from './connection/connection';
import { clientError } from './errors';
import { Outbox, accountKey } from './outbox';
import { Session, type RefreshLock } from './session';
import type { OutboxChangeEntry, OutboxEntry, OutboxStorage } from './storage/outbox';
import type { SessionStorage } from './storage/session';
import { ChatState, messageKey, type UnsentMessage } from './state';

export interface ChatClientOptions {
  sessionStorage: SessionStorage;
  outboxStorage: OutboxStorage;
  fetch?: FetchLike;
  /** How uploads are sent, with progress (the web: XMLHttpRequest); else fetch. */
  sendUpload?: UploadSender;
  ioFactory?: IoFactory;
  clock?: Clock;
  /** Wait this long for a `message:send` ack before resending the same clientId. */
  ackTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Where clients share one refresh token (browser tabs): serialises their refreshes. */
  refreshLock?: RefreshLock;
}

export interface ChatClient extends CoreHandlers {
  onEvent(listener: ChatEventListener): () => void;
  /** Restores a persisted session (if any) and connects. Call once. */
  start(): Promise<SessionInfo | null>;
  /** Disconnects and stops sending; persisted session and outbox stay. */
  close(): void;
  /** The environment reports the network is gone: stop using the socket now. */
  networkLost(): void;
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

/** Delivers core events to every listener; one broken listener starves no other. */
function createEmitter(): {
  emit: (event: ChatEvent) => void;
  onEvent: (listener: ChatEventListener) => () => void;
} {
  const listeners = new Set<ChatEventListener>();
  return {
    emit(event) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (err) {
          console.error('chat client: event listener threw', err);
        }
      }
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

function toUnsent(entry: OutboxEntry): UnsentMessage {
  return {
    clientId: entry.clientId,
    conversationId: entry.conversationId,
    body: entry.body,
    attachments: entry.attachments,
    createdAt: entry.createdAt,
    order: entry.order,
    failed: entry.failed,
    replyToSeq: entry.replyToSeq,
  };
}

function toPendingChange(entry: OutboxChangeEntry) {
  return { id: entry.clientId, change: entry.change, createdAt: entry.createdAt };
}

/** A queued change over the connection: the edit answers the edited message. */
async function applyChange(connection: Connection, entry: OutboxChangeEntry) {
  const { conversationId, change } = entry;
  switch (change.kind) {
    case 'edit':
      return connection.editMessage(conversationId, change.seq, change.body);
    case 'delete':
      await connection.deleteMessage(conversationId, change.seq);
      return null;
    case 'react':
      await connection.react(conversationId, change.seq, change.emoji, change.on);
      return null;
  }
}

/**
 * Builds the core from its parts (state, session, API client, outbox, connection), wires
 * them to each other, and serves the core calls from `calls/`: one module per area, each
 * call a function of the shared `CoreContext`.
 */
export function createChatClient(options: ChatClientOptions): ChatClient {
  const clock = options.clock ?? systemClock;
  const events = createEmitter();
  const ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
  const state = new ChatState(events.emit, clock, ackTimeoutMs);
  const session = new Session(options.sessionStorage, () => clock.now(), options.refreshLock);
  const api = new ApiClient(
    new HttpTransport(
      options.fetch ?? ((input, init) => fetch(input, init)),
      options.requestTimeoutMs,
      options.sendUpload,
    ),
    session,
  );
  session.attach(api);

  // The outbox sends over the connection, and the connection tells the outbox when it may:
  // the outbox is built first and reaches the connection once it exists.
  let connected: Connection | null = null;
  const outbox = new Outbox(
    options.outboxStorage,
    {
      ready: () => connected?.connected() === true,
      send: (entry) =>
        connected === null
          ? Promise.reject(clientError('offline', 'Not connected.'))
          : connected.sendMessage(entry),
      apply: (entry) =>
        connected === null
          ? Promise.reject(clientError('offline', 'Not connected.'))
          : applyChange(connected, entry),
    },
    clock,
    {
      changed: (entry) => state.upsertUnsent(toUnsent(entry)),
      stored: (_entry, message: Message) => state.accept([message]),
      removed: (entry) => state.removeUnsent(entry.conversationId, entry.clientId),
      changeQueued: (entry) => state.upsertChange(entry.conversationId, toPendingChange(entry)),
      changeApplied: (entry, message) => {
        // The server's copy first, so the message never flickers back to the old one.
        if (message !== null) state.applyUpdate(message);
        state.removeChange(entry.conversationId, entry.clientId);
      },
      changeRefused: (entry, error) =>
        state.removeChange(entry.conversationId, entry.clientId, error),
    },
  );
  const showUnsent = () => {
    for (const entry of outbox.pending()) state.upsertUnsent(toUnsent(entry));
    for (const entry of outbox.pendingChanges()) {
      state.upsertChange(entry.conversationId, toPendingChange(entry));
    }
  };
  const connection = new Connection({
    session,
    api,
    state,
    clock,
    ioFactory: options.ioFactory ?? defaultIoFactory,
    ackTimeoutMs,
    onConnected: () => outbox.kickAll(),
    onConversationsLoaded: showUnsent,
    // Only these are news to the user; history and catch-up pages are not announced.
    onIncoming: (messages) => {
      for (const m of messages) {
        const local = state.heldMessage(m.conversationId, messageKey(m.senderId, m.clientId));
        if (local !== null) events.emit({ type: 'incoming', message: local });
      }
    },
  });
  connected = connection;

  session.onProfile((info) => events.emit({ type: 'session', session: info, reason: 'profile' }));
  session.onChange((info, reason) => {
    connection.stop();
    state.reset(info?.user.id ?? null);
    outbox.setAccount(info ? accountKey(info.serverUrl, info.user.id) : null);
    events.emit({ type: 'session', session: info, reason });
    if (info !== null) connection.start();
  });

  const context: CoreContext = {
    state,
    session,
    api,
    outbox,
    connection,
    clock,
    showUnsent,
    emit: events.emit,
  };
  return {
    onEvent: events.onEvent,
    async start() {
      await outbox.load();
      return session.restore();
    },
    close() {
      outbox.stop();
      connection.dispose();
    },
    networkLost: () => connection.networkLost(),
    ...accountCalls(context),
    ...conversationCalls(context),
    ...settingsCalls(context),
    ...messageCalls(context),
    ...groupCalls(context),
    ...avatarCalls(context),
  };
}
