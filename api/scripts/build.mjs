// `npm run build -w @chat/api`: the API as one ES module, `api/dist/main.js`, for
// production (`node dist/main.js`, no TypeScript loader at run time).
//
// The contract (`@chat/protocol`, TypeScript sources) and the API's own code are bundled;
// every other package stays an import resolved from node_modules at run time, so native
// modules (better-sqlite3, argon2, sharp) and their prebuilt binaries load as usual.
// The two worker threads and the image-compressing child process are plain JavaScript
// started by URL from next to the module that starts them, so they are copied beside the
// bundle.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const apiDir = join(dirname(fileURLToPath(import.meta.url)), '..');
// `--outdir <dir>` (for the build test); it must stay inside the repository so the
// bundle's imports resolve from its node_modules.
const outFlag = process.argv.indexOf('--outdir');
const outDir = outFlag === -1 ? join(apiDir, 'dist') : resolve(process.argv[outFlag + 1] ?? '');

/** Bare imports are external, except the workspace contract, which is TypeScript. */
const externalPackages = {
  name: 'external-packages',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@chat/') ? undefined : { path: args.path, external: true },
    );
  },
};

const started = Date.now();
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
await build({
  entryPoints: [join(apiDir, 'src', 'main.ts')],
  outfile: join(outDir, 'main.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [externalPackages],
});
for (const worker of [
  'auth/hash-worker.mjs',
  'store/sqlite/checkpoint-worker.mjs',
  'store/sqlite/search-worker.mjs',
  'uploads/image-worker.mjs',
]) {
  copyFileSync(join(apiDir, 'src', worker), join(outDir, worker.split('/').pop() ?? worker));
}
process.stdout.write(`api: built ${join(outDir, 'main.js')} in ${Date.now() - started} ms\n`);
