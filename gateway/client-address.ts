import type { IncomingMessage } from 'node:http';
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
