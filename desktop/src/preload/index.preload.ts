import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadBridge } from './bridge.preload';
import type { ChatBridge } from '../shared/bridge';

const bridge: ChatBridge = createPreloadBridge(ipcRenderer);

// The only thing the page gets: `window.chat`. Not ipcRenderer, not Node, not a token.
contextBridge.exposeInMainWorld('chat', bridge);
