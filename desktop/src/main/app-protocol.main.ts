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
