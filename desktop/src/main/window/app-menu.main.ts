import type { MenuItemConstructorOptions } from 'electron';

export interface AppMenuOptions {
  platform: NodeJS.Platform;
  appName: string;
  /** A packaged build: no DevTools or reload items. */
  packaged: boolean;
  openLogsFolder(): void;
}

/**
 * The application menu: Edit (undo, redo, cut, copy, paste, select all: without it the
 * keyboard shortcuts do nothing on macOS), View (zoom, full screen), Window and Help with
 * "Open logs folder". Built from Electron's roles, so labels and shortcuts follow the
 * platform and the system language.
 */
export function appMenuTemplate(options: AppMenuOptions): MenuItemConstructorOptions[] {
  const mac = options.platform === 'darwin';
  const development: MenuItemConstructorOptions[] = options.packaged
    ? []
    : [{ type: 'separator' }, { role: 'reload' }, { role: 'toggleDevTools' }];
  return [
    ...(mac ? [{ label: options.appName, role: 'appMenu' as const }] : []),
    { label: 'File', submenu: [mac ? { role: 'close' } : { role: 'quit' }] },
    {
      label: 'Edit',
      submenu: [
        { role: 'undo' },
        { role: 'redo' },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        ...(mac ? [{ role: 'pasteAndMatchStyle' as const }] : []),
        { role: 'delete' },
        { type: 'separator' },
        { role: 'selectAll' },
      ],
    },
    {
      label: 'View',
      submenu: [
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...development,
      ],
    },
    { label: 'Window', role: 'windowMenu' },
    {
      label: 'Help',
      role: 'help',
      submenu: [{ label: 'Open logs folder', click: () => options.openLogsFolder() }],
    },
  ];
}

/** What the context menu needs of Electron's `context-menu` event parameters. */
export interface ContextMenuParams {
  misspelledWord: string;
  dictionarySuggestions: string[];
  isEditable: boolean;
  selectionText: string;
}

/**
 * The page's context menu: spelling suggestions for a misspelled word (and "Add to
 * dictionary"), then cut/copy/paste as the spot allows. Empty when there is nothing to offer.
 */
export function contextMenuTemplate(
  params: ContextMenuParams,
  actions: { replaceMisspelling(word: string): void; addToDictionary(word: string): void },
): MenuItemConstructorOptions[] {
  const items: MenuItemConstructorOptions[] = [];
  if (params.misspelledWord !== '') {
    for (const suggestion of params.dictionarySuggestions.slice(0, 5)) {
      items.push({ label: suggestion, click: () => actions.replaceMisspelling(suggestion) });
    }
    if (params.dictionarySuggestions.length === 0) {
      items.push({ label: 'No suggestions', enabled: false });
    }
    items.push({
      label: 'Add to dictionary',
      click: () => actions.addToDictionary(params.misspelledWord),
    });
    items.push({ type: 'separator' });
  }
  if (params.isEditable) {
    items.push({ role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' });
  } else if (params.selectionText !== '') {
    items.push({ role: 'copy' });
  }
  return items;
}
