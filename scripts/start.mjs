// `npm start`: runs the API (and, once it exists, the desktop app) from a fresh checkout.
// The API is started as a direct child, not through `npm run api`, so Ctrl-C and
// SIGTERM reach it and it can shut down cleanly on every platform.
import { spawn } from 'node:child_process';
import console from 'node:console';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

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
