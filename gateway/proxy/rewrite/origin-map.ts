/**
 * Upstream origin → proxied origin, through the caller's opaque mapping callbacks, cached. Only the origin
 * (scheme and host[:port]) of a URL is ever rewritten, so paths stay byte for byte.
 *
 * The scanner looks a host up where it found it (string, start, end) with a hash of its lower-case text, so a
 * known host costs no substring and no string hashing. One cache can serve every response mapped by the same
 * callbacks (the proxy keeps one per catalog snapshot); reporting unknown hosts is per response (OriginReporter).
 */

export interface MappedOrigin {
  scheme: string; // e.g. 'https'
  hostport: string; // e.g. 'www-vendor-com.p.gw.test'
}

export interface OriginMapOptions {
  mapUrl: (absoluteUrl: string) => string | undefined;
  mapHost: (host: string) => string | undefined;
}

/** One upstream host[:port] (lower case) under one scheme, and what it maps to. */
export interface OriginEntry {
  readonly host: string;
  readonly mapped: MappedOrigin | null;
  /** `scheme://hostport` and `//hostport`: the replacement texts of the common separator. */
  readonly absolute: string;
  readonly relative: string;
}

/** Lower-case of a latin1 character code (only A–Z change). */
export const LOWER = Uint8Array.from({ length: 256 }, (_, c) => (c >= 65 && c <= 90 ? c + 32 : c));

/** The hash the scanner computes while reading a host: over lower-cased codes. */
export function hostHash(s: string, start: number, end: number): number {
  let h = 0;
  for (let i = start; i < end; i++) h = (Math.imul(h, 31) + LOWER[s.charCodeAt(i) & 255]!) | 0;
  return h;
}

const ORIGIN_WITH_ROOT_PATH = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#\s]+)\/$/;

export class OriginMap {
  /** [http, https]: hash → entries. */
  private readonly buckets = [new Map<number, OriginEntry[]>(), new Map<number, OriginEntry[]>()];
  private size = 0;

  constructor(
    private readonly options: OriginMapOptions,
    /** Beyond this many hosts the cache starts over (a page full of random host names cannot grow it without bound). */
    private readonly maxEntries = 10_000,
  ) {}

  /** The entry for host[:port] = s[start, end) (any case) with hash hostHash(s, start, end). */
  lookup(https: boolean, s: string, start: number, end: number, hash: number): OriginEntry {
    const bucket = this.buckets[https ? 1 : 0]!;
    const list = bucket.get(hash);
    if (list !== undefined) {
      for (let i = 0; i < list.length; i++) if (sameHost(list[i]!.host, s, start, end)) return list[i]!;
    }
    if (this.size >= this.maxEntries) {
      for (const b of this.buckets) b.clear();
      this.size = 0;
    }
    const entry = this.entry(https ? 'https' : 'http', s.slice(start, end).toLowerCase());
    const fresh = bucket.get(hash);
    if (fresh) fresh.push(entry);
    else bucket.set(hash, [entry]);
    this.size++;
    return entry;
  }

  private entry(scheme: string, host: string): OriginEntry {
    const mapped = this.resolve(scheme, host);
    return { host, mapped, absolute: mapped ? `${mapped.scheme}://${mapped.hostport}` : '', relative: mapped ? `//${mapped.hostport}` : '' };
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
}

function sameHost(host: string, s: string, start: number, end: number): boolean {
  if (host.length !== end - start) return false;
  if (s.startsWith(host, start)) return true; // written in lower case, as nearly all are
  for (let i = 0; i < host.length; i++) {
    if (LOWER[s.charCodeAt(start + i) & 255] !== host.charCodeAt(i)) return false;
  }
  return true;
}

/** Uncatalogued hosts of one response, each reported once; only names that look like domains or IPv4 addresses (contain a dot). */
export class OriginReporter {
  private readonly reported = new Set<string>();

  constructor(private readonly onUnknownHost: (host: string) => void) {}

  note(entry: OriginEntry): void {
    if (this.reported.has(entry.host)) return;
    this.reported.add(entry.host);
    if (entry.host.includes('.')) this.onUnknownHost(entry.host);
  }
}
