import { defineConfig } from 'vite';

// The preload runs in a sandboxed renderer, where only `require('electron')` and a few
// polyfilled modules exist: one self-contained CommonJS file, Electron external.
export default defineConfig({
  root: import.meta.dirname,
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: 'dist/preload',
    emptyOutDir: true,
    target: 'chrome140',
    minify: false,
    sourcemap: 'inline',
    lib: {
      entry: 'src/preload/index.preload.ts',
      formats: ['cjs'],
      fileName: () => 'index.cjs',
    },
    rolldownOptions: { external: ['electron'] },
  },
});
