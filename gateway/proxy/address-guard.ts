import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { buildConnector } from 'undici';
import { addressRange, isPublicAddress } from '../../resource-catalog/address-policy';

/**
 * SSRF guard: vendor host names are resolved here, every address is checked, and the socket is
 * opened to the address that was checked (never resolved a second time), so a DNS answer that
 * changes between check and connect (DNS rebinding) cannot reach an internal address.
 */

/**
 * The address to connect to: the first one the one address policy lets the proxy reach (any of
 * them when the catalogue's host rule allows private addresses), or undefined.
 */
export function pickAddress(addresses: readonly string[], allowPrivate: boolean): string | undefined {
  return addresses.find((a) => (allowPrivate ? net.isIP(a) !== 0 : isPublicAddress(a)));
}

/** The vendor's host resolved to an address that one is refused (private and not allowed). */
export class RefusedAddressError extends Error {
  readonly code = 'PASSWAY_REFUSED_ADDRESS';
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`refused to connect to ${host}: it resolves to ${address}, a ${addressRange(address)} address`);
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
        const address = pickAddress(list, options.allowPrivate(origin));
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
