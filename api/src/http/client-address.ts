import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

/** The address a request came from, as far as this API can know it. */
export type ClientAddressOf = (req: IncomingMessage) => string;

/**
 * The peer's address, or, when the peer is a proxy named in TRUST_PROXY, the nearest
 * address in `X-Forwarded-For` that is not itself a trusted proxy. A client that writes its
 * own `X-Forwarded-For` straight to the API (not through a trusted proxy) is ignored, so
 * nobody can pick the address that limits and socket bindings are keyed by.
 */
export function clientAddressResolver(trustProxy: readonly string[]): ClientAddressOf {
  const trusted = trustProxy.length === 0 ? () => false : proxyAddr.compile([...trustProxy]);
  return (req) => normalize(proxyAddr(req, trusted));
}

/**
 * `::ffff:127.0.0.1` and `127.0.0.1` are one client. A socket already closed when it is asked
 * has no address left (Node gives `undefined` despite its types): it is `unknown`, not a crash.
 */
function normalize(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** @throws Error when a TRUST_PROXY entry is neither an address, a CIDR nor a known name. */
export function checkTrustProxy(entries: readonly string[]): void {
  proxyAddr.compile([...entries]);
}
