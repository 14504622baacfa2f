import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Push endpoints are URLs a browser hands us, so anyone signed in can choose where this
 * server sends requests. Only public `https:` hosts are called: an endpoint whose host is
 * (or resolves to) a loopback, private, link-local or otherwise special address is
 * refused, so the server cannot be made to call into its own network (SSRF).
 */
const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['64:ff9b:1::', 48], // local-use NAT64
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/**
 * True for an address this server must not send pushes to. IPv4-mapped IPv6 addresses are
 * checked as the IPv4 address they carry (a /96 rule for them would match every IPv4).
 */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return NOT_PUBLIC.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped?.[1] !== undefined) return NOT_PUBLIC.check(mapped[1], 'ipv4');
    return NOT_PUBLIC.check(address, 'ipv6');
  }
  return true;
}

export class EndpointRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EndpointRefused';
  }
}

export interface EndpointPolicy {
  /** `PUSH_ALLOW_PRIVATE_ENDPOINTS`: http: and any address (tests with a local push service). */
  allowPrivate: boolean;
  /** Resolves a host name to all its addresses; the system resolver by default. */
  resolve?: (host: string) => Promise<string[]>;
}

const systemResolve = (host: string): Promise<string[]> =>
  new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, order: 'verbatim' }, (err, addresses: LookupAddress[]) => {
      if (err) reject(err);
      else resolve(addresses.map((entry) => entry.address));
    });
  });

/**
 * The endpoint as a URL when pushes may go there.
 * @throws EndpointRefused with a sentence for the 400 answer.
 */
export async function checkEndpoint(endpoint: string, policy: EndpointPolicy): Promise<URL> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new EndpointRefused('The endpoint is not a URL.');
  }
  const schemes = policy.allowPrivate ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) {
    throw new EndpointRefused('The endpoint must be an https: URL.');
  }
  if (url.username !== '' || url.password !== '') {
    throw new EndpointRefused('The endpoint must not carry credentials.');
  }
  if (policy.allowPrivate) return url;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else {
    try {
      addresses = await (policy.resolve ?? systemResolve)(host);
    } catch {
      throw new EndpointRefused('The endpoint host does not resolve.');
    }
  }
  if (addresses.length === 0 || addresses.some(isNonPublicAddress)) {
    throw new EndpointRefused(
      'The endpoint host resolves to a loopback, private or link-local address.',
    );
  }
  return url;
}

/**
 * A `lookup` for http(s).request that refuses non-public addresses at connect time, so a
 * host that resolved to a public address when subscribing cannot be re-pointed at the
 * server's network later (DNS rebinding).
 */
export function publicOnlyLookup(
  hostname: string,
  options: { all?: boolean },
  callback: (
    err: NodeJS.ErrnoException | null,
    address: string | LookupAddress[],
    family?: number,
  ) => void,
): void {
  dnsLookup(hostname, { all: true, order: 'verbatim' }, (err, addresses: LookupAddress[]) => {
    if (err) {
      callback(err, []);
      return;
    }
    const usable = addresses.filter((entry) => !isNonPublicAddress(entry.address));
    if (usable.length === 0 || usable.length !== addresses.length) {
      const refused: NodeJS.ErrnoException = new Error(
        `${hostname} resolves to a non-public address`,
      );
      refused.code = 'ENOTFOUND';
      callback(refused, []);
      return;
    }
    if (options.all === true) callback(null, usable);
    else {
      const first = usable[0] as LookupAddress;
      callback(null, first.address, first.family);
    }
  });
}
