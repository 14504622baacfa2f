/**
 * IPC channel names of the bridge (see `bridge.ts`). Kept free of runtime imports so the
 * preload, a sandboxed script bundled on its own, carries only this table.
 */
import type { BridgeMethod } from './bridge';

/** One invoke channel per call, plus the single event channel main → renderer. */
export const IPC_CHANNELS = {
  invoke: {
    signIn: 'chat:sign-in',
    register: 'chat:register',
    signOut: 'chat:sign-out',
    getSession: 'chat:get-session',
    getConnectionStatus: 'chat:get-connection-status',
    searchUsers: 'chat:search-users',
    getPeople: 'chat:get-people',
    openDirect: 'chat:open-direct',
    createGroup: 'chat:create-group',
    listConversations: 'chat:list-conversations',
    loadHistory: 'chat:load-history',
    sendMessage: 'chat:send-message',
    retryMessage: 'chat:retry-message',
    discardMessage: 'chat:discard-message',
    markRead: 'chat:mark-read',
    setTyping: 'chat:set-typing',
    catchUp: 'chat:catch-up',
    setActiveConversation: 'chat:set-active-conversation',
    setMuted: 'chat:set-muted',
    setDoNotDisturb: 'chat:set-do-not-disturb',
    getSettings: 'chat:get-settings',
    openExternal: 'chat:open-external',
  },
  /** main → renderer, payload: one `ChatEvent`. */
  event: 'chat:event',
} as const satisfies { invoke: Record<BridgeMethod, string>; event: string };

export const BRIDGE_METHODS = Object.keys(IPC_CHANNELS.invoke) as BridgeMethod[];
