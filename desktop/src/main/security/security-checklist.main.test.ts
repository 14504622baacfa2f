/**
 * Electron's security checklist (electronjs.org/docs/latest/tutorial/security), item by
 * item, checked against the real window options, handlers and packaging config of the
 * main process. Items that need Electron itself (a live BrowserWindow) are checked on the
 * modules the entry file wires in, plus a source check that the entry really wires them.
 *
 * Items not applicable: 11 and 12 (<webview> allowpopups / options): the webview tag is
 * off (item 11/12 are then moot, and `will-attach-webview` is refused anyway).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HandlerDetails, WindowOpenHandlerResponse } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { ok, type Result } from '../../shared/bridge';
import { APP_ENTRY_URL, createAppProtocolHandler, isAppUrl } from './app-protocol.main';
import { CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY_HEADER } from './csp.main';
import { openExternalSafely } from './external-links.main';
import { createInvokeListener, isTrustedSender, type SenderFrame } from '../bridge/ipc.main';
import { guardNavigation, type GuardedEvent, type NavigationPolicy } from './navigation.main';
import { installPermissionHandlers, type PermissionSession } from './permissions.main';
import { buildWindowOptions } from '../window/window.main';

const MAIN_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DESKTOP_DIR = resolve(MAIN_DIR, '../..');
const ROOT = resolve(DESKTOP_DIR, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx)$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

/** Everything that ships: main, preload, renderer and shared code (tests excluded). */
const SHIPPED = sourceFiles(join(DESKTOP_DIR, 'src')).map((file) => ({
  file: relative(ROOT, file),
  text: readFileSync(file, 'utf8'),
}));

function offenders(pattern: RegExp): string[] {
  return SHIPPED.filter(({ text }) => pattern.test(text)).map(({ file }) => file);
}

const ENTRY = join(MAIN_DIR, 'index.main.ts');
const entrySource = existsSync(ENTRY) ? readFileSync(ENTRY, 'utf8') : null;

const windowOptions = buildWindowOptions({ preloadPath: '/app/dist/preload/index.cjs' });
const prefs = windowOptions.webPreferences ?? {};

