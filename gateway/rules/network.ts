import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';
import proxyaddr from 'proxy-addr';

/**
 * The client address as Express's req.ip sees it (the same proxy-addr library, the same
 * server.trustProxy list), for the proxy's plain-Node path where there is no req.ip.
 */
export function clientAddressOf(trustProxy: readonly string[]): (req: IncomingMessage) => string {
  const trust = proxyaddr.compile(trustProxy.length > 0 ? [...trustProxy] : []);
  return (req) => (trustProxy.length > 0 ? proxyaddr(req, trust) : (req.socket.remoteAddress ?? ''));
}

/** The client network a rule counts: the /24 of an IPv4 address, the /48 of an IPv6 one (IPv4-mapped IPv6 counts as IPv4). */
export function networkOf(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return undefined;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  if (parsed.kind() === 'ipv4') {
    const [a, b, c] = (parsed as ipaddr.IPv4).octets;
    return `${a}.${b}.${c}.0/24`;
  }
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 3).map((p) => p.toString(16));
  return `${parts.join(':')}::/48`;
}
