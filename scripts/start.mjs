// `npm start`: runs the API and the desktop app from a fresh checkout.
// The API is started as a direct child, not through `npm run api`, so Ctrl-C and
// SIGTERM reach it and it can shut down cleanly on every platform.
import { spawn, spawnSync } from 'node:child_process';
import console from 'node:console';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  FETCH_ELECTRON_COMMAND,
  electronBinaryPath,
  electronPackageDir,
} from '../desktop/scripts/electron-binary.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// The API serves the web client from desktop/dist/web: build it when it is missing or
// older than any of its sources, so `npm start` always serves the current UI.
const webIndex = join(root, 'desktop', 'dist', 'web', 'index.html');
const webSources = [
  join(root, 'desktop', 'src', 'renderer'),
  join(root, 'desktop', 'src', 'web'),
  join(root, 'desktop', 'src', 'core'),
  join(root, 'desktop', 'src', 'shared'),
  join(root, 'protocol', 'src'),
  join(root, 'desktop', 'vite.renderer.config.ts'),
];
function newestChange(path) {
  if (!existsSync(path)) return 0;
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, name)));
  return newest;
}
const builtAt = existsSync(webIndex) ? statSync(webIndex).mtimeMs : 0;
if (builtAt < Math.max(...webSources.map(newestChange))) {
  console.log('chat: building the web client (npm run build:web)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const build = spawnSync(npm, ['run', 'build:web'], {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (build.status !== 0) {
    console.error('chat: the web client did not build; the API starts without it.');
  }
}

// The desktop app's bundles (main, preload, renderer), the same way.
const desktopDir = join(root, 'desktop');
const desktopBuilt = join(desktopDir, 'dist', 'renderer', 'index.html');
const desktopSources = [
  ...webSources,
  join(desktopDir, 'src', 'main'),
  join(desktopDir, 'src', 'preload'),
  join(desktopDir, 'vite.main.config.ts'),
  join(desktopDir, 'vite.preload.config.ts'),
];
const desktopBuiltAt = ['main/index.js', 'preload/index.cjs', 'renderer/index.html']
  .map((file) => join(desktopDir, 'dist', file))
  .reduce(
    (oldest, file) => Math.min(oldest, existsSync(file) ? statSync(file).mtimeMs : 0),
    Infinity,
  );
let desktopReady = existsSync(desktopBuilt);
if (desktopBuiltAt < Math.max(...desktopSources.map(newestChange))) {
  console.log('chat: building the desktop app (npm run build:electron -w @chat/desktop)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const build = spawnSync(npm, ['run', 'build:electron', '-w', '@chat/desktop'], {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  desktopReady = build.status === 0;
  if (!desktopReady)
    console.error('chat: the desktop app did not build; the API starts without it.');
}

const api = spawn(process.execPath, ['--import', 'tsx', join('api', 'src', 'main.ts')], {
  cwd: root,
  stdio: 'inherit',
  env: process.env,
});

console.log('chat: starting the API (see README.md, Configuration, for its settings).');

const apiUrl = `http://${process.env.HOST ?? '127.0.0.1'}:${process.env.PORT ?? '4000'}`;
/** @type {import('node:child_process').ChildProcess | null} */
let electron = null;

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    // A terminal's Ctrl-C already reached the children (same process group); relay anyway
    // for supervisors that signal only this process.
    if (!stopping) {
      api.kill(signal);
      electron?.kill(signal);
    }
    stopping = true;
  });
}

async function waitForHealth() {
  const deadline = Date.now() + 60_000;
  while (!stopping && Date.now() < deadline) {
    try {
      const response = await globalThis.fetch(`${apiUrl}/api/health`);
      if (response.ok) return true;
    } catch {
      // Not listening yet.
    }
    await delay(250);
  }
  return false;
}

/**
 * Electron's binary, fetched once when it is missing: electron's own install script runs
 * with its progress on this terminal. Null when it is still missing afterwards (offline, a
 * blocked download host, or ELECTRON_SKIP_BINARY_DOWNLOAD set on purpose).
 */
async function electronBinaryOrFetch() {
  const present = electronBinaryPath();
  if (present !== null) return present;
  const dir = electronPackageDir();
  if (dir === null || /^(1|true|yes)$/i.test(process.env.ELECTRON_SKIP_BINARY_DOWNLOAD ?? '')) {
    return null;
  }
  console.log(
    "chat: Electron's binary is missing; fetching it once (node_modules/electron/install.js)…",
  );
  const fetched = await new Promise((resolve) => {
    // Progress on this terminal; a child so Ctrl-C during the download stops it too.
    const child = spawn(process.execPath, [join(dir, 'install.js')], {
      cwd: root,
      stdio: 'inherit',
      // @electron/get draws its progress bar unless told not to.
      env: { ...process.env, ELECTRON_GET_NO_PROGRESS: '' },
    });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
  return fetched ? electronBinaryPath() : null;
}

waitForHealth().then(
  async (healthy) => {
    if (stopping) return;
    if (!healthy) {
      console.error(`chat: the API did not answer at ${apiUrl}/api/health within a minute.`);
      return;
    }
    const binary = desktopReady ? await electronBinaryOrFetch() : electronBinaryPath();
    if (stopping) return;
    if (binary === null || !desktopReady) {
      console.log(
        binary === null
          ? `chat: Electron's binary is not installed, so the desktop app cannot open (fetch it with "${FETCH_ELECTRON_COMMAND}"); the web client is at ${apiUrl}/ and the API keeps running.`
          : `chat: the desktop app is not built, so it cannot open; the web client is at ${apiUrl}/ and the API keeps running.`,
      );
      return;
    }
    console.log(`chat: opening the desktop app (API at ${apiUrl}).`);
    electron = spawn(binary, [desktopDir], {
      cwd: root,
      stdio: 'inherit',
      env: process.env,
    });
    electron.on('error', (err) =>
      console.error(`chat: could not open the desktop app: ${err.message}`),
    );
    // Quitting the app ends `npm start`, as closing a dev server's app does.
    electron.on('exit', () => {
      if (!stopping) {
        stopping = true;
        api.kill('SIGTERM');
      }
    });
  },
  (err) => console.error(`chat: ${err instanceof Error ? err.message : String(err)}`),
);

api.on('error', (err) => {
  console.error(`chat: could not start the API: ${err.message}`);
  process.exit(1);
});

api.on('exit', (code, signal) => {
  // The app without its API is useless; close it too, then leave with the API's status.
  if (electron && electron.exitCode === null && electron.signalCode === null) {
    electron.once('exit', () => process.exit(code ?? (signal ? 1 : 0)));
    electron.kill('SIGTERM');
    return;
  }
  process.exit(code ?? (signal ? 1 : 0));
});
