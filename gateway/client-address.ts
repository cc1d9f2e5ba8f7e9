import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';
import proxyaddr from 'proxy-addr';

/** Whether the hop at `address` may speak for the client (X-Forwarded-For); Express's 'trust proxy' function. */
export type TrustProxy = (address: string, hop: number) => boolean;

/**
 * server.trustProxy as a trust function: the same one is Express's 'trust proxy' setting (req.ip) and the
 * proxy's rule for raw requests, so the access log, limits and campus checks agree on who the client is.
 */
export function trustProxy(ranges: readonly string[]): TrustProxy {
  return ranges.length > 0 ? proxyaddr.compile([...ranges]) : () => false;
}

/** The client address of a request (what req.ip is in Express): the nearest X-Forwarded-For hop not trusted. */
export function clientAddress(req: IncomingMessage, trust: TrustProxy): string {
  return proxyaddr(req, trust);
}

/**
 * The network an address belongs to, as a text key: its first `ipv4Bits` (a multiple of 8) or
 * `ipv6Bits` (a multiple of 16), e.g. 192.0.2.0/24 or 2001:db8:1::/48; an IPv4-mapped IPv6 address
 * counts as its IPv4 address. Undefined for what is not an address. What limits and security rules count per.
 */
export function networkOf(address: string, ipv4Bits: number, ipv6Bits: number): string | undefined {
  if (!ipaddr.isValid(address)) return undefined;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') {
    const octets = (parsed as ipaddr.IPv4).octets.map((o, i) => (i < ipv4Bits / 8 ? o : 0));
    return ipv4Bits === 32 ? octets.join('.') : `${octets.join('.')}/${ipv4Bits}`;
  }
  return `${(parsed as ipaddr.IPv6).parts.slice(0, ipv6Bits / 16).map((p) => p.toString(16)).join(':')}::/${ipv6Bits}`;
}
