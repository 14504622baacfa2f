#!/usr/bin/env node
// postinstall of @chat/desktop: fetch the Electron binary, without ever failing the
// install over it.
//
// - A normal `npm install` downloads the binary here (Electron itself no longer does it
//   at install time; without this step the first `npm start` would).
// - `ELECTRON_SKIP_BINARY_DOWNLOAD=1` (CI, and machines that cannot reach Electron's
//   download host) skips it: the API, the web client and every test work without it.
// - If the download fails (offline, blocked host), the install still succeeds and one
//   line says how to fetch it later: the rest of the project is usable without Electron.
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import path from 'node:path';
import process from 'node:process';
import {
  FETCH_ELECTRON_COMMAND,
  electronBinaryPath,
  electronPackageDir,
} from './electron-binary.mjs';

const skip = /^(1|true|yes)$/i.test(process.env.ELECTRON_SKIP_BINARY_DOWNLOAD ?? '');
const dir = electronPackageDir();

if (dir === null || electronBinaryPath() !== null) {
  // Not installed (a production install without devDependencies) or already there.
  process.exit(0);
}
if (skip) {
  console.log('Electron binary not downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD is set).');
  process.exit(0);
}

const result = spawnSync(process.execPath, [path.join(dir, 'install.js')], {
  stdio: ['ignore', 'inherit', 'pipe'],
  encoding: 'utf8',
});
if (result.status !== 0) {
  const reason = (result.stderr || '').split('\n').find((line) => line.trim() !== '') ?? '';
  console.warn(
    `Electron's binary could not be downloaded${reason ? ` (${reason.trim()})` : ''}; ` +
      `the API and web client work without it, and "${FETCH_ELECTRON_COMMAND}" fetches it later.`,
  );
}
process.exit(0);
