/**
 * The Electron main process: wires Electron's objects into the adapters of this folder
 * and the client core. Everything with a decision in it lives in a module with a small
 * interface and a test; this file only connects them.
 */
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { inspect } from 'node:util';
import {
  BrowserWindow,
  Menu,
  Notification,
  Tray,
  app,
  dialog,
  crashReporter,
  ipcMain,
  nativeImage,
  net,
  powerMonitor,
  protocol,
  safeStorage,
  screen,
  session,
  shell as electronShell,
} from 'electron';
import ElectronStore from 'electron-store';
import { createChatClient } from '../core/client';
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  createAppProtocolHandler,
  isAppUrl,
} from './security/app-protocol.main';
import { defaultServerUrl, entryUrlWithServer } from './system/default-server.main';
import { DEEP_LINK_SCHEME, createDeepLinkRouter, deepLinkInArgv } from './system/deep-link.main';
import { applyBadge } from './indicators/badge.main';
import { createBridgeHandlers } from './bridge/handlers.main';
import { watchConnectivity } from './system/connectivity.main';
import { createAttachmentSaver } from './system/downloads.main';
import { CONTENT_SECURITY_POLICY_HEADER } from './security/csp.main';
import { openExternalSafely } from './security/external-links.main';
import { isTrustedSender, registerBridgeIpc, relayEvent } from './bridge/ipc.main';
import type { KeyValueStore } from './storage/key-value-store.main';
import { guardNavigation, type NavigationPolicy } from './security/navigation.main';
import { createOutboxStorage } from '../core/storage/outbox.main';
import { installPermissionHandlers } from './security/permissions.main';
import { createSecretStore } from './storage/secret-store.main';
import { createSessionStorage } from '../core/storage/session.main';
import { createSettingsStore } from '../core/storage/settings';
import { electronSettingsStorage } from '../core/storage/settings.main';
import { createShell } from './bridge/shell.main';
import { createTrayController, trayIconFile } from './indicators/tray.main';
import { createRotatingLog, type RotatingLog } from './system/log-file.main';
import { createUpdateController } from './system/updater.main';
import {
  createLaunchAtLogin,
  electronLoginItem,
  xdgAutostart,
  xdgAutostartDir,
  type LoginItemPort,
} from './system/launch-at-login.main';
import { nodeUploadSender } from './system/upload.main';
import { hideOnClose } from './window/tray-close.main';
import { appMenuTemplate, contextMenuTemplate } from './window/app-menu.main';
import { buildWindowOptions } from './window/window.main';
import { loadWindowState, restoreWindowState, trackWindowState } from './window/window-state.main';

const APP_ID = 'com.example.chat';
const here = import.meta.dirname;
const preloadPath = path.join(here, '..', 'preload', 'index.cjs');
const rendererDir = path.join(here, '..', 'renderer');
// Icons: packaged under resources/icons (electron-builder extraResources), else the source.
const iconsDir = app.isPackaged
  ? path.join(process.resourcesPath, 'icons')
  : path.join(here, '..', '..', 'build');
const icon = (file: string): string => path.join(iconsDir, file);

/**
 * Where "start at login" is kept on this system; none in a development run, which would
 * register the bare Electron binary.
 */
function loginItemPort(): LoginItemPort | null {
  if (!app.isPackaged) return null;
  if (process.platform === 'darwin' || process.platform === 'win32') return electronLoginItem(app);
  if (process.platform !== 'linux') return null;
  return xdgAutostart({
    dir: xdgAutostartDir(process.env, app.getPath('home')),
    appId: APP_ID,
    name: app.getName(),
    // An AppImage runs from a temporary mount: the entry must start the image itself.
    executable: process.env.APPIMAGE ?? process.execPath,
    files: { readFile, writeFile, mkdir, rm },
  });
}

/** The log file in the app's log folder (Help > Open logs folder); set in main(). */
let logFile: RotatingLog | null = null;

const log = (message: string, error?: unknown): void => {
  console.error(`[chat] ${message}`, ...(error === undefined ? [] : [error]));
  const detail =
    error === undefined
      ? ''
      : ` ${error instanceof Error ? (error.stack ?? error.message) : inspect(error)}`;
  logFile?.write(`${new Date().toISOString()} ${message}${detail}`);
};

// Crash dumps are collected locally (the app's crashDumps folder) and uploaded only when a
// collection server is configured (CHAT_CRASH_REPORT_URL, https).
const crashReportUrl = process.env.CHAT_CRASH_REPORT_URL?.trim() ?? '';
crashReporter.start(
  crashReportUrl.startsWith('https://')
    ? { uploadToServer: true, submitURL: crashReportUrl, compress: true }
    : { uploadToServer: false },
);

// Must happen before `ready`: a standard, secure scheme gets a real origin (for CSP
// 'self' and the IPC sender check) and may load ES modules.
protocol.registerSchemesAsPrivileged([
  {
    scheme: APP_SCHEME,
    privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
  },
]);

