import path from 'node:path';

/**
 * The renderer is served from a custom `app://chat/` protocol rather than `file:`:
 * - it is one origin that belongs to us, so the IPC sender check compares an origin,
 *   and CSP 'self' means our bundle only (under `file:` 'self' is any local file);
 * - responses carry the CSP header, which `file:` cannot;
 * - the file lookup is confined to the renderer folder in one place (no `..` escapes),
 *   and `file:` keeps no extra privileges (the grantFileProtocolExtraPrivileges fuse).
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'chat';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** Whether `raw` is a page of our own renderer. */
export function isAppUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST;
  } catch {
    return false;
  }
}

/**
 * Maps an `app://chat/...` request to a file under `rootDir`, or `null` when the request
 * is for another host or would leave the folder.
 */
export function resolveAppFile(rootDir: string, requestUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  const relative = pathname === '/' || pathname === '' ? 'index.html' : pathname.slice(1);
  const root = path.resolve(rootDir);
  const file = path.resolve(root, relative);
  if (file !== root && !file.startsWith(root + path.sep)) return null;
  return file;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Module scripts are refused unless served with a JavaScript type, so types are explicit. */
export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export interface AppProtocolOptions {
  rootDir: string;
  readFile(file: string): Promise<Uint8Array>;
  /** Sent on every response (the CSP header). */
  headers: Record<string, string>;
}

/**
 * The `protocol.handle` callback: serves the renderer's files with their type and the
 * security headers; anything else is a 404 (never a directory listing or a stack trace).
 */
export function createAppProtocolHandler(
  options: AppProtocolOptions,
): (request: { url: string; method?: string }) => Promise<Response> {
  const notFound = (): Response =>
    new Response('Not found', {
      status: 404,
      headers: { ...options.headers, 'Content-Type': 'text/plain; charset=utf-8' },
    });

  return async (request) => {
    if (request.method !== undefined && request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response('Method not allowed', { status: 405, headers: options.headers });
    }
    let file = resolveAppFile(options.rootDir, request.url);
    if (file === null) return notFound();
    // Client-side routes (no file extension) get the app shell.
    if (path.extname(file) === '') file = path.join(path.resolve(options.rootDir), 'index.html');
    let body: Uint8Array;
    try {
      body = await options.readFile(file);
    } catch {
      return notFound();
    }
    return new Response(body as Uint8Array<ArrayBuffer>, {
      status: 200,
      headers: {
        ...options.headers,
        'Content-Type': contentTypeFor(file),
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-cache',
      },
    });
  };
}
