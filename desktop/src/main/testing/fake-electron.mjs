// A recording stand-in for the 'electron' module, so the built main bundle can be started
// under plain Node (no Electron binary here). It records what the entry does with
// Electron's APIs, then writes the record to CHAT_FAKE_ELECTRON_REPORT and exits.
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { setTimeout } from 'node:timers';

const calls = [];
const record = (name, ...args) =>
  calls.push({ name, args: JSON.parse(JSON.stringify(args ?? null) ?? 'null') });
const noop = () => undefined;
/** The app's event listeners, so a test can play a later event (second-instance, open-url). */
const listeners = new Map();

class FakeWebContents {
  mainFrame = { url: 'app://chat/index.html', parent: null, processId: 1, routingId: 1 };
  on = noop;
  once = noop;
  send = (channel, payload) => record('webContents.send', channel, payload);
  isLoading = () => false;
  isDestroyed = () => false;
  setWindowOpenHandler = noop;
}

export class BrowserWindow {
  constructor(options) {
    record('BrowserWindow', options);
    this.webContents = new FakeWebContents();
  }
  on = (event) => record('window.on', event);
  once = noop;
  loadURL(url) {
    record('loadURL', url);
    return Promise.resolve();
  }
  isDestroyed = () => false;
  isFocused = () => false;
  isMinimized = () => false;
  show = noop;
  focus = noop;
  restore = noop;
  hide = noop;
  maximize = noop;
  isMaximized = () => false;
  getNormalBounds = () => ({ x: 0, y: 0, width: 1100, height: 720 });
  setOverlayIcon = noop;
}

export class Tray {
  constructor(image) {
    record('Tray', image);
  }
  setContextMenu = (menu) => record('tray.setContextMenu', menu);
  setToolTip = (text) => record('tray.setToolTip', text);
  setImage = (image) => record('tray.setImage', image);
  setTitle = noop;
  on = noop;
}

export class Notification {
  static isSupported = () => true;
  on = noop;
  show = noop;
  close = noop;
}

// An installed copy's resources folder (the packaged run of the build test), as Electron sets it.
if (process.env.CHAT_FAKE_ELECTRON_RESOURCES) {
  process.resourcesPath = process.env.CHAT_FAKE_ELECTRON_RESOURCES;
}

export const app = {
  isPackaged: process.env.CHAT_FAKE_ELECTRON_PACKAGED === '1',
  requestSingleInstanceLock: () => {
    record('requestSingleInstanceLock');
    return true;
  },
  on: (event, listener) => {
    record('app.on', event);
    listeners.set(event, listener);
  },
  whenReady: () => Promise.resolve(),
  isDefaultProtocolClient: () => false,
  setAsDefaultProtocolClient: (scheme) => record('app.setAsDefaultProtocolClient', scheme),
  getPath: () => process.env.CHAT_FAKE_ELECTRON_USER_DATA ?? tmpdir(),
  getVersion: () => '0.0.0-test',
  getLoginItemSettings: () => ({ openAtLogin: false }),
  setLoginItemSettings: (settings) => record('app.setLoginItemSettings', settings),
  getName: () => 'chat-test',
  setAppUserModelId: noop,
  setBadgeCount: (count) => record('app.setBadgeCount', count),
  quit: noop,
  exit: (code) => record('app.exit', code),
};
export const ipcMain = {
  handle: (channel) => record('ipcMain.handle', channel),
  on: noop,
  removeHandler: noop,
};
export const Menu = {
  buildFromTemplate: (template) => template.map((item) => item.label ?? item.role ?? item.type),
  setApplicationMenu: (menu) => record('Menu.setApplicationMenu', menu),
};
export const crashReporter = { start: (options) => record('crashReporter.start', options) };
export const nativeImage = { createFromPath: (p) => p };
export const net = { isOnline: () => true };
export const powerMonitor = {
  on: (event) => record('powerMonitor.on', event),
  removeListener: noop,
};
export const protocol = {
  registerSchemesAsPrivileged: (schemes) => record('protocol.registerSchemesAsPrivileged', schemes),
  handle: (scheme) => record('protocol.handle', scheme),
};
export const safeStorage = {
  isAsyncEncryptionAvailable: () => Promise.resolve(false),
  encryptStringAsync: () => Promise.reject(new Error('not available')),
  decryptStringAsync: () => Promise.reject(new Error('not available')),
  getSelectedStorageBackend: () => 'basic_text',
};
// One 1920×1080 display with a 40 px taskbar.
const display = { id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1040 } };
export const screen = {
  getAllDisplays: () => [display],
  getPrimaryDisplay: () => display,
};
export const session = {
  defaultSession: {
    setPermissionRequestHandler: () => record('setPermissionRequestHandler'),
    setPermissionCheckHandler: () => record('setPermissionCheckHandler'),
  },
};
export const shell = { openExternal: () => Promise.resolve(), openPath: () => Promise.resolve('') };
/** The save dialog: answers a path in the fake user data folder (or cancels when told). */
export const dialog = {
  showSaveDialog: (...args) => {
    const options = args.at(-1) ?? {};
    record('dialog.showSaveDialog', options.defaultPath ?? null);
    return Promise.resolve(
      process.env.CHAT_FAKE_ELECTRON_SAVE_CANCEL === '1'
        ? { canceled: true, filePath: '' }
        : { canceled: false, filePath: options.defaultPath ?? '' },
    );
  },
};

export default {
  app,
  BrowserWindow,
  dialog,
  crashReporter,
  ipcMain,
  Menu,
  nativeImage,
  net,
  Notification,
  powerMonitor,
  protocol,
  safeStorage,
  screen,
  session,
  shell,
  Tray,
};

// A second launch (its argv) and a macOS open-url, a moment after start.
setTimeout(() => {
  if (process.env.CHAT_FAKE_ELECTRON_SECOND_ARGV) {
    listeners.get('second-instance')?.({}, JSON.parse(process.env.CHAT_FAKE_ELECTRON_SECOND_ARGV));
  }
  if (process.env.CHAT_FAKE_ELECTRON_OPEN_URL) {
    listeners.get('open-url')?.({ preventDefault: noop }, process.env.CHAT_FAKE_ELECTRON_OPEN_URL);
  }
}, 600);

const finish = () => {
  writeFileSync(process.env.CHAT_FAKE_ELECTRON_REPORT, JSON.stringify(calls));
  process.exit(0);
};

// Either when the app's log says it is ready (CHAT_FAKE_ELECTRON_EXIT_ON_READY=1; at most
// 15 s), or after a fixed run.
if (process.env.CHAT_FAKE_ELECTRON_EXIT_ON_READY === '1') {
  const log = path.join(process.env.CHAT_FAKE_ELECTRON_USER_DATA ?? tmpdir(), 'main.log');
  const deadline = Date.now() + 15_000;
  const poll = () => {
    let text = '';
    try {
      text = readFileSync(log, 'utf8');
    } catch {
      // Not written yet.
    }
    if (/ ready; /.test(text) || Date.now() > deadline) finish();
    else setTimeout(poll, 25);
  };
  poll();
} else {
  setTimeout(finish, Number(process.env.CHAT_FAKE_ELECTRON_RUN_MS ?? 1500));
}
