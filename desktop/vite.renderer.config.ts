import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY } from './src/main/security/csp.main';

/**
 * The renderer, built twice from one source (src/renderer):
 * - default mode: the desktop renderer, loaded from app://chat/ with the preload's
 *   window.chat; its CSP is also a <meta> tag (the app protocol sends the header too);
 * - `--mode web`: the web client, whose entry first installs the in-page bridge
 *   (main.web.tsx); served by the API, which sends the web CSP header.
 */
export default defineConfig(({ mode }) => {
  const web = mode === 'web';

  const entry: Plugin = {
    name: 'chat-renderer-entry',
    transformIndexHtml: {
      order: 'pre',
      handler(html) {
        const withEntry = web ? html.replace('./main.tsx', './main.web.tsx') : html;
        if (web) return withEntry;
        return withEntry.replace(
          '<meta charset="utf-8" />',
          `<meta charset="utf-8" />\n    <meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}" />`,
        );
      },
    },
  };

  return {
    root: `${import.meta.dirname}/src/renderer`,
    base: web ? '/' : './',
    publicDir: false,
    logLevel: 'warn',
    plugins: [entry, react(), tailwindcss()],
    build: {
      outDir: `${import.meta.dirname}/dist/${web ? 'web' : 'renderer'}`,
      emptyOutDir: true,
      target: web ? 'es2022' : 'chrome140',
      // The web build is served to anyone: no source maps there (the API refuses .map too).
      sourcemap: !web,
      // No inline <script>/<style> and no data: modules: both CSPs forbid them.
      assetsInlineLimit: 0,
      modulePreload: { polyfill: false },
      // The web build also carries the service worker (Web Push), at /sw.js so its scope
      // is the whole app; it imports nothing, so it shares no chunk with the page.
      ...(web
        ? {
            rollupOptions: {
              input: {
                index: `${import.meta.dirname}/src/renderer/index.html`,
                sw: `${import.meta.dirname}/src/web/sw.web.ts`,
              },
              output: {
                entryFileNames: (chunk: { name: string }) =>
                  chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js',
              },
            },
          }
        : {}),
    },
  };
});
