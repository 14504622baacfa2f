import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { hideOnClose, type ClosableWindow } from './tray-close.main';

/** A window whose `close` can be vetoed, as Electron's can. */
function fakeWindow() {
  const events = new EventEmitter();
  const hide = vi.fn();
  const window: ClosableWindow = {
    on: (event, listener) => events.on(event, listener),
    hide,
  };
  const close = () => {
    let prevented = false;
    events.emit('close', { preventDefault: () => (prevented = true) });
    return { closed: !prevented };
  };
  return { window, hide, close };
}

describe('closing the window while the app lives in the tray', () => {
  it('hides the window instead of closing it, so the main process keeps its socket', () => {
    const { window, hide, close } = fakeWindow();
    hideOnClose(window, () => false);
    expect(close()).toEqual({ closed: false });
    expect(hide).toHaveBeenCalledTimes(1);
  });

  it('closes for real when the app quits', () => {
    const { window, hide, close } = fakeWindow();
    hideOnClose(window, () => true);
    expect(close()).toEqual({ closed: true });
    expect(hide).not.toHaveBeenCalled();
  });
});
