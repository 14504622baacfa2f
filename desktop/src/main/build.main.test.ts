/**
 * The desktop build (`npm run build:desktop`) produces the bundles Electron and
 * electron-builder expect. Built into a temp folder with the real Vite configs, so it
 * neither depends on nor disturbs desktop/dist.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IPC_CHANNELS } from '../shared/bridge/methods';
import { CONTENT_SECURITY_POLICY } from './security/csp.main';

const desktopDir = path.resolve(import.meta.dirname, '..', '..');
const repoRoot = path.resolve(desktopDir, '..');
const hasRenderer = existsSync(path.join(desktopDir, 'src', 'renderer', 'index.html'));
const out = mkdtempSync(path.join(tmpdir(), 'chat-desktop-build-'));

async function viteBuild(config: string, outDir: string, mode?: string): Promise<void> {
  await build({
    configFile: path.join(desktopDir, config),
    ...(mode ? { mode } : {}),
    logLevel: 'silent',
    build: { outDir: path.join(out, outDir), emptyOutDir: true },
  });
}

beforeAll(async () => {
  await viteBuild('vite.main.config.ts', 'main');
  await viteBuild('vite.preload.config.ts', 'preload');
  if (hasRenderer) {
    await viteBuild('vite.renderer.config.ts', 'renderer');
    await viteBuild('vite.renderer.config.ts', 'web', 'web');
  }
}, 240_000);

afterAll(() => {
  rmSync(out, { recursive: true, force: true });
});

/** Bare module specifiers a bundle still imports/requires at run time. */
function runtimeImports(code: string): Set<string> {
  const found = new Set<string>();
  const patterns = [
    /^\s*import\s[^'"]*?from\s*["']([^"']+)["']/gm,
    /^\s*import\s*["']([^"']+)["']/gm,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
    /\brequire\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const match of code.matchAll(pattern)) if (match[1]) found.add(match[1]);
  }
  return found;
}

const builtins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);

