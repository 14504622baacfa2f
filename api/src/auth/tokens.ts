import { createHmac, hkdfSync, timingSafeEqual, webcrypto } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { LIMITS } from '@chat/protocol';
import type { Clock } from '../clock';
import { ApiError } from '../http/errors';

export interface AccessClaims {
  userId: string;
  sessionId: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

export interface AccessTokens {
  sign(userId: string, sessionId: string): Promise<{ token: string; exp: number }>;
  /** @throws ApiError('unauthorized') for anything but a well-formed, current access token. */
  verify(token: string): Promise<AccessClaims>;
}

const ALGORITHM = 'HS256';
const TYP_ACCESS = 'access';
/**
 * Who made an access token and for whom: checked, so a token another service signs with a
 * shared secret (or a future token kind) is never taken for one of ours.
 */
export const TOKEN_ISSUER = 'chat-api';
export const TOKEN_AUDIENCE = 'chat-api';

export function unauthorized(message = 'The access token is missing, invalid or expired.') {
  return new ApiError('unauthorized', message);
}

/**
 * Access tokens already verified, kept until they expire: every REST request and socket
 * handshake presents one, usually the same one again, and checking the HMAC and the claims
 * each time was a tenth of a history request's CPU. Only a token string that passed the
 * full check is remembered, so a hit proves what the check proved; whether its session is
 * still live is asked on every use (SessionStatus), so revocation is not delayed.
 */
const VERIFIED_TOKENS_MAX = 10_000;

export function createAccessTokens(options: {
  secret: string;
  ttlSeconds: number;
  clock: Clock;
  /** How many verified tokens to remember (least recently used dropped first); 0: none. */
  cacheEntries?: number;
}): AccessTokens {
  // Imported once: given raw bytes, jose imports a fresh CryptoKey on every sign and verify,
  // which was most of the cost of each REST request's and socket handshake's token check
  // (CPU per verify ~180 -> ~85 µs, measured in-process over 20,000 verifies).
  const key = webcrypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(options.secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
  // The contract caps access tokens at 15 minutes whatever the configuration says.
  const ttl = Math.min(options.ttlSeconds, LIMITS.accessTokenMaxSeconds);
  const nowSeconds = () => Math.floor(options.clock() / 1000);
  const cacheMax = options.cacheEntries ?? VERIFIED_TOKENS_MAX;
  // Map order doubles as recency order.
  const verified = new Map<string, AccessClaims>();

  return {
    async sign(userId, sessionId) {
      const iat = nowSeconds();
      const exp = iat + ttl;
      const token = await new SignJWT({ sid: sessionId, typ: TYP_ACCESS })
        .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
        .setSubject(userId)
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(await key);
      return { token, exp };
    },

    async verify(token) {
      const known = verified.get(token);
      if (known !== undefined) {
        verified.delete(token);
        // jose refuses a token at its `exp` second; so does the cache.
        if (known.exp <= nowSeconds()) throw unauthorized();
        verified.set(token, known);
        return known;
      }
      let payload;
      try {
        ({ payload } = await jwtVerify(token, await key, {
          // Pinned: never let the token's header choose (`none`, HS512, RS256 with our
          // secret as a "public key"...).
          algorithms: [ALGORITHM],
          currentDate: new Date(options.clock()),
          requiredClaims: ['sub', 'sid', 'exp', 'iat', 'iss', 'aud'],
          issuer: TOKEN_ISSUER,
          audience: TOKEN_AUDIENCE,
        }));
      } catch {
        throw unauthorized();
      }
      const { sub, sid, exp, iat, typ } = payload;
      if (
        typeof sub !== 'string' ||
        typeof sid !== 'string' ||
        typeof exp !== 'number' ||
        typeof iat !== 'number' ||
        typ !== TYP_ACCESS ||
        sub === '' ||
        sid === '' ||
        // A token claiming a longer life than the contract allows was not made by us.
        exp - iat > LIMITS.accessTokenMaxSeconds
      ) {
        throw unauthorized();
      }
      const claims = Object.freeze({ userId: sub, sessionId: sid, exp });
      if (cacheMax > 0) {
        verified.set(token, claims);
        if (verified.size > cacheMax) {
          const oldest = verified.keys().next();
          if (oldest.done !== true) verified.delete(oldest.value);
        }
      }
      return claims;
    },
  };
}

/**
 * Refresh tokens: `<sessionId>.<generation>.<mac>`, mac = HMAC-SHA256 over the session id
 * and generation with a key derived from JWT_SECRET. Checking the mac needs no database;
 * whether the generation is the session's current one is the store's job (see
 * AuthService.refresh), which is what makes a replayed token detectable.
 */
export interface RefreshTokens {
  issue(sessionId: string, generation: number): string;
  /** null when the token was not made by us (tampered, truncated, another secret). */
  read(token: string): { sessionId: string; generation: number } | null;
}

export function createRefreshTokens(secret: string): RefreshTokens {
  // A separate key, so an access-token signature can never pass as a refresh mac.
  const key = Buffer.from(hkdfSync('sha256', secret, 'chat-api', 'refresh-token-mac-v1', 32));
  const mac = (sessionId: string, generation: number): Buffer =>
    createHmac('sha256', key).update(`${sessionId}\u0000${generation}`).digest();

  return {
    issue(sessionId, generation) {
      return `${sessionId}.${generation}.${mac(sessionId, generation).toString('base64url')}`;
    },
    read(token) {
      // Session ids are opaque and might contain dots, so split from the right.
      const macDot = token.lastIndexOf('.');
      const genDot = token.lastIndexOf('.', macDot - 1);
      if (macDot < 0 || genDot <= 0) return null;
      const sessionId = token.slice(0, genDot);
      const generationText = token.slice(genDot + 1, macDot);
      if (!/^\d{1,15}$/.test(generationText)) return null;
      const generation = Number(generationText);
      const given = Buffer.from(token.slice(macDot + 1), 'base64url');
      const expected = mac(sessionId, generation);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      return { sessionId, generation };
    },
  };
}