// Installers register chat:// (electron-builder.yml `protocols`); registering again here
// keeps it pointing at this copy after a move or an update. Not in development, where it
// would hand the scheme to a bare Electron binary.
if (app.isPackaged && !app.isDefaultProtocolClient(DEEP_LINK_SCHEME)) {
  app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME);
}

if (!app.requestSingleInstanceLock()) {
  // Another instance owns the profile; it gets `second-instance` and shows its window.
  app.quit();
} else {
  main();
}

function main(): void {
  logFile = createRotatingLog({ dir: app.getPath('logs') });
  logFile.write(`${new Date().toISOString()} started ${app.getName()} ${app.getVersion()}`);
  let window: BrowserWindow | null = null;
  let tray: Tray | null = null;
  // Set once the app is ready: the store and `screen` are not usable before.
  let windowStateStore: KeyValueStore | null = null;
  let quitting = false;

  const showWindow = (): void => {
    if (!window || window.isDestroyed()) {
      window = createWindow();
      return;
    }
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  };

  const openExternal = (url: string): Promise<boolean> => openExternalSafely(electronShell, url);

  const navigationPolicy: NavigationPolicy = {
    isAppUrl,
    openExternal: (url) => {
      openExternal(url.href).catch((error: unknown) => log('could not open a link', error));
    },
  };

  // chat:// links: held until the window's page has loaded, then shown.
  const deepLinks = createDeepLinkRouter({
    openConversation: (conversationId) => shellController?.openConversation(conversationId),
    log: (message) => log(message),
  });
  // macOS hands links over as open-url, possibly before `ready`: listen from the start.
  app.on('open-url', (event, url) => {
    event.preventDefault();
    deepLinks.handle(url);
  });
  // Windows and Linux: on first launch the link is an argument...
  const launchLink = deepLinkInArgv(process.argv);
  if (launchLink !== null) deepLinks.handle(launchLink);

  // Every web contents, now or later, gets the same navigation policy.
  app.on('web-contents-created', (_event, contents) => guardNavigation(contents, navigationPolicy));
  // ...and on a later launch the second instance passes its arguments here, then quits.
  app.on('second-instance', (_event, argv) => {
    showWindow();
    const link = deepLinkInArgv(argv);
    if (link !== null) deepLinks.handle(link);
  });
  app.on('before-quit', () => {
    quitting = true;
  });
  // Closing the last window keeps the app in the tray; Quit (menu, tray, Cmd+Q) quits.
  app.on('window-all-closed', () => undefined);
  app.on('activate', showWindow);
  if (process.platform === 'win32') app.setAppUserModelId(APP_ID);

  function createWindow(): BrowserWindow {
    const restored =
      windowStateStore === null
        ? null
        : restoreWindowState(loadWindowState(windowStateStore), {
            workAreas: screen.getAllDisplays().map((display) => display.workArea),
            primaryWorkArea: screen.getPrimaryDisplay().workArea,
          });
    const created = new BrowserWindow(
      buildWindowOptions({
        preloadPath,
        iconPath: icon('icon-512.png'),
        packaged: app.isPackaged,
        ...(restored ? { bounds: restored.bounds } : {}),
      }),
    );
    created.once('ready-to-show', () => {
      // Not earlier: maximize() also shows the window, which before the first paint
      // would flash an empty window and skip `ready-to-show`.
      if (restored?.maximized) created.maximize();
      created.show();
    });
    if (windowStateStore !== null) trackWindowState(created, windowStateStore);
    hideOnClose(created, () => quitting);
    created.on('focus', () => shellController?.refresh());
    // Spelling suggestions and the edit actions on right click.
    created.webContents.on('context-menu', (_event, params) => {
      const items = contextMenuTemplate(params, {
        replaceMisspelling: (word) => created.webContents.replaceMisspelling(word),
        addToDictionary: (word) =>
          created.webContents.session.addWordToSpellCheckerDictionary(word),
      });
      if (items.length > 0) Menu.buildFromTemplate(items).popup({ window: created });
    });
    created
      .loadURL(entryUrlWithServer(APP_ENTRY_URL, defaultServerUrl(process.env)))
      .catch((error: unknown) => log('could not load the UI', error));
    return created;
  }

  let shellController: ReturnType<typeof createShell> | null = null;

  app
    .whenReady()
    .then(async () => {
      protocol.handle(
        APP_SCHEME,
        createAppProtocolHandler({
          rootDir: rendererDir,
          readFile: (file) => readFile(file),
          headers: { 'Content-Security-Policy': CONTENT_SECURITY_POLICY_HEADER },
        }),
      );
      installPermissionHandlers(session.defaultSession, isAppUrl);
      Menu.setApplicationMenu(
        Menu.buildFromTemplate(
          appMenuTemplate({
            platform: process.platform,
            appName: app.getName(),
            packaged: app.isPackaged,
            openLogsFolder: () => {
              electronShell.openPath(app.getPath('logs')).then(
                (problem) => {
                  if (problem !== '') log(`could not open the logs folder: ${problem}`);
                },
                (error: unknown) => log('could not open the logs folder', error),
              );
            },
          }),
        ),
      );

      const store = new ElectronStore({ name: 'chat' }) as unknown as KeyValueStore;
      windowStateStore = store;
      const secrets = createSecretStore({
        safeStorage,
        store,
        key: 'session.encrypted',
        platform: process.platform,
      });
      const settings = createSettingsStore(electronSettingsStorage(store));
      const client = createChatClient({
        sessionStorage: createSessionStorage(secrets),
        outboxStorage: createOutboxStorage(store, (message) => log(message)),
        // Progress while the body goes out, and a cancel that stops the request.
        sendUpload: nodeUploadSender,
      });

      const trayController = (() => {
        tray = new Tray(icon(trayIconFile(process.platform, 0)));
        return createTrayController({
          tray,
          platform: process.platform,
          buildMenu: (template) => Menu.buildFromTemplate(template),
          iconPath: icon,
          actions: {
            open: showWindow,
            setDoNotDisturb: (enabled) => shellController?.setDoNotDisturb(enabled),
            signOut: () => {
              // From the tray there is no page to ask in: unsent messages stay with their
              // account, sent only once the same person signs in again.
              client
                .signOut({ unsent: 'keep' })
                .catch((error: unknown) => log('sign-out failed', error));
            },
            quit: () => app.quit(),
          },
        });
      })();

      const controller = createShell({
        settings,
        sessionPersistence: () => secrets.persistence(),
        windowFocused: () => window?.isFocused() === true,
        showWindow,
        toRenderer: (event) => relayEvent(window?.webContents ?? null, event),
        notifications: {
          isSupported: () => Notification.isSupported(),
          create: (content) => new Notification({ ...content, icon: icon('icon-512.png') }),
        },
        updateTray: (state) => trayController.update(state),
        updateBadge: (unread) =>
          applyBadge(
            {
              platform: process.platform,
              setBadgeCount: (count) => app.setBadgeCount(count),
              setOverlayIcon: (iconPath, description) =>
                window?.setOverlayIcon(
                  iconPath === null ? null : nativeImage.createFromPath(iconPath),
                  description,
                ),
              overlayIconPath: icon('badge-overlay.png'),
            },
            unread,
          ),
        openExternal,
        setNotificationLevel: (conversationId, level) =>
          client.setNotificationLevel({ conversationId, level }),
      });
      shellController = controller;

      // Downloads: the save dialog here, the bytes fetched by the core with the session.
      const saveAttachment = createAttachmentSaver({
        chooseFile: async (defaultName) => {
          const options = { defaultPath: path.join(app.getPath('downloads'), defaultName) };
          const chosen = window
            ? await dialog.showSaveDialog(window, options)
            : await dialog.showSaveDialog(options);
          return chosen.canceled || chosen.filePath === '' ? null : chosen.filePath;
        },
        fetchBytes: (attachmentId) => client.attachmentBytes({ attachmentId, thumbnail: false }),
        writeFile: (file, bytes) => writeFile(file, bytes),
      });
      const launchAtLogin = createLaunchAtLogin({ port: loginItemPort(), store, log });
      const updates = createUpdateController({
        isPackaged: app.isPackaged,
        // electron-builder writes it only when the build had a feed (electron-builder.config.ts).
        hasFeed: () =>
          access(path.join(process.resourcesPath, 'app-update.yml')).then(
            () => true,
            () => false,
          ),
        loadUpdater: async () => (await import('electron-updater')).default.autoUpdater,
        onState: (update) => relayEvent(window?.webContents ?? null, { type: 'update', update }),
        log,
      });
      registerBridgeIpc(
        ipcMain,
        createBridgeHandlers(client, controller.services, saveAttachment, {
          version: app.getVersion(),
          launchAtLogin,
          updates,
        }),
        {
          isTrustedSender: (frame) =>
            isTrustedSender(frame, window?.webContents.mainFrame ?? null, isAppUrl),
          onHandlerError: (method, error) => log(`bridge call ${method} failed`, error),
        },
      );
      client.onEvent((event) => {
        controller.onCoreEvent(event);
        relayEvent(window?.webContents ?? null, event);
      });

      window = createWindow();
      controller.refresh();
      const contents = window.webContents;
      if (contents.isLoading()) contents.once('did-finish-load', () => deepLinks.ready());
      else deepLinks.ready();

      watchConnectivity({
        powerMonitor,
        isOnline: () => net.isOnline(),
        catchUp: (reason) => {
          client.catchUp().then(
            (result) => {
              if (!result.ok && result.error.code !== 'not_signed_in') {
                log(`catch-up after ${reason} failed: ${result.error.message}`);
              }
            },
            (error: unknown) => log('catch-up failed', error),
          );
        },
      });

      app.on('will-quit', () => client.close());

      const restored = await client.start();
      if (restored === null) {
        const persistence = await secrets.persistence();
        if (!persistence.persistent) log(persistence.message);
      }

      await launchAtLogin.restore();
      await updates.start();
      const update = updates.state();
      logFile?.write(
        `${new Date().toISOString()} ready; updates: ${update.status}${
          update.status === 'not-configured' ? ` (${update.reason})` : ''
        }`,
      );
    })
    .catch((error: unknown) => {
      log('start-up failed', error);
      app.exit(1);
    });
}
