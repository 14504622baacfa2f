import { done, fail, ok, type ShellSettings } from '../shared/bridge';
import type { ChatClient } from '../core/client';
import type { BridgeHandlers } from './ipc.main';

/** What the shell itself does for the shell-only bridge calls. */
export interface ShellServices {
  setActiveConversation(conversationId: string | null): void;
  setMuted(conversationId: string, muted: boolean): void;
  setDoNotDisturb(enabled: boolean): void;
  settings(): Promise<ShellSettings>;
  /** Opens a checked http(s) URL in the user's browser; false when refused. */
  openExternal(url: string): Promise<boolean>;
}

/**
 * The bridge as the main process serves it: core calls go to the client core, shell
 * calls to the Electron services. Arguments arrive validated (see `ipc.main.ts`).
 */
export function createBridgeHandlers(client: ChatClient, shell: ShellServices) {
  return {
    signIn: (args) => client.signIn(args),
    register: (args) => client.register(args),
    signOut: () => client.signOut(),
    getSession: () => client.getSession(),
    getConnectionStatus: () => client.getConnectionStatus(),
    searchUsers: (args) => client.searchUsers(args),
    getPeople: (args) => client.getPeople(args),
    openDirect: (args) => client.openDirect(args),
    createGroup: (args) => client.createGroup(args),
    listConversations: () => client.listConversations(),
    loadHistory: (args) => client.loadHistory(args),
    sendMessage: (args) => client.sendMessage(args),
    retryMessage: (args) => client.retryMessage(args),
    discardMessage: (args) => client.discardMessage(args),
    markRead: (args) => client.markRead(args),
    setTyping: (args) => client.setTyping(args),
    catchUp: () => client.catchUp(),

    setActiveConversation: ({ conversationId }) => {
      shell.setActiveConversation(conversationId);
      return Promise.resolve(done());
    },
    setMuted: ({ conversationId, muted }) => {
      shell.setMuted(conversationId, muted);
      return Promise.resolve(done());
    },
    setDoNotDisturb: ({ enabled }) => {
      shell.setDoNotDisturb(enabled);
      return Promise.resolve(done());
    },
    getSettings: async () => ok(await shell.settings()),
    openExternal: async ({ url }) =>
      (await shell.openExternal(url))
        ? done()
        : fail('invalid_request', 'Only web links (http or https) can be opened.'),
  } satisfies BridgeHandlers;
}
