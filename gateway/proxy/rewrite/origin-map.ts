/**
 * Upstream origin → proxied origin, through the caller's opaque mapping callbacks, cached per response.
 * Only the origin (scheme and host[:port]) of a URL is ever rewritten, so paths stay byte for byte.
 */

export interface MappedOrigin {
  scheme: string; // e.g. 'https'
  hostport: string; // e.g. 'www-vendor-com.p.gw.test'
}

export interface OriginMapOptions {
  mapUrl: (absoluteUrl: string) => string | undefined;
  mapHost: (host: string) => string | undefined;
  onUnknownHost?: (host: string) => void;
}

const ORIGIN_WITH_ROOT_PATH = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#\s]+)\/$/;

export class OriginMap {
  /** scheme → host[:port] exactly as found → mapping (null: not catalogued); found spellings are cached too. */
  private readonly cache = new Map<string, Map<string, MappedOrigin | null>>();
  private readonly reported = new Set<string>();

  constructor(private readonly options: OriginMapOptions) {}

  /** `scheme` lower-case ('http' | 'https'); `hostport` as found. Undefined when the host is not catalogued. */
  lookup(scheme: string, hostport: string): MappedOrigin | undefined {
    let byHost = this.cache.get(scheme);
    if (!byHost) this.cache.set(scheme, (byHost = new Map()));
    let mapped = byHost.get(hostport);
    if (mapped === undefined) {
      const host = hostport.toLowerCase();
      mapped = byHost.get(host);
      if (mapped === undefined) {
        mapped = this.resolve(scheme, host);
        byHost.set(host, mapped);
      }
      byHost.set(hostport, mapped);
      if (mapped === null) this.report(host);
    }
    return mapped ?? undefined;
  }

  private resolve(scheme: string, host: string): MappedOrigin | null {
    const proxied = this.options.mapUrl(`${scheme}://${host}/`);
    if (proxied === undefined) return null;
    const m = ORIGIN_WITH_ROOT_PATH.exec(proxied);
    if (m?.[1] && m[2]) return { scheme: m[1].toLowerCase(), hostport: m[2] };
    // mapUrl did not keep the path as is: fall back to mapping the host alone, keeping the scheme.
    const hostport = this.options.mapHost(host);
    return hostport === undefined ? null : { scheme, hostport };
  }

  /** Once per host per response; only names that look like domains or IPv4 addresses (contain a dot). */
  private report(host: string): void {
    if (!this.options.onUnknownHost || this.reported.has(host) || !host.includes('.')) return;
    this.reported.add(host);
    this.options.onUnknownHost(host);
  }
}
