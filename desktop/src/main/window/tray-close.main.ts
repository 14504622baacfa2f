/**
 * Closing the window keeps the app in the tray: the window hides, and the client core with
 * its socket, which live in the main process and not in the window, keep running, so
 * messages and their notifications keep coming (issue #19). Only quitting (menu, tray,
 * Cmd+Q) closes it for real.
 */

/** The part of a BrowserWindow used here. */
export interface ClosableWindow {
  on(event: 'close', listener: (event: { preventDefault(): void }) => void): unknown;
  hide(): void;
}

export function hideOnClose(window: ClosableWindow, quitting: () => boolean): void {
  window.on('close', (event) => {
    if (quitting()) return;
    event.preventDefault();
    window.hide();
  });
}
