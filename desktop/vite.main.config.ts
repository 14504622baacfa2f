import { builtinModules } from 'node:module';
import { defineConfig } from 'vite';

// The main process: one ESM bundle for Electron's Node (22). The core, the contract and
// zod are bundled; Electron itself and the two Electron-specific libraries stay external
// (electron-builder ships them as production dependencies).
export default defineConfig({
  root: import.meta.dirname,
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: 'dist/main',
    emptyOutDir: true,
    target: 'node22',
    minify: false,
    sourcemap: true,
    ssr: 'src/main/index.main.ts',
    rolldownOptions: {
      external: [
        'electron',
        'electron-store',
        'electron-updater',
        ...builtinModules,
        ...builtinModules.map((name) => `node:${name}`),
      ],
      output: { format: 'es', entryFileNames: 'index.js' },
    },
  },
  ssr: { noExternal: true, target: 'node' },
});
