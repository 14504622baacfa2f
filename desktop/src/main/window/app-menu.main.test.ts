import { describe, expect, it, vi } from 'vitest';
import { appMenuTemplate, contextMenuTemplate } from './app-menu.main';

const roles = (items: { role?: string; type?: string }[] | undefined) =>
  (items ?? []).map((item) => item.role ?? item.type);

describe('the application menu', () => {
  it('has Edit, View (zoom), Window and Help with "Open logs folder"', () => {
    const openLogsFolder = vi.fn();
    const menu = appMenuTemplate({
      platform: 'linux',
      appName: 'Chat',
      packaged: true,
      openLogsFolder,
    });
    expect(menu.map((item) => item.label)).toEqual(['File', 'Edit', 'View', 'Window', 'Help']);
    const submenu = (label: string) =>
      menu.find((item) => item.label === label)?.submenu as { role?: string; type?: string }[];
    expect(roles(submenu('Edit'))).toEqual([
      'undo',
      'redo',
      'separator',
      'cut',
      'copy',
      'paste',
      'delete',
      'separator',
      'selectAll',
    ]);
    expect(roles(submenu('View'))).toEqual([
      'resetZoom',
      'zoomIn',
      'zoomOut',
      'separator',
      'togglefullscreen',
    ]);
    const help = submenu('Help') as { label?: string; click?: () => void }[];
    expect(help.map((item) => item.label)).toEqual(['Open logs folder']);
    help[0]?.click?.();
    expect(openLogsFolder).toHaveBeenCalledOnce();
  });

  it('offers DevTools and reload only in development, and the app menu only on macOS', () => {
    const dev = appMenuTemplate({
      platform: 'darwin',
      appName: 'Chat',
      packaged: false,
      openLogsFolder: vi.fn(),
    });
    expect(dev[0]).toMatchObject({ role: 'appMenu', label: 'Chat' });
    const view = dev.find((item) => item.label === 'View')?.submenu as { role?: string }[];
    expect(roles(view)).toContain('toggleDevTools');
    const packaged = appMenuTemplate({
      platform: 'darwin',
      appName: 'Chat',
      packaged: true,
      openLogsFolder: vi.fn(),
    });
    expect(JSON.stringify(packaged)).not.toContain('toggleDevTools');
  });
});

describe('the context menu', () => {
  const actions = () => ({ replaceMisspelling: vi.fn(), addToDictionary: vi.fn() });

  it('suggests spellings for a misspelled word, then the edit actions', () => {
    const a = actions();
    const items = contextMenuTemplate(
      {
        misspelledWord: 'helo',
        dictionarySuggestions: ['hello', 'help'],
        isEditable: true,
        selectionText: '',
      },
      a,
    );
    expect(items.map((item) => item.label ?? item.role ?? item.type)).toEqual([
      'hello',
      'help',
      'Add to dictionary',
      'separator',
      'cut',
      'copy',
      'paste',
      'selectAll',
    ]);
    (items[0]?.click as (() => void) | undefined)?.();
    expect(a.replaceMisspelling).toHaveBeenCalledWith('hello');
    (items[2]?.click as (() => void) | undefined)?.();
    expect(a.addToDictionary).toHaveBeenCalledWith('helo');
  });

  it('offers copy for selected text in a message, and nothing where there is nothing to do', () => {
    expect(
      contextMenuTemplate(
        { misspelledWord: '', dictionarySuggestions: [], isEditable: false, selectionText: 'hi' },
        actions(),
      ).map((item) => item.role),
    ).toEqual(['copy']);
    expect(
      contextMenuTemplate(
        { misspelledWord: '', dictionarySuggestions: [], isEditable: false, selectionText: '' },
        actions(),
      ),
    ).toEqual([]);
  });
});
