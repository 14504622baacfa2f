/**
 * The renderer's state: what the bridge told it, folded by one pure reducer. The bridge
 * sends small increments (`ChatEvent`s); the UI adds the answers to its own requests
 * (conversation list, history pages, people).
 */
import { compareLocalMessages } from '../../shared/bridge';
import { withDoNotDisturb } from '../../shared/settings';
import type {
  ChatEvent,
  ConnectionStatus,
  ConversationView,
  DeliveryState,
  HistoryPage,
  LocalMessage,
  NotificationLevel,
  Person,
  SessionChangeReason,
  SessionInfo,
  ShellSettings,
} from '../../shared/bridge';

/**
 * Virtuoso's `firstItemIndex` starts high and goes down by the number of messages
 * prepended, so loading older history does not move what the user is looking at.
 */
export const FIRST_ITEM_INDEX = 10_000_000;

export interface MessageList {
  /** Ascending, as `compareLocalMessages` orders them. */
  items: LocalMessage[];
  /** Virtuoso's index of `items[0]`: goes down by exactly the number of rows added above. */
  firstItemIndex: number;
  /**
   * A row whose virtual index never changes (`anchorIndex`). Older messages reach the list
   * both as `message` events (the core announces what it merged) and in the page itself, so
   * the prepended count is measured from where the anchor ends up, not from either source.
   */
  anchorKey: string | null;
  anchorIndex: number;
  /** Older messages exist on the server. */
  hasMore: boolean;
  /** The latest page has been loaded at least once. */
  loaded: boolean;
  loading: boolean;
  error: string | null;
}

export interface Presence {
  online: boolean;
  lastSeenAt: string | null;
}

export interface ChatUiState {
  /** False until the bridge said whether a session exists. */
  ready: boolean;
  session: SessionInfo | null;
  /** Why the last session ended, so the sign-in screen can say it. */
  sessionEnded: SessionChangeReason | null;
  connection: ConnectionStatus;
  conversations: Record<string, ConversationView>;
  /** Whether the conversation list has been fetched for this session. */
  conversationsLoaded: boolean;
  messages: Record<string, MessageList>;
  presence: Record<string, Presence>;
  typing: Record<string, string[]>;
  settings: ShellSettings | null;
  activeId: string | null;
  /**
   * Display names of everyone met in a conversation this session, kept after they leave,
   * so a group's history still names a removed member ("Alice removed Bob").
   */
  names: Record<string, string>;
  /** A short notice for the empty state: the open conversation was taken away. */
  notice: string | null;
}

export type Action =
  | { type: 'event'; event: ChatEvent }
  | { type: 'started'; session: SessionInfo | null; connection: ConnectionStatus }
  | { type: 'conversations-loaded'; conversations: ConversationView[] }
  | { type: 'history-loading'; conversationId: string }
  | { type: 'history-loaded'; conversationId: string; page: HistoryPage; older: boolean }
  | { type: 'history-failed'; conversationId: string; message: string }
  | { type: 'people'; people: Person[] }
  | { type: 'select'; conversationId: string | null }
  | { type: 'dismiss-notice' }
  /** The user flipped a control: shown at once; the shell's `settings` event confirms it. */
  | { type: 'set-notification-level'; conversationId: string; level: NotificationLevel }
  | { type: 'set-do-not-disturb'; enabled: boolean };

export const initialState: ChatUiState = {
  ready: false,
  session: null,
  sessionEnded: null,
  connection: 'offline',
  conversations: {},
  conversationsLoaded: false,
  messages: {},
  presence: {},
  typing: {},
  settings: null,
  activeId: null,
  names: {},
  notice: null,
};

const EMPTY_LIST: MessageList = {
  items: [],
  firstItemIndex: FIRST_ITEM_INDEX,
  anchorKey: null,
  anchorIndex: FIRST_ITEM_INDEX,
  hasMore: true,
  loaded: false,
  loading: false,
  error: null,
};

/** A socket is up: presence events arrive. */
const CONNECTED: readonly ConnectionStatus[] = ['online', 'catching-up'];

const DELIVERY_RANK: Readonly<Record<DeliveryState, number>> = {
  failed: -1,
  pending: 0,
  waiting: 0,
  sent: 1,
  delivered: 2,
  read: 3,
};

