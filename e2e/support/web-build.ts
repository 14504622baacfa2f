/**
 * The web client the browser tests load: the renderer built with the in-page bridge, as
 * `npm run build:web` makes it. Other engineers (and `npm start`) rebuild
 * desktop/dist/web in place while tests may be running, so the tests never serve that
 * folder directly: a fresh build is copied to a private folder, a stale or missing one is
 * built straight into a private folder.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHARED_BUILD = join(REPO_ROOT, 'desktop', 'dist', 'web');

/** Everything the web bundle is made from (as scripts/start.mjs judges staleness). */
const SOURCES = [
  'desktop/src/renderer',
  'desktop/src/web',
  'desktop/src/core',
  'desktop/src/shared',
  'desktop/src/main/security/csp.main.ts',
  'desktop/vite.renderer.config.ts',
  'protocol/src',
].map((path) => join(REPO_ROOT, path));

function newestChange(path: string): number {
  if (!existsSync(path)) return 0;
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, name)));
  return newest;
}

/** index.html exists and every bundle it names is there (not caught mid-rebuild). */
export function isCompleteBuild(root: string): boolean {
  const index = join(root, 'index.html');
  if (!existsSync(index)) return false;
  const html = readFileSync(index, 'utf8');
  const assets = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/gu)].map((m) => m[1] ?? '');
  return assets.length > 0 && assets.every((asset) => existsSync(join(root, asset)));
}

function isFresh(root: string): boolean {
  if (!isCompleteBuild(root)) return false;
  const builtAt = statSync(join(root, 'index.html')).mtimeMs;
  return builtAt >= Math.max(...SOURCES.map(newestChange));
}

function build(outDir: string): void {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(
    npm,
    ['run', 'build:web', '--', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'],
    { cwd: REPO_ROOT, encoding: 'utf8', shell: process.platform === 'win32' },
  );
  if (result.status !== 0 || !isCompleteBuild(outDir)) {
    throw new Error(
      `the web client did not build (npm run build:web):\n${result.stdout}\n${result.stderr}`,
    );
  }
}

/** A private, complete, current copy of the web client; the caller removes the folder. */
export function prepareWebClient(): { root: string; built: boolean } {
  const root = mkdtempSync(join(tmpdir(), 'chat-e2e-web-'));
  if (isFresh(SHARED_BUILD)) {
    cpSync(SHARED_BUILD, root, { recursive: true });
    // A rebuild may have emptied the folder while it was being copied.
    if (isCompleteBuild(root)) return { root, built: false };
  }
  build(root);
  return { root, built: true };
}