describe('desktop build', () => {
  it('bundles the main process as ESM that needs only Electron, its two libraries and Node', () => {
    const file = path.join(out, 'main', 'index.js');
    const code = readFileSync(file, 'utf8');
    const external = [...runtimeImports(code)].filter((name) => !builtins.has(name));
    expect(external.sort()).toEqual(['electron', 'electron-store', 'electron-updater']);
    // Those are what electron-builder must ship: production dependencies of the app, and
    // nothing else (what the bundles already contain would be packaged a second time).
    const pkg = JSON.parse(readFileSync(path.join(desktopDir, 'package.json'), 'utf8')) as {
      main: string;
      dependencies: Record<string, string>;
    };
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['electron-store', 'electron-updater']);
    expect(pkg.main).toBe('dist/main/index.js');
    // Valid syntax for Node's ESM loader (it cannot run here: Electron is absent).
    execFileSync(process.execPath, ['--check', file]);
  });

  it('starts the built main process: secure window where it was left, app protocol, every IPC channel, tray', () => {
    // The bundle runs under Node with a recording stand-in for 'electron' (no binary here),
    // which catches wiring mistakes the unit tests of each module cannot.
    const report = path.join(out, 'fake-electron-report.json');
    const userData = mkdtempSync(path.join(out, 'user-data-'));
    // What the previous run's electron-store left behind.
    writeFileSync(
      path.join(userData, 'chat.json'),
      JSON.stringify({
        windowState: { x: 200, y: 100, width: 900, height: 650, maximized: false },
      }),
    );
    const result = spawnSync(
      process.execPath,
      [
        '--import',
        path.join(import.meta.dirname, 'testing', 'register-fake-electron.mjs'),
        path.join(out, 'main', 'index.js'),
      ],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          CHAT_FAKE_ELECTRON_REPORT: report,
          CHAT_FAKE_ELECTRON_USER_DATA: userData,
          PORT: '4123',
          CHAT_SERVER_URL: '',
        },
        timeout: 20_000,
      },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('start-up failed');
    const calls = JSON.parse(readFileSync(report, 'utf8')) as { name: string; args: unknown[] }[];
    const args = (name: string) => calls.filter((c) => c.name === name).map((c) => c.args);

    expect(args('protocol.registerSchemesAsPrivileged')).toMatchObject([
      [[{ scheme: 'app', privileges: { standard: true, secure: true } }]],
    ]);
    expect(args('requestSingleInstanceLock')).toHaveLength(1);
    expect(args('app.on').flat()).toEqual(
      expect.arrayContaining(['web-contents-created', 'second-instance', 'window-all-closed']),
    );
    expect(args('protocol.handle')).toEqual([['app']]);
    expect(args('setPermissionRequestHandler')).toHaveLength(1);
    expect(args('setPermissionCheckHandler')).toHaveLength(1);
    expect(args('ipcMain.handle').flat().sort()).toEqual(Object.values(IPC_CHANNELS.invoke).sort());
    const [windowOptions] = args('BrowserWindow')[0] ?? [];
    expect(windowOptions).toMatchObject({
      x: 200,
      y: 100,
      width: 900,
      height: 650,
      webPreferences: {
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        preload: path.join(out, 'preload', 'index.cjs'),
      },
    });
    expect(args('loadURL')).toEqual([
      ['app://chat/index.html?server=http%3A%2F%2F127.0.0.1%3A4123'],
    ]);
    expect(args('window.on').flat()).toEqual(
      expect.arrayContaining(['resize', 'move', 'maximize', 'unmaximize', 'close']),
    );
    expect(args('tray.setContextMenu')[0]).toEqual([
      ['Open Chat', 'separator', 'Do not disturb', 'Sign out', 'separator', 'Quit Chat'],
    ]);
    expect(args('powerMonitor.on').flat()).toContain('resume');
    // Crash dumps stay on the machine unless a collection server is configured.
    expect(args('crashReporter.start')).toEqual([[{ uploadToServer: false }]]);
    expect(args('Menu.setApplicationMenu')).toEqual([[['File', 'Edit', 'View', 'Window', 'Help']]]);
    // The log file in the app's log folder (the fake's getPath: the user-data folder).
    expect(readFileSync(path.join(userData, 'main.log'), 'utf8')).toMatch(
      /started chat-test 0\.0\.0-test/,
    );
    expect(args('app.exit')).toEqual([]);
  });

  it('opens chat://conversation/ID links from the first launch, a second launch and open-url; ignores malformed ones with a log line', () => {
    const report = path.join(out, 'fake-electron-deep-links.json');
    const userData = mkdtempSync(path.join(out, 'user-data-'));
    const result = spawnSync(
      process.execPath,
      [
        '--import',
        path.join(import.meta.dirname, 'testing', 'register-fake-electron.mjs'),
        path.join(out, 'main', 'index.js'),
        'chat://conversation/first-launch',
      ],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          CHAT_FAKE_ELECTRON_REPORT: report,
          CHAT_FAKE_ELECTRON_USER_DATA: userData,
          CHAT_FAKE_ELECTRON_SECOND_ARGV: JSON.stringify([
            '/opt/Chat/chat',
            'chat://conversation/second-launch',
          ]),
          CHAT_FAKE_ELECTRON_OPEN_URL: 'chat://conversation/<bad>',
        },
        timeout: 20_000,
      },
    );
    expect(result.status, result.stderr).toBe(0);
    const calls = JSON.parse(readFileSync(report, 'utf8')) as { name: string; args: unknown[] }[];
    const opened = calls
      .filter((c) => c.name === 'webContents.send' && c.args[0] === IPC_CHANNELS.event)
      .map((c) => c.args[1] as { type: string; conversationId?: string })
      .filter((event) => event.type === 'open-conversation')
      .map((event) => event.conversationId);
    expect(opened).toEqual(['first-launch', 'second-launch']);
    expect(calls.filter((c) => c.name === 'app.on').map((c) => c.args[0])).toContain('open-url');
    expect(result.stderr).toContain('[chat] ignored a chat: link (malformed id)');
    expect(readFileSync(path.join(userData, 'main.log'), 'utf8')).toContain(
      'ignored a chat: link (malformed id)',
    );
    // Development runs leave the scheme's registration to the installers.
    expect(calls.some((c) => c.name === 'app.setAsDefaultProtocolClient')).toBe(false);
  });

  it.runIf(process.platform === 'linux')(
    'an installed copy without a feed never loads the updater, and renews the start-at-login entry for the running AppImage',
    () => {
      const report = path.join(out, 'fake-electron-packaged.json');
      const userData = mkdtempSync(path.join(out, 'user-data-'));
      const resources = mkdtempSync(path.join(out, 'resources-'));
      const configHome = mkdtempSync(path.join(out, 'config-home-'));
      const autostart = path.join(configHome, 'autostart', 'com.example.chat.desktop');
      // The user turned it on in an earlier run of the image from another folder.
      writeFileSync(path.join(userData, 'chat.json'), JSON.stringify({ launchAtLogin: true }));
      mkdirSync(path.dirname(autostart));
      writeFileSync(autostart, '[Desktop Entry]\nType=Application\nExec="/old/Chat.AppImage"\n');
      const result = spawnSync(
        process.execPath,
        [
          '--import',
          path.join(import.meta.dirname, 'testing', 'register-fake-electron.mjs'),
          path.join(out, 'main', 'index.js'),
        ],
        {
          encoding: 'utf8',
          env: {
            ...process.env,
            CHAT_FAKE_ELECTRON_REPORT: report,
            CHAT_FAKE_ELECTRON_USER_DATA: userData,
            CHAT_FAKE_ELECTRON_PACKAGED: '1',
            CHAT_FAKE_ELECTRON_EXIT_ON_READY: '1',
            CHAT_FAKE_ELECTRON_RESOURCES: resources,
            XDG_CONFIG_HOME: configHome,
            APPIMAGE: '/home/ada/Apps/Chat.AppImage',
          },
          timeout: 20_000,
        },
      );
      expect(result.status, result.stderr).toBe(0);
      expect(result.stderr).not.toContain('start-up failed');
      expect(readFileSync(autostart, 'utf8')).toContain('Exec="/home/ada/Apps/Chat.AppImage"');
      const calls = JSON.parse(readFileSync(report, 'utf8')) as { name: string; args: unknown[] }[];
      // Linux uses the autostart entry, never Electron's login items (which do nothing there).
      expect(calls.some((c) => c.name === 'app.setLoginItemSettings')).toBe(false);
      // No app-update.yml in resources: electron-updater is not even loaded (loading it would
      // fail here, as it needs Electron itself).
      expect(result.stderr).not.toContain('auto-update');
      const log = readFileSync(path.join(userData, 'main.log'), 'utf8');
      expect(log).toContain('ready; updates: not-configured (no-feed)');
      expect(log).not.toContain('auto-update');
    },
  );

  it('bundles the preload as one small CommonJS file that requires only electron', () => {
    const code = readFileSync(path.join(out, 'preload', 'index.cjs'), 'utf8');
    expect([...runtimeImports(code)]).toEqual(['electron']);
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
    expect(code).toMatch(/exposeInMainWorld\(\s*["']chat["']/);
    // No schema library: the preload only forwards calls.
    expect(code).not.toContain('zod');
    expect(code.length).toBeLessThan(100_000);
  });

  it.runIf(hasRenderer)(
    'builds the desktop renderer with the CSP meta tag and no inline code',
    () => {
      const dir = path.join(out, 'renderer');
      const html = readFileSync(path.join(dir, 'index.html'), 'utf8');
      expect(html).toContain(
        `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}"`,
      );
      // Relative asset URLs: the page is served from app://chat/.
      expect(html).toMatch(
        /<script type="module" crossorigin src="\.\/assets\/[^"]+\.js"><\/script>/,
      );
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html).not.toMatch(/<style/);
      expect(readdirSync(path.join(dir, 'assets')).some((f) => f.endsWith('.js'))).toBe(true);
    },
  );

  it.runIf(hasRenderer)('builds the web client from the same renderer, with the web entry', () => {
    const html = readFileSync(path.join(out, 'web', 'index.html'), 'utf8');
    expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/[^"]+\.js"><\/script>/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });
});