/** Merges messages into a sorted list, replacing by key. */
export function mergeMessages(
  existing: readonly LocalMessage[],
  incoming: readonly LocalMessage[],
): LocalMessage[] {
  if (incoming.length === 0) return [...existing];
  const byKey = new Map<string, LocalMessage>();
  for (const m of existing) byKey.set(m.key, m);
  for (const m of incoming) byKey.set(m.key, m);
  return [...byKey.values()].sort(compareLocalMessages);
}

/** Recomputes `firstItemIndex` from where the anchor row is now. */
function withItems(list: MessageList, items: LocalMessage[]): MessageList {
  const at = list.anchorKey === null ? -1 : items.findIndex((m) => m.key === list.anchorKey);
  if (at !== -1) return { ...list, items, firstItemIndex: list.anchorIndex - at };
  // No anchor yet, or it was removed (a discarded message): the first row becomes the
  // anchor and keeps the index the first row had.
  return {
    ...list,
    items,
    anchorKey: items[0]?.key ?? null,
    anchorIndex: list.firstItemIndex,
  };
}

/** One message in or replaced: the common case, done without re-sorting the whole list. */
function upsertMessage(items: readonly LocalMessage[], message: LocalMessage): LocalMessage[] {
  const next = [...items];
  const at = next.findLastIndex((m) => m.key === message.key);
  if (at !== -1) next.splice(at, 1);
  let insertAt = next.length;
  while (insertAt > 0) {
    const before = next[insertAt - 1];
    if (before === undefined || compareLocalMessages(before, message) <= 0) break;
    insertAt--;
  }
  next.splice(insertAt, 0, message);
  return next;
}

function applyDelivery(
  items: readonly LocalMessage[],
  upToSeq: number,
  state: 'delivered' | 'read',
): LocalMessage[] | null {
  const raised = (m: LocalMessage) =>
    m.mine && m.seq !== null && m.seq <= upToSeq && DELIVERY_RANK[m.state] < DELIVERY_RANK[state];
  if (!items.some(raised)) return null;
  return items.map((m) => (raised(m) ? { ...m, state } : m));
}

function withList(
  state: ChatUiState,
  conversationId: string,
  update: (list: MessageList) => MessageList,
): ChatUiState {
  const list = state.messages[conversationId] ?? EMPTY_LIST;
  return { ...state, messages: { ...state.messages, [conversationId]: update(list) } };
}

/** Everything that belonged to the previous session. */
function cleared(state: ChatUiState): ChatUiState {
  return {
    ...state,
    conversations: {},
    conversationsLoaded: false,
    messages: {},
    presence: {},
    typing: {},
    activeId: null,
    names: {},
    notice: null,
  };
}

/** The names with every member of `conversations` (a renamed person's new name wins). */
function withNames(
  names: Record<string, string>,
  conversations: readonly ConversationView[],
): Record<string, string> {
  let next: Record<string, string> | null = null;
  for (const conversation of conversations) {
    for (const member of conversation.members) {
      if (names[member.id] === member.displayName) continue;
      next ??= { ...names };
      next[member.id] = member.displayName;
    }
  }
  return next ?? names;
}