describe('Electron security checklist', () => {
  it('1. only secure content: the UI loads from the app:// scheme, never http: or file:', () => {
    expect(new URL(APP_ENTRY_URL).protocol).toBe('app:');
    expect(offenders(/loadURL\(\s*['"`](http|file):/)).toEqual([]);
    expect(offenders(/\.loadFile\(/)).toEqual([]);
  });

  it('2. no Node.js integration in the renderer, its workers or subframes', () => {
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
    expect(offenders(/nodeIntegration\w*\s*:\s*true/)).toEqual([]);
  });

  it('3. context isolation is on, and the preload exposes only window.chat', () => {
    expect(prefs.contextIsolation).toBe(true);
    expect(offenders(/contextIsolation\s*:\s*false/)).toEqual([]);
    const exposed = SHIPPED.flatMap(({ text }) => [
      ...text.matchAll(/exposeInMainWorld\(\s*['"](\w+)['"]/g),
    ]).map((match) => match[1]);
    expect(exposed).toEqual(['chat']);
    // The raw ipcRenderer must never be handed to the page.
    expect(offenders(/exposeInMainWorld\([^)]*ipcRenderer\s*\)/)).toEqual([]);
  });

  it('4. the renderer process is sandboxed', () => {
    expect(prefs.sandbox).toBe(true);
    expect(offenders(/sandbox\s*:\s*false/)).toEqual([]);
    expect(offenders(/no-sandbox|disable-sandbox/)).toEqual([]);
  });

  it('5. permission requests: only notifications, only from our own pages', () => {
    let request: Parameters<PermissionSession['setPermissionRequestHandler']>[0] | undefined;
    let check: Parameters<PermissionSession['setPermissionCheckHandler']>[0] | undefined;
    installPermissionHandlers(
      {
        setPermissionRequestHandler: (handler) => (request = handler),
        setPermissionCheckHandler: (handler) => (check = handler),
      },
      isAppUrl,
    );
    const ask = (permission: string, requestingUrl: string): boolean => {
      let granted: boolean | undefined;
      request?.(null, permission, (value) => (granted = value), { requestingUrl });
      if (granted === undefined) throw new Error('the request handler never answered');
      return granted;
    };
    expect(ask('notifications', APP_ENTRY_URL)).toBe(true);
    for (const permission of [
      'media',
      'geolocation',
      'clipboard-read',
      'display-capture',
      'hid',
      'serial',
      'usb',
      'openExternal',
      'fullscreen',
      'pointerLock',
    ]) {
      expect(ask(permission, APP_ENTRY_URL), permission).toBe(false);
    }
    expect(ask('notifications', 'https://evil.example/')).toBe(false);
    expect(check?.(null, 'notifications', 'app://chat', { requestingUrl: APP_ENTRY_URL })).toBe(
      true,
    );
    expect(check?.(null, 'media', 'app://chat', { requestingUrl: APP_ENTRY_URL })).toBe(false);
    expect(check?.(null, 'notifications', 'https://evil.example', {})).toBe(false);
  });

  it('6. webSecurity stays on', () => {
    expect(prefs.webSecurity).toBe(true);
    expect(offenders(/webSecurity\s*:\s*false/)).toEqual([]);
    expect(offenders(/disable-web-security/)).toEqual([]);
  });

  it('7. a strict Content-Security-Policy, sent as a header with every app:// response', async () => {
    const directives = new Map(
      CONTENT_SECURITY_POLICY_HEADER.split(';').map((part) => {
        const [name = '', ...values] = part.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('object-src') ?? directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    for (const unsafe of ["'unsafe-inline'", "'unsafe-eval'", '*', 'http:', 'https:', 'data:']) {
      expect(directives.get('script-src'), unsafe).not.toContain(unsafe);
    }
    expect(CONTENT_SECURITY_POLICY_HEADER.startsWith(CONTENT_SECURITY_POLICY)).toBe(true);

    const handler = createAppProtocolHandler({
      rootDir: '/app/renderer',
      readFile: () => Promise.resolve(new TextEncoder().encode('<!doctype html>')),
      headers: { 'Content-Security-Policy': CONTENT_SECURITY_POLICY_HEADER },
    });
    for (const url of [APP_ENTRY_URL, 'app://chat/../../etc/passwd', 'app://other/x.js']) {
      const response = await handler({ url, method: 'GET' });
      expect(response.headers.get('content-security-policy'), url).toBe(
        CONTENT_SECURITY_POLICY_HEADER,
      );
    }
    if (entrySource !== null) {
      expect(entrySource).toMatch(/'Content-Security-Policy':\s*CONTENT_SECURITY_POLICY_HEADER/);
    }
  });

  it('8. allowRunningInsecureContent is off', () => {
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(offenders(/allowRunningInsecureContent\s*:\s*true/)).toEqual([]);
  });

  it('9. experimentalFeatures is off', () => {
    expect(prefs.experimentalFeatures).toBe(false);
    expect(offenders(/experimentalFeatures\s*:\s*true/)).toEqual([]);
  });

  it('10. enableBlinkFeatures is never used', () => {
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
    expect(offenders(/enableBlinkFeatures|enable-blink-features/)).toEqual([]);
  });

  it('11/12. the <webview> tag is off and attaching one is refused', () => {
    expect(prefs.webviewTag).toBe(false);
    expect(offenders(/webviewTag\s*:\s*true/)).toEqual([]);
    const contents = fakeContents();
    guardNavigation(contents, fakePolicy().policy);
    const event = guarded();
    contents.fire('will-attach-webview', event);
    expect(event.prevented).toHaveBeenCalled();
  });

  it('13. navigation is limited to our own pages; http(s) goes to the browser instead', () => {
    const { policy, opened } = fakePolicy();
    const contents = fakeContents();
    guardNavigation(contents, policy);
    for (const name of ['will-navigate', 'will-redirect'] as const) {
      const own = guarded();
      contents.fire(name, own, 'app://chat/index.html#/c/1');
      expect(own.prevented).not.toHaveBeenCalled();
      for (const url of [
        'https://evil.example/login',
        'file:///etc/passwd',
        'javascript:alert(1)',
        'app://evil/index.html',
        'data:text/html,<script>alert(1)</script>',
      ]) {
        const away = guarded();
        contents.fire(name, away, url);
        expect(away.prevented, `${name} ${url}`).toHaveBeenCalled();
      }
    }
    // Only the http(s) ones were handed on to the browser.
    expect(opened.map((url) => url.protocol)).toEqual(['https:', 'https:']);
  });

  it('14. new windows are never created (window.open, target=_blank)', () => {
    const { policy, opened } = fakePolicy();
    const contents = fakeContents();
    guardNavigation(contents, policy);
    for (const url of [
      APP_ENTRY_URL,
      'https://example.com/',
      'file:///etc/passwd',
      'about:blank',
    ]) {
      expect(contents.openHandler?.({ url } as HandlerDetails)).toEqual({ action: 'deny' });
    }
    expect(opened.map((url) => url.href)).toEqual(['https://example.com/']);
    if (entrySource !== null) {
      // Installed for every web contents, including ones a future feature creates.
      expect(entrySource).toMatch(/'web-contents-created'[^\n]*guardNavigation\(/);
    }
  });

  it('15. shell.openExternal only receives checked http(s) URLs', async () => {
    const openExternal = vi.fn(() => Promise.resolve());
    const shell = { openExternal };
    for (const raw of [
      'file:///C:/Windows/System32/calc.exe',
      'javascript:alert(1)',
      'data:text/html,x',
      'smb://attacker/share',
      'ms-msdt:/id PCWDiagnostic',
      'vscode://file/etc/passwd',
      'https://bank.example@evil.example/',
      `https://example.com/${'a'.repeat(3000)}`,
      42,
    ]) {
      expect(await openExternalSafely(shell, raw), String(raw)).toBe(false);
    }
    expect(await openExternalSafely(shell, 'https://example.com/a b')).toBe(true);
    expect(openExternal.mock.calls).toEqual([['https://example.com/a%20b']]);
    // Nothing hands Electron's own `shell` a URL directly: every path goes through the check.
    const direct = SHIPPED.filter(({ text }) => {
      const imported = /import\s*\{([^}]*)\}\s*from\s*'electron'/.exec(text)?.[1] ?? '';
      const name = /\bshell(?:\s+as\s+(\w+))?/.exec(imported);
      if (!name) return false;
      return new RegExp(`\\b${name[1] ?? 'shell'}\\.openExternal\\(`).test(text);
    }).map(({ file }) => file);
    expect(direct).toEqual([]);
    if (entrySource !== null) expect(entrySource).toMatch(/openExternalSafely\(electronShell,/);
  });

  it('16. a supported Electron release', () => {
    const pkg = JSON.parse(readFileSync(join(DESKTOP_DIR, 'package.json'), 'utf8')) as {
      devDependencies?: Record<string, string>;
    };
    const major = Number(/(\d+)/.exec(pkg.devDependencies?.electron ?? '')?.[1]);
    // Electron supports its latest three majors; 45 was current when this was written.
    expect(major).toBeGreaterThanOrEqual(45);
  });

  it('17. IPC: only our window main frame, on our page, reaches a handler', async () => {
    const expected = { processId: 4, routingId: 1 };
    const trusted: SenderFrame = { url: APP_ENTRY_URL, parent: null, ...expected };
    const handler = vi.fn((): Promise<Result<null>> => Promise.resolve(ok(null)));
    const listener = createInvokeListener('getSession', handler as never, {
      isTrustedSender: (frame) => isTrustedSender(frame, expected, isAppUrl),
    });
    for (const frame of [
      null,
      { ...trusted, parent: {} },
      { ...trusted, processId: 5 },
      { ...trusted, routingId: 2 },
      { ...trusted, url: 'https://evil.example/' },
      { ...trusted, url: 'file:///tmp/x.html' },
    ]) {
      const result = await listener({ senderFrame: frame });
      expect(result).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    expect(handler).not.toHaveBeenCalled();
    expect(await listener({ senderFrame: trusted })).toEqual({ ok: true, value: null });
    expect(handler).toHaveBeenCalledTimes(1);
    if (entrySource !== null) {
      expect(entrySource).toMatch(/registerBridgeIpc\([\s\S]*?isTrustedSender\(/);
      expect(entrySource).not.toMatch(/ipcMain\.(on|handle)\(/);
    }
  });

  it('18. no file:// for the UI: a custom protocol confined to the renderer folder', async () => {
    const read = vi.fn((file: string) => Promise.resolve(new TextEncoder().encode(file)));
    const handler = createAppProtocolHandler({
      rootDir: '/app/renderer',
      readFile: read,
      headers: {},
    });
    // Dot segments may be normalised away by URL parsing; either way nothing outside the
    // renderer folder is ever read.
    for (const url of [
      'app://chat/../../../etc/passwd',
      'app://chat/%2e%2e/%2e%2e/etc/passwd',
      'app://chat/..%2f..%2fetc/passwd',
      'app://chat/..%5c..%5cetc/passwd',
    ]) {
      await handler({ url, method: 'GET' });
    }
    expect(read.mock.calls.length).toBeGreaterThan(0);
    for (const [file] of read.mock.calls)
      expect(file.startsWith('/app/renderer/'), file).toBe(true);
    expect((await handler({ url: 'app://evil/index.html', method: 'GET' })).status).toBe(404);
    expect((await handler({ url: APP_ENTRY_URL, method: 'POST' })).status).toBe(405);
  });

  it('19. fuses: run-as-node, NODE_OPTIONS, inspect flags off; asar integrity on', () => {
    const yml = readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8');
    const block = /^electronFuses:\n((?:[ \t]+.*\n?)+)/m.exec(yml)?.[1] ?? '';
    const fuses: Record<string, boolean> = {};
    for (const m of block.matchAll(/^\s+(\w+):\s*(true|false)\s*$/gm)) {
      fuses[m[1] ?? ''] = m[2] === 'true';
    }
    expect(fuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
      // Not a fuse but how they are applied: an ad-hoc signed macOS build is re-signed after
      // the fuses change its binary, so an unsigned local build still launches.
      resetAdHocDarwinSignature: true,
    });
    expect(yml).toMatch(/^asar:\s*true\s*$/m);
  });

  it('the remote module is not used (removed from Electron, @electron/remote not installed)', () => {
    const pkg = readFileSync(join(DESKTOP_DIR, 'package.json'), 'utf8');
    expect(pkg).not.toContain('@electron/remote');
    expect(offenders(/@electron\/remote|enableRemoteModule|\bremote\s*\.\s*require/)).toEqual([]);
  });

  it('every BrowserWindow is built from the one hardened options function', () => {
    const windows = SHIPPED.flatMap(({ file, text }) =>
      [...text.matchAll(/new BrowserWindow\(\s*([\w]+)/g)].map((m) => `${file}: ${m[1]}`),
    );
    for (const found of windows) expect(found).toMatch(/: buildWindowOptions$/);
  });
});

// ---- fakes of the Electron objects the guards attach to ----------------------------

function guarded(): GuardedEvent & { prevented: ReturnType<typeof vi.fn> } {
  const prevented = vi.fn<() => void>();
  return {
    preventDefault: () => {
      prevented();
    },
    prevented,
  };
}

function fakePolicy(): { policy: NavigationPolicy; opened: URL[] } {
  const opened: URL[] = [];
  return { policy: { isAppUrl, openExternal: (url) => opened.push(url) }, opened };
}

type Listener = (event: GuardedEvent, url: string) => void;

function fakeContents() {
  const listeners = new Map<string, Listener[]>();
  const contents = {
    openHandler: undefined as ((details: HandlerDetails) => WindowOpenHandlerResponse) | undefined,
    on(event: string, listener: Listener) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
      return contents;
    },
    setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse) {
      contents.openHandler = handler;
    },
    fire(event: string, payload: GuardedEvent, url?: string) {
      const found = listeners.get(event) ?? [];
      if (found.length === 0) throw new Error(`no ${event} guard installed`);
      for (const listener of found) listener(payload, url ?? '');
    },
  };
  return contents;
}
