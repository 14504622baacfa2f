/**
 * Serves the web client (the renderer built with the in-page bridge) from the API's own
 * origin, so the page, its REST calls and its socket share one origin and the CSP can say
 * 'self' for all of them.
 *
 * Everything under /api and /socket.io passes through untouched; any other GET that is not
 * a file gets index.html (client-side routes). When the web build is absent the API keeps
 * working and `/` says how to build it.
 */
import { existsSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { send } from '@koa/send';
import type { Middleware } from 'koa';
import { API_ROOT } from '../paths';

/**
 * Text written by other people is shown in this page: no inline script or style, ever.
 * `connect-src 'self'` covers the page's own origin over ws:/wss: too (CSP 3), so the
 * page can reach this API's socket and no other host. No plugins, no <base> or form
 * redirection, and no framing by other sites.
 */
export const WEB_CLIENT_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  // The Web Push service worker (/sw.js), from this origin only.
  "worker-src 'self'",
  // Attachments are shown from blob: URLs of bytes the client core fetched with the token.
  "img-src 'self' data: blob:",
  "style-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Where `npm run build:web` writes the web client. */
export const DEFAULT_WEB_ROOT = resolve(API_ROOT, '../desktop/dist/web');

const NOT_BUILT = [
  'The web client is not built.',
  '',
  'From the repository root run:',
  '',
  '    npm run build:web',
  '',
  'then reload this page (`npm start` builds it for you). The API itself is available under /api.',
  '',
].join('\n');

/** The web build's service worker (desktop/src/web/sw.web.ts). */
export const SERVICE_WORKER_PATH = '/sw.js';

/** Vite puts content-hashed bundles here: safe to cache for good. */
const HASHED_ASSETS = '/assets/';
const ONE_YEAR_MS = 365 * 24 * 60 * 60 * 1000;

function isApiPath(path: string): boolean {
  return (
    path === '/api' ||
    path.startsWith('/api/') ||
    path === '/socket.io' ||
    path.startsWith('/socket.io/') ||
    path === '/metrics' ||
    path.startsWith('/metrics/')
  );
}

function statusOf(err: unknown): number | null {
  if (typeof err === 'object' && err !== null && 'status' in err) {
    if (typeof err.status === 'number') return err.status;
  }
  return null;
}

export interface WebClientOptions {
  /** The built web client; defaults to desktop/dist/web in this repository. */
  root?: string;
}

export function webClient(options: WebClientOptions = {}): Middleware {
  const root = resolve(options.root ?? DEFAULT_WEB_ROOT);
  const indexFile = join(root, 'index.html');

  return async (ctx, next) => {
    if (isApiPath(ctx.path) || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) {
      await next();
      return;
    }
    ctx.set('Content-Security-Policy', WEB_CLIENT_CSP);

    // Checked per request so a build made while the API runs is picked up.
    if (!existsSync(indexFile)) {
      ctx.status = 503;
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = NOT_BUILT;
      return;
    }

    const notFound = () => {
      ctx.status = 404;
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = 'Not found\n';
    };
    // Source maps are not part of the served build; an old build's are not served either.
    if (extname(ctx.path) === '.map') {
      notFound();
      return;
    }
    const isFile = extname(ctx.path) !== '';
    try {
      // Resolves without a path when it refused to send (a dotfile).
      const sent = await send(ctx, isFile ? ctx.path : '/index.html', {
        root,
        index: false,
        hidden: false,
        gzip: false,
        brotli: false,
        format: false,
        ...(isFile && ctx.path.startsWith(HASHED_ASSETS)
          ? { maxage: ONE_YEAR_MS, immutable: true }
          : {
              setHeaders: (res) => {
                // index.html names the current bundles, so it is always revalidated.
                res.setHeader('Cache-Control', 'no-cache');
                // The service worker controls the whole app (issue #19): always revalidated
                // too, so an update reaches browsers at their next visit.
                if (ctx.path === SERVICE_WORKER_PATH) {
                  res.setHeader('Service-Worker-Allowed', '/');
                }
              },
            }),
      });
      if (sent === undefined) notFound();
    } catch (err) {
      const status = statusOf(err);
      // A missing file, a hidden file or a path that tries to leave the folder: all the
      // same plain 404, never the JSON error body of the API or a hint of the file system.
      if (status === 404 || status === 403 || status === 400) {
        notFound();
        return;
      }
      throw err;
    }
  };
}