describe('electron-builder.yml', () => {
  it("passes electron-builder's own schema and sets every fuse", async () => {
    // Loaded through electron-builder's library, exactly as `npm run dist` reads it: the
    // TypeScript config, which extends the YAML file. No feed or signing in this test's
    // environment, so neither is configured.
    const require = createRequire(path.join(repoRoot, 'package.json'));
    const { getConfig, validateConfiguration } =
      require('app-builder-lib/out/util/config/config.js') as {
        getConfig: (dir: string, file: string, extra: null) => Promise<Record<string, unknown>>;
        validateConfiguration: (config: unknown, logger: unknown) => Promise<void>;
      };
    const config = await getConfig(
      repoRoot,
      path.join(desktopDir, 'electron-builder.config.ts'),
      null,
    );
    await validateConfiguration(config, { isEnabled: false, add: () => undefined });
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
      resetAdHocDarwinSignature: true,
    });
    expect(config).toMatchObject({
      appId: 'com.example.chat',
      productName: 'Chat',
      asar: true,
      directories: { app: 'desktop', buildResources: 'desktop/build' },
      mac: {
        hardenedRuntime: true,
        notarize: true,
        entitlements: 'desktop/build/entitlements.mac.plist',
        target: [
          { target: 'dmg', arch: ['arm64', 'x64'] },
          { target: 'zip', arch: ['arm64', 'x64'] },
        ],
      },
      win: { target: [{ target: 'nsis', arch: ['x64', 'arm64'] }] },
      protocols: [{ name: 'Chat link', schemes: ['chat'] }],
      linux: { target: ['AppImage', 'deb'] },
    });
    expect(config.publish).toBeUndefined();
    for (const icon of [
      'icon.png',
      'tray-16.png',
      'tray-32.png',
      'trayTemplate.png',
      'trayTemplate@2x.png',
      'entitlements.mac.plist',
    ]) {
      expect(existsSync(path.join(desktopDir, 'build', icon)), icon).toBe(true);
    }
  }, 60_000);
});
