import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { applyBadge } from './badge.main';
import {
  createTrayController,
  trayIconFile,
  trayMenuTemplate,
  trayTooltip,
  type TrayActions,
  type TrayLike,
} from './tray.main';
import { createUnreadCounter, formatUnread } from './unread.main';

function actions() {
  return {
    open: vi.fn<() => void>(),
    setDoNotDisturb: vi.fn<(enabled: boolean) => void>(),
    signOut: vi.fn<() => void>(),
    quit: vi.fn<() => void>(),
  } satisfies TrayActions;
}

function item(menu: MenuItemConstructorOptions[], id: string): MenuItemConstructorOptions {
  const found = menu.find((entry) => entry.id === id);
  if (!found) throw new Error(`no menu item ${id}`);
  return found;
}

function click(entry: MenuItemConstructorOptions): void {
  (entry.click as () => void)();
}

describe('tray menu', () => {
  it('has Open, Do not disturb, Sign out and Quit', () => {
    const menu = trayMenuTemplate({ unread: 0, doNotDisturb: false, signedIn: true }, actions());
    expect(menu.filter((e) => e.type !== 'separator').map((e) => e.label)).toEqual([
      'Open Chat',
      'Do not disturb',
      'Sign out',
      'Quit Chat',
    ]);
    expect(item(menu, 'dnd')).toMatchObject({ type: 'checkbox', checked: false });
  });

  it('shows the unread count on Open', () => {
    const menu = trayMenuTemplate({ unread: 120, doNotDisturb: false, signedIn: true }, actions());
    expect(item(menu, 'open').label).toBe('Open Chat (99+ unread)');
  });

  it('toggles do-not-disturb both ways', () => {
    const a = actions();
    click(item(trayMenuTemplate({ unread: 0, doNotDisturb: false, signedIn: true }, a), 'dnd'));
    click(item(trayMenuTemplate({ unread: 0, doNotDisturb: true, signedIn: true }, a), 'dnd'));
    expect(a.setDoNotDisturb.mock.calls).toEqual([[true], [false]]);
  });

  it('signs out, opens and quits through the actions', () => {
    const a = actions();
    const menu = trayMenuTemplate({ unread: 0, doNotDisturb: false, signedIn: true }, a);
    click(item(menu, 'sign-out'));
    click(item(menu, 'open'));
    click(item(menu, 'quit'));
    expect(a.signOut).toHaveBeenCalledOnce();
    expect(a.open).toHaveBeenCalledOnce();
    expect(a.quit).toHaveBeenCalledOnce();
  });

  it('disables Sign out when nobody is signed in', () => {
    const menu = trayMenuTemplate({ unread: 0, doNotDisturb: false, signedIn: false }, actions());
    expect(item(menu, 'sign-out').enabled).toBe(false);
  });

  it('says the count and do-not-disturb in the tooltip', () => {
    expect(trayTooltip({ unread: 3, doNotDisturb: true, signedIn: true })).toBe(
      'Chat — 3 unread — do not disturb',
    );
    expect(trayTooltip({ unread: 0, doNotDisturb: false, signedIn: true })).toBe('Chat');
  });

  it('uses template images on macOS and a dot when unread elsewhere', () => {
    expect(trayIconFile('darwin', 0)).toBe('trayTemplate.png');
    expect(trayIconFile('darwin', 2)).toBe('trayUnreadTemplate.png');
    expect(trayIconFile('win32', 2)).toBe('tray-unread-16.png');
    expect(trayIconFile('linux', 0)).toBe('tray-32.png');
  });
});

describe('tray controller', () => {
  function fakeTray() {
    const calls: Record<string, unknown[]> = { menu: [], tooltip: [], image: [], title: [] };
    const clicks: (() => void)[] = [];
    const tray: TrayLike = {
      setContextMenu: (menu) => calls.menu?.push(menu),
      setToolTip: (text) => calls.tooltip?.push(text),
      setImage: (image) => calls.image?.push(image),
      setTitle: (title) => calls.title?.push(title),
      on: (_event, listener) => clicks.push(listener),
    };
    return { tray, calls, clicks };
  }

  it('updates menu, tooltip, icon and (macOS) the count beside the icon', () => {
    const { tray, calls } = fakeTray();
    const controller = createTrayController({
      tray,
      platform: 'darwin',
      buildMenu: (template) => template.map((e) => e.label),
      iconPath: (file) => `/res/${file}`,
      actions: actions(),
    });
    controller.update({ unread: 5, doNotDisturb: false, signedIn: true });
    controller.update({ unread: 6, doNotDisturb: false, signedIn: true });
    expect(calls.title).toEqual(['5', '6']);
    expect(calls.image).toEqual(['/res/trayUnreadTemplate.png']);
    expect(calls.tooltip).toEqual(['Chat — 5 unread', 'Chat — 6 unread']);
    expect(calls.menu).toHaveLength(2);
  });

  it('opens the window on a tray click outside macOS', () => {
    const { tray, clicks } = fakeTray();
    const a = actions();
    createTrayController({
      tray,
      platform: 'win32',
      buildMenu: () => null,
      iconPath: (f) => f,
      actions: a,
    });
    clicks.forEach((c) => c());
    expect(a.open).toHaveBeenCalledOnce();
  });
});

describe('unread count and badge', () => {
  it('sums unread messages, muted conversations excluded', () => {
    const muted = new Set(['c3']);
    const counter = createUnreadCounter((id) => muted.has(id));
    counter.update({ id: 'c1', unreadCount: 2 });
    counter.update({ id: 'c2', unreadCount: 5 });
    counter.update({ id: 'c3', unreadCount: 7 });
    counter.update({ id: 'c1', unreadCount: 0 });
    expect(counter.total()).toBe(5);
    muted.delete('c3');
    expect(counter.total()).toBe(12);
    counter.clear();
    expect(counter.total()).toBe(0);
  });

  it('formats like a chat badge', () => {
    expect(formatUnread(0)).toBe('');
    expect(formatUnread(7)).toBe('7');
    expect(formatUnread(100)).toBe('99+');
  });

  it('sets the dock badge on macOS/Linux and an overlay icon on Windows', () => {
    const setBadgeCount = vi.fn();
    const setOverlayIcon = vi.fn();
    const targets = { setBadgeCount, setOverlayIcon, overlayIconPath: '/res/badge.png' };
    applyBadge({ ...targets, platform: 'darwin' }, 4);
    expect(setBadgeCount).toHaveBeenLastCalledWith(4);
    applyBadge({ ...targets, platform: 'win32' }, 4);
    expect(setOverlayIcon).toHaveBeenLastCalledWith('/res/badge.png', '4 unread messages');
    applyBadge({ ...targets, platform: 'win32' }, 0);
    expect(setOverlayIcon).toHaveBeenLastCalledWith(null, '');
    expect(setBadgeCount).toHaveBeenCalledTimes(1);
  });
});
