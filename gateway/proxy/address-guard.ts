import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { buildConnector } from 'undici';

/**
 * SSRF guard: vendor host names are resolved here, every address is checked, and the socket is
 * opened to the address that was checked (never resolved a second time), so a DNS answer that
 * changes between check and connect (DNS rebinding) cannot reach an internal address.
 */

const blocked = new net.BlockList();
for (const [net4, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net4, prefix, 'ipv4');
for (const [net6, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96], ['2001:db8::', 32]] as const) {
  blocked.addSubnet(net6, prefix, 'ipv6');
}

/** True for private, loopback, link-local, shared, multicast and reserved addresses (IPv4-mapped IPv6 included). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1]!, 'ipv4');
  const family = net.isIP(address);
  if (family === 0) return true;
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The vendor's host resolved to an address that one is refused (private and not allowed). */
export class RefusedAddressError extends Error {
  readonly code = 'PASSWAY_REFUSED_ADDRESS';
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`refused to connect to ${host}: it resolves to the private address ${address}`);
  }
}

export type Resolve = (hostname: string) => Promise<string[]>;
const systemResolve: Resolve = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/**
 * An undici connector that resolves, checks and connects to the checked address; TLS still uses
 * the host name for SNI and certificate checks. `allowPrivate(origin)` says whether the catalogue
 * lets this origin ("http://localhost:8083") resolve to a private address.
 */
export function guardedConnector(options: { connectTimeoutMs: number; allowPrivate: (origin: string) => boolean; resolve?: Resolve }): buildConnector.connector {
  const connect = buildConnector({ timeout: options.connectTimeoutMs });
  const resolve = options.resolve ?? systemResolve;
  return (opts, callback) => {
    const hostname = opts.hostname.replace(/^\[|\]$/g, '');
    const origin = `${opts.protocol}//${opts.hostname}${opts.port ? `:${opts.port}` : ''}`;
    const addresses = net.isIP(hostname) ? Promise.resolve([hostname]) : resolve(hostname);
    addresses.then(
      (list) => {
        const allowed = options.allowPrivate(origin);
        const address = list.find((a) => allowed || !isPrivateAddress(a));
        if (!address) {
          callback(new RefusedAddressError(opts.host ?? hostname, list[0] ?? '(none)'), null);
          return;
        }
        const servername = net.isIP(hostname) ? undefined : (opts.servername ?? hostname);
        connect({ ...opts, hostname: address, servername }, callback);
      },
      (error: Error) => callback(error, null),
    );
  };
}
