/**
 * Upstream origin → proxied origin, through the caller's opaque mapping callbacks, cached. Only the origin
 * (scheme and host[:port]) of a URL is ever rewritten, so paths stay byte for byte.
 * One map can serve every response mapped by the same callbacks (the proxy keeps one per catalog snapshot);
 * the compiled scanner keeps the answers it needs in its own host table (wasm-scanner.ts).
 */
import type { MappedOrigin } from './wasm-scanner';

export type { MappedOrigin };

export interface OriginMapOptions {
  mapUrl: (absoluteUrl: string) => string | undefined;
  mapHost: (host: string) => string | undefined;
}

const ORIGIN_WITH_ROOT_PATH = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#\s]+)\/$/;

export class OriginMap {
  private readonly cache = new Map<string, MappedOrigin | null>();

  constructor(
    private readonly options: OriginMapOptions,
    /** Beyond this many hosts the cache starts over (a page full of random host names cannot grow it without bound). */
    private readonly maxEntries = 10_000,
  ) {}

  /** What host[:port] (lower case) under a scheme maps to, or null when it is not catalogued. */
  resolve(https: boolean, host: string): MappedOrigin | null {
    const key = https ? `s:${host}` : `:${host}`;
    const known = this.cache.get(key);
    if (known !== undefined) return known;
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    const mapped = this.map(https ? 'https' : 'http', host);
    this.cache.set(key, mapped);
    return mapped;
  }

  private map(scheme: string, host: string): MappedOrigin | null {
    const proxied = this.options.mapUrl(`${scheme}://${host}/`);
    if (proxied === undefined) return null;
    const m = ORIGIN_WITH_ROOT_PATH.exec(proxied);
    if (m?.[1] && m[2]) return { scheme: m[1].toLowerCase(), hostport: m[2] };
    // mapUrl did not keep the path as is: fall back to mapping the host alone, keeping the scheme.
    const hostport = this.options.mapHost(host);
    return hostport === undefined ? null : { scheme, hostport };
  }
}

/** Uncatalogued hosts of one response, each reported once; only names that look like domains or IPv4 addresses (contain a dot). */
export class OriginReporter {
  private readonly reported = new Set<string>();

  constructor(private readonly onUnknownHost: (host: string) => void) {}

  note(host: string): void {
    if (this.reported.has(host)) return;
    this.reported.add(host);
    if (host.includes('.')) this.onUnknownHost(host);
  }
}