function applyEvent(state: ChatUiState, event: ChatEvent): ChatUiState {
  switch (event.type) {
    case 'message': {
      const { message } = event;
      return withList(state, message.conversationId, (list) =>
        withItems(list, upsertMessage(list.items, message)),
      );
    }
    case 'incoming':
      // Its `message` event came just before; only the shells act on this one (notifications).
      return state;
    case 'message-removed': {
      const list = state.messages[event.conversationId];
      if (list === undefined) return state;
      return withList(state, event.conversationId, () =>
        withItems(
          list,
          list.items.filter((m) => m.key !== event.key),
        ),
      );
    }
    case 'delivery': {
      const list = state.messages[event.conversationId];
      if (list === undefined) return state;
      const items = applyDelivery(list.items, event.upToSeq, event.state);
      return items === null
        ? state
        : withList(state, event.conversationId, () => ({ ...list, items }));
    }
    case 'conversation':
      return {
        ...state,
        conversations: { ...state.conversations, [event.conversation.id]: event.conversation },
        names: withNames(state.names, [event.conversation]),
      };
    case 'conversation-removed': {
      const gone = state.conversations[event.conversationId];
      const { [event.conversationId]: _gone, ...conversations } = state.conversations;
      const { [event.conversationId]: _messages, ...messages } = state.messages;
      const { [event.conversationId]: _typing, ...typing } = state.typing;
      return {
        ...state,
        conversations,
        messages,
        typing,
        activeId: state.activeId === event.conversationId ? null : state.activeId,
        notice:
          state.activeId === event.conversationId
            ? `You are no longer a member of ${gone?.type === 'group' && gone.title ? `“${gone.title}”` : 'that conversation'}.`
            : state.notice,
      };
    }
    case 'presence':
      return {
        ...state,
        presence: {
          ...state.presence,
          [event.userId]: { online: event.online, lastSeenAt: event.lastSeenAt },
        },
      };
    case 'typing':
      return { ...state, typing: { ...state.typing, [event.conversationId]: event.userIds } };
    case 'receipt':
      // The matching `conversation` event carries the receipts; `delivery` the ticks.
      return state;
    case 'connection':
      // Disconnected, nobody's presence is known (presence events are missed): show none
      // rather than a stale "online"; the server's answer restores it once back online.
      return {
        ...state,
        connection: event.status,
        presence: CONNECTED.includes(event.status) ? state.presence : {},
      };
    case 'session': {
      const sameUser = event.session !== null && state.session?.user.id === event.session.user.id;
      const base = sameUser ? state : cleared(state);
      return {
        ...base,
        ready: true,
        session: event.session,
        sessionEnded: event.session === null ? event.reason : null,
      };
    }
    case 'upload-progress':
      // Followed by the composer's strip itself (usePendingFiles), not kept here.
      return state;
    case 'open-conversation':
      return { ...state, activeId: event.conversationId, notice: null };
    case 'settings':
      return { ...state, settings: event.settings };
    case 'update':
      // Followed by the app's own status (useAppStatus), not kept here.
      return state;
  }
}

export function reducer(state: ChatUiState, action: Action): ChatUiState {
  switch (action.type) {
    case 'event':
      return applyEvent(state, action.event);
    case 'started':
      return {
        ...state,
        ready: true,
        session: action.session,
        connection: action.connection,
      };
    case 'conversations-loaded': {
      const conversations = { ...state.conversations };
      for (const c of action.conversations) conversations[c.id] = c;
      return {
        ...state,
        conversations,
        conversationsLoaded: true,
        names: withNames(state.names, action.conversations),
      };
    }
    case 'history-loading':
      return withList(state, action.conversationId, (list) => ({
        ...list,
        loading: true,
        error: null,
      }));
    case 'history-loaded':
      return withList(state, action.conversationId, (list) => {
        const merged = withItems(list, mergeMessages(list.items, action.page.messages));
        return {
          ...merged,
          // Only a page of older messages says how far back the history goes; the latest
          // page says so only the first time.
          hasMore: action.older || !list.loaded ? action.page.hasMore : list.hasMore,
          loaded: true,
          loading: false,
          error: null,
        };
      });
    case 'history-failed':
      return withList(state, action.conversationId, (list) => ({
        ...list,
        loading: false,
        error: action.message,
      }));
    case 'people': {
      const presence = { ...state.presence };
      const names = { ...state.names };
      for (const p of action.people) {
        presence[p.id] = { online: p.online, lastSeenAt: p.lastSeenAt };
        names[p.id] = p.displayName;
      }
      return { ...state, presence, names };
    }
    case 'select':
      return {
        ...state,
        activeId: action.conversationId,
        notice: action.conversationId === null ? state.notice : null,
      };
    case 'dismiss-notice':
      return state.notice === null ? state : { ...state, notice: null };
    case 'set-notification-level': {
      const conversation = state.conversations[action.conversationId];
      if (conversation === undefined) return state;
      return {
        ...state,
        conversations: {
          ...state.conversations,
          [conversation.id]: { ...conversation, notifications: action.level },
        },
      };
    }
    case 'set-do-not-disturb':
      return { ...state, settings: withDoNotDisturb(state.settings, action.enabled) };
  }
}

/** The conversation list's order: most recent activity first. */
export function sortedConversations(
  conversations: Readonly<Record<string, ConversationView>>,
): ConversationView[] {
  return Object.values(conversations).sort((a, b) =>
    a.lastActivityAt < b.lastActivityAt ? 1 : a.lastActivityAt > b.lastActivityAt ? -1 : 0,
  );
}
