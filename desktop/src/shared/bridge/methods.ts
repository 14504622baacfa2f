/**
 * THE table of bridge calls: each call of `window.chat` is declared here once, with who
 * serves it and what it resolves to. Everything else is derived from it: the preload's
 * `window.chat`, the IPC channel names, the main process's channel registration, the web
 * bridge, and the core's call map. The argument of each call is validated with its schema
 * in `args.ts` (keyed by this table; the compiler rejects a missing or extra entry).
 *
 * Zod-free and free of runtime imports, so the sandboxed preload, bundled on its own,
 * carries only this table.
 *
 * Adding a call: one entry here, its argument schema in `args.ts`, and its implementation
 * (a core function in `core/client/`, or a shell service in both shells).
 */
import type { ShellSettings } from '../settings';
import type { AppStatus, LaunchAtLogin } from '../app-status';
import type { Attachment, PushPreferences, SearchResponse } from '@chat/protocol';
import type {
  AccountSessionInfo,
  AttachmentBytes,
  ConnectionStatus,
  ConversationView,
  HistoryPage,
  LocalMessage,
  Person,
  SessionInfo,
  User,
} from './model';

/**
 * `core`: the environment-neutral client core answers it. `shell`: the shell around the
 * core answers it (Electron's main process, or the web bridge): links, do-not-disturb,
 * the active conversation.
 */
export type BridgeSide = 'core' | 'shell';

/** One call: who serves it; `T` (type only) is what it resolves to on success. */
export interface MethodSpec<S extends BridgeSide = BridgeSide, T = unknown> {
  readonly side: S;
  /** Never set: carries the result type for the compiler. */
  readonly resultType?: () => T;
}

const core = <T>(): MethodSpec<'core', T> => ({ side: 'core' });
const shell = <T>(): MethodSpec<'shell', T> => ({ side: 'shell' });

