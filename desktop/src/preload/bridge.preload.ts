import type {
  BridgeMethod,
  ChatBridge,
  ChatEvent,
  ChatEventListener,
  Result,
} from '../shared/bridge';
// Not from bridge.ts: that module builds every zod schema at load, which the preload
// would then have to bundle.
import { IPC_CHANNELS } from '../shared/ipc-channels';

/** The parts of `ipcRenderer` the bridge uses; nothing else of it reaches the page. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
}

/**
 * `window.chat` for the Electron renderer: one function per capability, each a single
 * `invoke` on its own channel. The main process validates every argument again; nothing
 * here is trusted by it.
 */
export function createPreloadBridge(ipc: IpcRendererLike): ChatBridge {
  function call(method: BridgeMethod, args?: unknown): Promise<Result<never>> {
    const channel = IPC_CHANNELS.invoke[method];
    const reply = args === undefined ? ipc.invoke(channel) : ipc.invoke(channel, args);
    // The bridge contract: calls resolve, never reject (a torn-down main process is a
    // network-like failure the renderer shows, not an unhandled exception).
    return reply.then(
      (value) => value as Result<never>,
      () => ({
        ok: false,
        error: { code: 'network', message: 'The app could not complete the request.' },
      }),
    );
  }

  return {
    signIn: (args) => call('signIn', args),
    register: (args) => call('register', args),
    signOut: () => call('signOut'),
    getSession: () => call('getSession'),
    getConnectionStatus: () => call('getConnectionStatus'),
    searchUsers: (args) => call('searchUsers', args),
    getPeople: (args) => call('getPeople', args),
    openDirect: (args) => call('openDirect', args),
    createGroup: (args) => call('createGroup', args),
    listConversations: () => call('listConversations'),
    loadHistory: (args) => call('loadHistory', args),
    sendMessage: (args) => call('sendMessage', args),
    retryMessage: (args) => call('retryMessage', args),
    discardMessage: (args) => call('discardMessage', args),
    markRead: (args) => call('markRead', args),
    setTyping: (args) => call('setTyping', args),
    catchUp: () => call('catchUp'),
    setActiveConversation: (args) => call('setActiveConversation', args),
    setMuted: (args) => call('setMuted', args),
    setDoNotDisturb: (args) => call('setDoNotDisturb', args),
    getSettings: () => call('getSettings'),
    openExternal: (args) => call('openExternal', args),
    onEvent(listener: ChatEventListener): () => void {
      // Only the payload is passed on: the IPC event object carries `sender`, which is
      // ipcRenderer itself, and must never reach page code.
      const relay = (_event: unknown, payload: unknown): void => {
        listener(payload as ChatEvent);
      };
      ipc.on(IPC_CHANNELS.event, relay);
      return () => {
        ipc.removeListener(IPC_CHANNELS.event, relay);
      };
    },
  } satisfies ChatBridge;
}
