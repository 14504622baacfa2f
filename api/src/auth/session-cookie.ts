/**
 * Cookie sessions for browsers (an extension of the contract, opt-in per request).
 *
 * A web page has no safe place for a long-lived refresh token: `localStorage` is readable
 * by any script that ever runs in the page, and `sessionStorage` dies with the tab, which
 * signs the user out of every new tab and after every browser restart. A request that says
 * `X-Chat-Session: cookie` therefore gets its refresh token in an `HttpOnly`,
 * `SameSite=Strict` cookie scoped to the refresh path instead of in the body (the body's
 * `refreshToken` is then `""`), and `POST /api/auth/refresh` with that header and no
 * `refreshToken` (or an empty one) in the body uses the cookie. Rotation and theft detection are exactly the
 * contract's: the cookie is just where the single-use token travels.
 *
 * Cross-site requests cannot use it: the browser withholds a `SameSite=Strict` cookie from
 * them, and the custom header makes any cross-origin request a CORS pre-flight, which this
 * API never approves.
 */
import type { Middleware } from 'koa';
import type { AppContext, AppState } from '../http/context';
import { unauthorized } from './tokens';

export const SESSION_MODE_HEADER = 'X-Chat-Session';
export const REFRESH_COOKIE = 'chat_refresh';
export const REFRESH_COOKIE_PATH = '/api/auth/refresh';

const TOKEN_ROUTES = new Set(['/api/auth/register', '/api/auth/login', '/api/auth/refresh']);
const CLEARING_ROUTES = new Set(['/api/auth/logout', '/api/auth/refresh']);

/**
 * Browsers treat loopback as a secure context and accept `Secure` cookies from it over
 * plain HTTP; anywhere else over plain HTTP a `Secure` cookie would be dropped and the tab
 * signed out at the access token's expiry, so it is `Secure` wherever the page is.
 */
function servedSecurely(ctx: AppContext): boolean {
  return ctx.secure || ['localhost', '127.0.0.1', '[::1]'].includes(ctx.hostname);
}

function writeCookie(ctx: AppContext, value: string, maxAgeMs: number): void {
  const secure = servedSecurely(ctx);
  // `cookies` refuses a Secure cookie on a connection it believes unencrypted; loopback is
  // the one place where that is what browsers expect.
  ctx.cookies.secure = secure;
  ctx.cookies.set(REFRESH_COOKIE, value, {
    httpOnly: true,
    sameSite: 'strict',
    secure,
    path: REFRESH_COOKIE_PATH,
    maxAge: maxAgeMs,
    overwrite: true,
  });
}

function clearCookie(ctx: AppContext): void {
  writeCookie(ctx, '', 0);
}

function isTokenBody(body: unknown): body is { refreshToken: string } {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as { refreshToken?: unknown }).refreshToken === 'string'
  );
}

export function sessionCookies(options: { maxAgeSeconds: number }): Middleware<AppState> {
  return async (ctx, next) => {
    // Routes match paths in any case; so does this.
    const path = ctx.path.toLowerCase();
    const isTokenRoute = TOKEN_ROUTES.has(path);
    if (
      ctx.method !== 'POST' ||
      ctx.get(SESSION_MODE_HEADER).toLowerCase() !== 'cookie' ||
      (!isTokenRoute && !CLEARING_ROUTES.has(path))
    ) {
      await next();
      return;
    }

    if (path === REFRESH_COOKIE_PATH) {
      const body: unknown = ctx.request.body;
      // A cookie-mode client holds no token of its own: it sends none, or the "" it was given.
      const fromBody = isTokenBody(body) && body.refreshToken !== '';
      if (!fromBody) {
        const cookie = ctx.cookies.get(REFRESH_COOKIE);
        if (!cookie) throw unauthorized('No session cookie: sign in again.');
        ctx.request.body = { ...(typeof body === 'object' ? body : {}), refreshToken: cookie };
      }
    }

    try {
      await next();
    } catch (err) {
      // A refused refresh leaves nothing worth presenting again.
      if (path === REFRESH_COOKIE_PATH) clearCookie(ctx);
      throw err;
    }

    if (path === '/api/auth/logout') {
      clearCookie(ctx);
    } else if (isTokenRoute && ctx.status < 300 && isTokenBody(ctx.body)) {
      writeCookie(ctx, ctx.body.refreshToken, options.maxAgeSeconds * 1000);
      ctx.body = { ...ctx.body, refreshToken: '' };
    }
  };
}