export const BRIDGE_METHODS = {
  signIn: core<SessionInfo>(),
  register: core<SessionInfo>(),
  signOut: core<null>(),
  /** The signed-in account's unsent messages (to ask before signing out). */
  countUnsent: core<number>(),
  getSession: core<SessionInfo | null>(),
  getConnectionStatus: core<ConnectionStatus>(),
  searchUsers: core<Person[]>(),
  getPeople: core<Person[]>(),
  openDirect: core<ConversationView>(),
  createGroup: core<ConversationView>(),
  listConversations: core<ConversationView[]>(),
  loadHistory: core<HistoryPage>(),
  /**
   * The page just after `afterSeq`, ascending: how a window opened with `loadAround` grows
   * towards the latest message. `hasMore`: newer messages exist past it.
   */
  loadNewer: core<HistoryPage>(),
  /** Returns at once with the clientId; the outbox delivers it (watch `message` events). */
  sendMessage: core<{ clientId: string; message: LocalMessage }>(),
  retryMessage: core<null>(),
  discardMessage: core<null>(),
  markRead: core<null>(),
  setTyping: core<null>(),
  /**
   * Now rather than after the backoff ("Retry now", the network is back): reconnects at
   * once when the socket is down (connecting catches up), else catches up.
   */
  catchUp: core<null>(),
  // ---- message lifecycle (version 2) ----
  /** The message after the edit; every window also gets it as a `message` event. */
  editMessage: core<LocalMessage>(),
  deleteMessage: core<null>(),
  /** Adds (`on`) or takes back the caller's reaction. */
  react: core<null>(),
  /** The messages around `seq` (for jumping to a quoted message), ascending. */
  loadAround: core<LocalMessage[]>(),
  /** Full-text search of the account's conversations, newest first (`GET /api/search`). */
  searchMessages: core<SearchResponse>(),
  /** Uploads one file; send it with `sendMessage`'s `attachments`. */
  uploadFile: core<Attachment>(),
  /** Stops an upload started with that `uploadId` (it then fails with `cancelled`). */
  cancelUpload: core<null>(),
  /** An attachment's bytes (the renderer shows them through a blob URL). */
  attachmentBytes: core<AttachmentBytes>(),
  // ---- groups and notification levels (version 2) ----
  /** The group after the change; every window also gets it as a `conversation` event. */
  renameGroup: core<ConversationView>(),
  addMembers: core<ConversationView>(),
  /** Removes a member (admins); with the caller's own id, leaves (the group is dropped). */
  removeMember: core<null>(),
  setAdmin: core<ConversationView>(),
  /** The caller's level for a conversation, kept on the server for every device. */
  setNotificationLevel: core<ConversationView>(),
  // ---- accounts (version 2) ----
  /** The signed-in user after the change; every window gets a `session` event. */
  updateProfile: core<User>(),
  /** Every other session is signed out; this one stays. */
  changePassword: core<null>(),
  listSessions: core<AccountSessionInfo[]>(),
  /** Signs out one session (not this one: use `signOut`). */
  revokeSession: core<null>(),
  /** Signs out every session but this one. */
  revokeOtherSessions: core<null>(),
  /** Deletes the account; this window is signed out. */
  deleteAccount: core<null>(),
  listBlocked: core<Person[]>(),
  setBlocked: core<null>(),
  // ---- Web Push (issue #19; the web client subscribes, the desktop app needs none) ----
  /** The server's VAPID public key (base64url), the `applicationServerKey` to subscribe with. */
  getPushKey: core<string>(),
  /** Hands the browser's push subscription to the server, for this session. */
  subscribePush: core<null>(),
  unsubscribePush: core<null>(),
  /** Whether pushes (and so a locked screen) show message text, or only "New message". */
  getPushPreferences: core<PushPreferences>(),
  setPushPreferences: core<PushPreferences>(),
  /** A user's or a group's avatar picture (shown through a blob URL, like attachments). */
  avatarBytes: core<AttachmentBytes>(),
  /** Sets (an image from `uploadFile`) or removes (null) the signed-in user's avatar. */
  setMyAvatar: core<SessionInfo>(),
  /** Sets or removes a group's avatar (admins). */
  setGroupAvatar: core<ConversationView>(),
  setActiveConversation: shell<null>(),
  setDoNotDisturb: shell<null>(),
  getSettings: shell<ShellSettings>(),
  openExternal: shell<null>(),
  /**
   * Saves an attachment as a file: in Electron through a save dialog, the main process
   * fetching and writing it (the renderer never holds a token); in the browser as a
   * download. `saved: false` when the user cancelled the dialog.
   */
  saveAttachment: shell<{ saved: boolean }>(),
  // ---- the installed app (desktop only; issue #20) ----
  /** Version, start at login and the update's state; null in the web client (no app). */
  getAppStatus: shell<AppStatus | null>(),
  /** Starts the app at login, or stops; resolves to what the system now has. */
  setLaunchAtLogin: shell<LaunchAtLogin>(),
  /** Checks the feed now; the outcome arrives as `update` events. */
  checkForUpdates: shell<null>(),
  /** Quits and installs a downloaded update (`update` state `downloaded`). */
  installUpdate: shell<null>(),
} as const satisfies Record<string, MethodSpec>;

type Table = typeof BRIDGE_METHODS;
export type BridgeMethod = keyof Table;
export type CoreMethod = {
  [M in BridgeMethod]: Table[M]['side'] extends 'core' ? M : never;
}[BridgeMethod];
export type ShellMethod = Exclude<BridgeMethod, CoreMethod>;

/** What each call resolves to on success. */
export type BridgeValues = {
  [M in BridgeMethod]: Table[M] extends MethodSpec<BridgeSide, infer T> ? T : never;
};

export const BRIDGE_METHOD_NAMES = Object.keys(BRIDGE_METHODS) as BridgeMethod[];

function onSide(side: BridgeSide): BridgeMethod[] {
  return BRIDGE_METHOD_NAMES.filter((m) => BRIDGE_METHODS[m].side === side);
}
/** The calls the client core answers. */
export const CORE_METHODS = onSide('core') as CoreMethod[];
/** The calls the shell (Electron main, or the web bridge) answers itself. */
export const SHELL_METHODS = onSide('shell') as ShellMethod[];

/** `signIn` → `chat:sign-in`: one invoke channel per call. */
export function ipcChannel(method: BridgeMethod): string {
  return `chat:${method.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** The IPC channels of the bridge: one invoke channel per call, one event channel. */
export const IPC_CHANNELS = {
  invoke: Object.fromEntries(BRIDGE_METHOD_NAMES.map((m) => [m, ipcChannel(m)])) as Record<
    BridgeMethod,
    string
  >,
  /** main → renderer, payload: one `ChatEvent`. */
  event: 'chat:event',
} as const;
