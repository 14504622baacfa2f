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

/** Rows Virtuoso shows, indexed so that adding rows above does not move the ones shown. */
interface Rows {
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
}

/**
 * A contiguous run of history away from the latest messages (a quoted message or a search
 * result far back), loaded with `around` and grown both ways. It is shown instead of the
 * live tail until it reaches it, then the two become one list again. Live messages keep
 * going to the tail meanwhile, so none is lost or shown out of place.
 */
export interface MessageWindow extends Rows {
  /** The message the window was opened for. */
  targetSeq: number;
  hasOlder: boolean;
  hasNewer: boolean;
  loading: WindowDirection | null;
  error: string | null;
}

export type WindowDirection = 'older' | 'newer';

/**
 * A conversation's messages. `items` is the live tail: contiguous up to the newest message,
 * like the core's synced watermark; it never takes in a message of a detached window.
 */
export interface MessageList extends Rows {
  /** Older messages exist on the server. */
  hasMore: boolean;
  /** The latest page has been loaded at least once. */
  loaded: boolean;
  loading: boolean;
  error: string | null;
  /** Shown instead of the tail while not null. */
  window: MessageWindow | null;
  /**
   * Goes up whenever the list switches between the tail and a window (not when a window
   * joins the tail: its rows stay where they are), so the list view starts afresh.
   */
  view: number;
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
  /**
   * How many `presence` events have arrived, and the count at each user's last one: a
   * `people` answer asked for before a user's last event is older news than it (the
   * request crossed the event on the wire) and leaves that user's presence alone.
   */
  presenceEvents: number;
  presenceEventAt: Record<string, number>;
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
  /** Messages around `targetSeq` from `loadAround`, shown instead of the tail. */
  | { type: 'window-opened'; conversationId: string; targetSeq: number; messages: LocalMessage[] }
  | { type: 'window-loading'; conversationId: string; view: number; direction: WindowDirection }
  | {
      type: 'window-page';
      conversationId: string;
      /** The `view` the page was asked for: a page of a window since closed is dropped. */
      view: number;
      direction: WindowDirection;
      page: HistoryPage;
    }
  | {
      type: 'window-failed';
      conversationId: string;
      view: number;
      direction: WindowDirection;
      message: string;
    }
  /** "Jump to latest": back to the live tail. */
  | { type: 'window-closed'; conversationId: string }
  | {
      type: 'people';
      people: Person[];
      /** `presenceEvents` when the people were asked for (see ChatUiState). */
      asOf?: number;
    }
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
  presenceEvents: 0,
  presenceEventAt: {},
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
  window: null,
  view: 0,
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
function withItems<T extends Rows>(list: T, items: LocalMessage[]): T {
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

function oldestStored(items: readonly LocalMessage[]): number | null {
  return items.find((m) => m.seq !== null)?.seq ?? null;
}

function newestStored(items: readonly LocalMessage[]): number | null {
  return items.findLast((m) => m.seq !== null)?.seq ?? null;
}

/**
 * Whether a message the core announced goes to the live tail: unsent, already there, or
 * not older than its oldest. Older ones are a page of older history (which reaches the list
 * in the page itself as well) or of a window; taking them in would leave a hole.
 */
function belongsToTail(list: MessageList, message: LocalMessage): boolean {
  if (message.seq === null || list.items.some((m) => m.key === message.key)) return true;
  const oldest = oldestStored(list.items);
  return oldest === null ? list.window === null : message.seq >= oldest;
}

/** A window takes in changes of its own messages (and any seq inside its run). */
function belongsToWindow(window: MessageWindow, message: LocalMessage): boolean {
  if (message.seq === null) return false;
  if (window.items.some((m) => m.key === message.key)) return true;
  const oldest = oldestStored(window.items);
  const newest = newestStored(window.items);
  return oldest !== null && newest !== null && message.seq >= oldest && message.seq <= newest;
}

/**
 * A window that reached the live tail (no newer page, or its newest message meets the
 * tail's oldest) becomes one list with it. Its rows keep their indexes, so what the user
 * looks at does not move; the tail's newer messages follow.
 */
function joined(list: MessageList): MessageList {
  const window = list.window;
  if (window === null) return list;
  const tailOldest = oldestStored(list.items);
  const windowNewest = newestStored(window.items);
  const meets = tailOldest !== null && windowNewest !== null && windowNewest >= tailOldest - 1;
  if (window.hasNewer && !meets) return list;
  const rows = withItems(window, mergeMessages(window.items, list.items));
  return {
    ...list,
    items: rows.items,
    firstItemIndex: rows.firstItemIndex,
    anchorKey: rows.anchorKey,
    anchorIndex: rows.anchorIndex,
    hasMore: window.hasOlder,
    window: null,
  };
}

/** The open window, when it is still the one `view` names. */
function withWindow(
  state: ChatUiState,
  conversationId: string,
  view: number,
  update: (window: MessageWindow) => MessageWindow,
): ChatUiState {
  const list = state.messages[conversationId];
  if (list?.window == null || list.view !== view) return state;
  const window = update(list.window);
  return withList(state, conversationId, () => joined({ ...list, window }));
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
    presenceEventAt: {},
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
      return withList(state, message.conversationId, (list) => {
        const window = list.window;
        const inWindow =
          window !== null && belongsToWindow(window, message)
            ? withItems(window, upsertMessage(window.items, message))
            : window;
        const next = belongsToTail(list, message)
          ? withItems(list, upsertMessage(list.items, message))
          : list;
        return inWindow === window ? next : joined({ ...next, window: inWindow });
      });
    }
    case 'incoming':
      // Its `message` event came just before; only the shells act on this one (notifications).
      return state;
    case 'message-removed': {
      const list = state.messages[event.conversationId];
      if (list === undefined) return state;
      const window =
        list.window === null
          ? null
          : withItems(
              list.window,
              list.window.items.filter((m) => m.key !== event.key),
            );
      return withList(state, event.conversationId, () => ({
        ...withItems(
          list,
          list.items.filter((m) => m.key !== event.key),
        ),
        window,
      }));
    }
    case 'delivery': {
      const list = state.messages[event.conversationId];
      if (list === undefined) return state;
      const items = applyDelivery(list.items, event.upToSeq, event.state);
      const inWindow =
        list.window === null ? null : applyDelivery(list.window.items, event.upToSeq, event.state);
      if (items === null && inWindow === null) return state;
      return withList(state, event.conversationId, () => ({
        ...list,
        items: items ?? list.items,
        window:
          list.window === null || inWindow === null
            ? list.window
            : { ...list.window, items: inWindow },
      }));
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
        presenceEvents: state.presenceEvents + 1,
        presenceEventAt: { ...state.presenceEventAt, [event.userId]: state.presenceEvents + 1 },
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
        return joined({
          ...merged,
          // Only a page of older messages says how far back the history goes; the latest
          // page says so only the first time.
          hasMore: action.older || !list.loaded ? action.page.hasMore : list.hasMore,
          loaded: true,
          loading: false,
          error: null,
        });
      });
    case 'history-failed':
      return withList(state, action.conversationId, (list) => ({
        ...list,
        loading: false,
        error: action.message,
      }));
    case 'window-opened':
      return withList(state, action.conversationId, (list) => {
        const items = mergeMessages([], action.messages);
        return joined({
          ...list,
          view: list.view + 1,
          window: {
            items,
            firstItemIndex: FIRST_ITEM_INDEX,
            anchorKey: items[0]?.key ?? null,
            anchorIndex: FIRST_ITEM_INDEX,
            targetSeq: action.targetSeq,
            hasOlder: (oldestStored(items) ?? 1) > 1,
            // Not known from `around`: a newer page (or meeting the tail) tells.
            hasNewer: true,
            loading: null,
            error: null,
          },
        });
      });
    case 'window-loading':
      return withWindow(state, action.conversationId, action.view, (window) => ({
        ...window,
        loading: action.direction,
        error: null,
      }));
    case 'window-page':
      return withWindow(state, action.conversationId, action.view, (window) => ({
        ...withItems(window, mergeMessages(window.items, action.page.messages)),
        ...(action.direction === 'older'
          ? { hasOlder: action.page.hasMore }
          : { hasNewer: action.page.hasMore }),
        loading: null,
        error: null,
      }));
    case 'window-failed':
      return withWindow(state, action.conversationId, action.view, (window) => ({
        ...window,
        loading: null,
        error: action.message,
      }));
    case 'window-closed': {
      const list = state.messages[action.conversationId];
      if (list?.window == null) return state;
      return withList(state, action.conversationId, () => ({
        ...list,
        window: null,
        view: list.view + 1,
      }));
    }
    case 'people': {
      const presence = { ...state.presence };
      const names = { ...state.names };
      for (const p of action.people) {
        const newer = action.asOf !== undefined && (state.presenceEventAt[p.id] ?? 0) > action.asOf;
        if (!newer) presence[p.id] = { online: p.online, lastSeenAt: p.lastSeenAt };
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
