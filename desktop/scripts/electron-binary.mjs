// Where the Electron binary is, without triggering a download.
//
// This Electron (45.5+) has no install script: `npm install` never fetches the binary;
// `require('electron')` from Node fetches it on first use (a synchronous download that
// throws when offline). Our scripts need to ask "is it there?" without that side effect,
// so they read the same files electron/index.js reads.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';

const require = createRequire(import.meta.url);

/** The electron package folder, or null when electron is not installed at all. */
export function electronPackageDir() {
  try {
    return path.dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
}

/** Absolute path of the Electron executable, or null when it has not been downloaded. */
export function electronBinaryPath() {
  const dir = electronPackageDir();
  if (dir === null) return null;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  let relative;
  try {
    relative = readFileSync(path.join(dir, 'path.txt'), 'utf8').trim();
  } catch {
    if (!override) return null;
    relative = process.platform === 'win32' ? 'electron.exe' : 'electron';
  }
  const full = override ? path.join(override, relative) : path.join(dir, 'dist', relative);
  return existsSync(full) ? full : null;
}

/** The command that downloads the binary, for messages. */
export const FETCH_ELECTRON_COMMAND = 'node node_modules/electron/install.js';
