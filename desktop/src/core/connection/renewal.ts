import { backoffDelay, type Clock } from '../clock';
import { ClientError } from '../errors';
import { readJwtTimes, type Session } from '../session';
import type { Link } from './link';

const RENEW_AT_FRACTION = 0.8;

/**
 * The socket's authorization over time:
 * - handshake: every (re)connect presents the freshest access token (refreshed first if
 *   it is missing or about to expire);
 * - renewal: at 80% of the token's lifetime the session refreshes and the socket sends
 *   `auth:renew`, so a long session never sees the server's expiry disconnect;
 * - recovery: a refused handshake or a server-side disconnect (expiry, revocation)
 *   refreshes first and reconnects with backoff; a refused refresh has already signed out.
 */
export class Renewal {
  private handshakeToken: string | null = null;
  private renewTimer: unknown = null;
  private reconnectTimer: unknown = null;
  private failures = 0;

  constructor(
    private readonly link: Link,
    private readonly deps: { session: Session; clock: Clock },
  ) {}

  /** Socket.IO's `auth` callback. */
  handshake(cb: (data: object) => void): void {
    this.deps.session.accessToken(30).then(
      (token) => {
        this.handshakeToken = token;
        cb({ token });
      },
      // The server refuses the empty handshake and we land in recover().
      () => cb({}),
    );
  }

  connected(): void {
    this.failures = 0;
    this.schedule();
  }

  /** Every refresh, whoever caused it, renews the live socket's authorization. */
  onToken(token: string): void {
    if (!this.link.running()) return;
    this.schedule();
    if (!this.link.connected() || this.handshakeToken === token) return;
    this.handshakeToken = token;
    this.link.emit('auth:renew', { token }).catch(() => {
      // Refused or lost: reconnect, which presents the fresh token in the handshake.
      if (this.link.running() && this.link.connected()) {
        this.link.socket()?.disconnect();
        this.link.socket()?.connect();
      }
    });
  }

  /** The server refused the handshake or ended the connection: refresh, then reconnect. */
  recover(): void {
    if (this.reconnectTimer !== null) return;
    const { session, clock } = this.deps;
    const stale = this.handshakeToken;
    const delay = backoffDelay(this.failures++, 250, 30_000);
    this.reconnectTimer = clock.setTimeout(() => {
      session.refresh(stale).then(
        () => {
          this.reconnectTimer = null;
          if (this.link.running() && !this.link.connected()) this.link.socket()?.connect();
        },
        (err: unknown) => {
          this.reconnectTimer = null;
          // Refused: the session has ended and the client stops us. Unreachable: retry.
          if (err instanceof ClientError && err.code === 'not_signed_in') return;
          if (this.link.running()) this.recover();
        },
      );
    }, delay);
  }

  stop(): void {
    for (const timer of [this.renewTimer, this.reconnectTimer]) {
      if (timer !== null) this.deps.clock.clearTimeout(timer);
    }
    this.renewTimer = this.reconnectTimer = null;
  }

  private schedule(): void {
    const { session, clock } = this.deps;
    if (this.renewTimer !== null) clock.clearTimeout(this.renewTimer);
    this.renewTimer = null;
    const token = session.currentAccessToken();
    const times = token === null ? null : readJwtTimes(token);
    if (times === null) return;
    const now = clock.now();
    const expMs = times.exp * 1000;
    const startMs = times.iat === null ? now : times.iat * 1000;
    const at = startMs + (expMs - startMs) * RENEW_AT_FRACTION;
    this.renewTimer = clock.setTimeout(
      () => {
        this.renewTimer = null;
        session.refresh(token).catch(() => {
          // Unreachable: try again shortly; if the token expires first, the server
          // disconnects and recover() takes over.
          if (this.link.running()) {
            this.renewTimer = clock.setTimeout(() => this.schedule(), 5_000);
          }
        });
      },
      Math.max(0, at - now),
    );
  }
}
