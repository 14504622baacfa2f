import type { ChatBridge } from '../shared/bridge';

declare global {
  interface Window {
    /** The one surface the renderer talks to: the preload's IPC bridge or the web bridge. */
    chat: ChatBridge;
  }
}
