import { describe, expect, it, vi } from 'vitest';
import type { HandlerDetails, WindowOpenHandlerResponse } from 'electron';
import { isAppUrl } from './app-protocol.main';
import { guardNavigation, handleNavigation, handleWindowOpen } from './navigation.main';
import type { GuardedEvent, GuardableContents } from './navigation.main';

function policy() {
  return { isAppUrl, openExternal: vi.fn<(url: URL) => void>() };
}

function event() {
  return { preventDefault: vi.fn() };
}

describe('navigation guard', () => {
  it('lets the window move between our own pages', () => {
    const p = policy();
    const e = event();
    handleNavigation(p, e, 'app://chat/index.html#/conversations/1');
    expect(e.preventDefault).not.toHaveBeenCalled();
    expect(p.openExternal).not.toHaveBeenCalled();
  });

  it.each(['http://example.com/', 'https://example.com/page'])(
    'keeps the window and sends %s to the browser',
    (url) => {
      const p = policy();
      const e = event();
      handleNavigation(p, e, url);
      expect(e.preventDefault).toHaveBeenCalledOnce();
      expect(p.openExternal).toHaveBeenCalledWith(new URL(url));
    },
  );

  it.each([
    'javascript:alert(1)',
    'file:///etc/passwd',
    'data:text/html,<h1>phish</h1>',
    'app://other/index.html',
    'chrome://settings',
  ])('blocks %s and opens nothing', (url) => {
    const p = policy();
    const e = event();
    handleNavigation(p, e, url);
    expect(e.preventDefault).toHaveBeenCalledOnce();
    expect(p.openExternal).not.toHaveBeenCalled();
  });
});

describe('window.open handler', () => {
  it.each([
    ['http://example.com/', true],
    ['https://example.com/', true],
    ['javascript:alert(1)', false],
    ['file:///etc/passwd', false],
    ['data:text/html,hi', false],
    ['app://chat/index.html', false],
    ['about:blank', false],
  ])('denies a window for %s (browser: %s)', (url, external) => {
    const p = policy();
    expect(handleWindowOpen(p, { url })).toEqual({ action: 'deny' });
    expect(p.openExternal).toHaveBeenCalledTimes(external ? 1 : 0);
  });
});

describe('guardNavigation', () => {
  it('installs every guard on a web contents', () => {
    const listeners = new Map<string, (event: GuardedEvent, url: string) => void>();
    let openHandler: ((details: HandlerDetails) => WindowOpenHandlerResponse) | undefined;
    const contents: GuardableContents = {
      on(name: string, listener: (event: GuardedEvent, url: string) => void) {
        listeners.set(name, listener);
        return contents;
      },
      setWindowOpenHandler(handler) {
        openHandler = handler;
      },
    };
    const p = policy();
    guardNavigation(contents, p);
    expect([...listeners.keys()].sort()).toEqual([
      'will-attach-webview',
      'will-navigate',
      'will-redirect',
    ]);

    for (const name of ['will-navigate', 'will-redirect']) {
      const e = event();
      listeners.get(name)?.(e, 'https://evil.example/');
      expect(e.preventDefault).toHaveBeenCalledOnce();
    }
    const webview = event();
    listeners.get('will-attach-webview')?.(webview, '');
    expect(webview.preventDefault).toHaveBeenCalledOnce();
    expect(openHandler?.({ url: 'https://example.com/' } as HandlerDetails)).toEqual({
      action: 'deny',
    });
    expect(p.openExternal).toHaveBeenCalledTimes(3);
  });
});
