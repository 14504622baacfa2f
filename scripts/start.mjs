// `npm start`: runs the API (and, once it exists, the desktop app) from a fresh checkout.
// The API is started as a direct child, not through `npm run api`, so Ctrl-C and
// SIGTERM reach it and it can shut down cleanly on every platform.
import { spawn, spawnSync } from 'node:child_process';
import console from 'node:console';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

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

const api = spawn(process.execPath, ['--import', 'tsx', join('api', 'src', 'main.ts')], {
  cwd: root,
  stdio: 'inherit',
  env: process.env,
});

console.log('chat: starting the API (see README.md, Configuration, for its settings).');
console.log('chat: the desktop app is not built yet; for now only the API runs.');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    // A terminal's Ctrl-C already reached the API (same process group); relay anyway
    // for supervisors that signal only this process.
    if (!stopping) api.kill(signal);
    stopping = true;
  });
}

api.on('error', (err) => {
  console.error(`chat: could not start the API: ${err.message}`);
  process.exit(1);
});

api.on('exit', (code, signal) => {
  process.exit(code ?? (signal ? 1 : 0));
});
