import type { BrowserWindowConstructorOptions } from 'electron';

export interface WindowOptionsInput {
  preloadPath: string;
  iconPath?: string;
  /** Restored bounds, if any. */
  bounds?: { width: number; height: number; x?: number; y?: number };
  /** A packaged (installed) build: no DevTools, which would open the page to anyone at the keyboard. */
  packaged?: boolean;
}

/**
 * The one place the chat window's options are decided. The renderer shows text written by
 * other people, so it runs as an untrusted web page: isolated from the preload, sandboxed,
 * no Node, web security on. Everything it may do goes through the preload's `window.chat`.
 */
export function buildWindowOptions(input: WindowOptionsInput): BrowserWindowConstructorOptions {
  return {
    width: input.bounds?.width ?? 1100,
    height: input.bounds?.height ?? 720,
    ...(input.bounds?.x !== undefined && input.bounds.y !== undefined
      ? { x: input.bounds.x, y: input.bounds.y }
      : {}),
    minWidth: 480,
    minHeight: 400,
    title: 'Chat',
    // Shown once the first paint is ready, so the user never sees a white flash.
    show: false,
    backgroundColor: '#1e1f22',
    ...(input.iconPath ? { icon: input.iconPath } : {}),
    webPreferences: {
      preload: input.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: true,
      devTools: input.packaged !== true,
    },
  };
}
