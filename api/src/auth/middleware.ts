import type { Middleware } from 'koa';
import type { AppState } from '../http/context';
import { unauthorized } from './tokens';
import type { AuthService } from './service';

/** `Authorization: Bearer <token>`, the scheme compared case-insensitively (RFC 7235). */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer +([^\s]+) *$/i.exec(header);
  return match?.[1] ?? null;
}

/** Refuses the request with 401 unless it carries a valid access token of a live session. */
export function requireAuth(auth: AuthService): Middleware<AppState> {
  return async (ctx, next) => {
    const token = bearerToken(ctx.get('authorization') || undefined);
    if (token === null) throw unauthorized();
    ctx.state.auth = await auth.authenticate(token);
    await next();
  };
}
