import type { Catalog } from '../../resource-catalog/catalog';
import type { Store } from '../store/types';
import { fromProxied, labelFor, toProxied, type GatewayAddress } from './host-mapping';
import { OriginMap } from './rewrite';

const DIGEST_LABEL = /(?<!-)---x[a-z2-7]{16}$/;

/**
 * Long upstream names (labels over 63 characters) map to a digest label that cannot be decoded by
 * itself. Every such origin the proxy maps is remembered here and in the Store (`hostlabel:<label>`),
 * so any node can decode a digest label another node produced.
 */
export class LongLabels {
  private readonly known = new Map<string, string>();
  constructor(private readonly store: Store) {}

  remember(origin: string, label: string): void {
    if (this.known.get(label) === origin) return;
    this.known.set(label, origin);
    void this.store.set(`hostlabel:${label}`, origin).catch(() => undefined);
  }

  /** Load a digest label from the Store when this node has not seen it yet. */
  async ensure(label: string): Promise<void> {
    if (!DIGEST_LABEL.test(label) || this.known.has(label)) return;
    const origin = await this.store.get(`hostlabel:${label}`);
    if (origin) this.known.set(label, origin);
  }

  resolve = (label: string): string | undefined => this.known.get(label);
}

/** Mapping bound to a catalog snapshot: only catalogued upstream hosts are ever rewritten to proxied ones. */
export class UrlMapper {
  constructor(
    private readonly gw: GatewayAddress,
    private readonly catalog: Catalog,
    private readonly labels: LongLabels,
  ) {}

  private proxiedOf(url: URL): URL | undefined {
    if (!this.catalog.byUrl(url)) return undefined;
    const label = labelFor(url);
    if (label && DIGEST_LABEL.test(label)) this.labels.remember(url.origin, label);
    return toProxied(url, this.gw);
  }

  /** Absolute (or protocol-relative, against `base`) upstream URL → proxied URL; undefined for relative or uncatalogued. */
  mapUrl = (value: string, base?: string): string | undefined => {
    const trimmed = value.trim();
    if (!/^([a-z][a-z0-9+.-]*:|\/\/)/i.test(trimmed)) return undefined;
    let url: URL;
    try {
      url = new URL(trimmed, base);
    } catch {
      return undefined;
    }
    return this.proxiedOf(url)?.href;
  };

  /** Upstream host ("www.vendor.com" or "localhost:8083") → proxied host; the scheme is the resource's own. */
  mapHost = (host: string): string | undefined => {
    let url: URL;
    try {
      url = new URL(`https://${host}`);
    } catch {
      return undefined;
    }
    const resource = this.catalog.byUrl(url);
    if (!resource) return undefined;
    const start = resource.access.find((m) => m.kind === 'proxy')?.start;
    if (start && new URL(start).host === url.host) url.protocol = new URL(start).protocol;
    return this.proxiedOf(url)?.host;
  };

  /** Proxied URL → upstream URL (Referer, Origin); undefined when not a proxied address. */
  toUpstream = (proxied: string): string | undefined => {
    try {
      return fromProxied(new URL(proxied), this.gw, this.labels.resolve)?.href;
    } catch {
      return undefined;
    }
  };
}

/** A catalog snapshot's URL mapping, and the rewriter's cache of its answers (kept across responses). */
export interface CatalogMapping {
  mapper: UrlMapper;
  origins: OriginMap;
}

/** One CatalogMapping per catalog snapshot: a reload starts a new one, the old one goes with its catalog. */
export function mappingPerCatalog(gw: GatewayAddress, labels: LongLabels): (catalog: Catalog) => CatalogMapping {
  const mappings = new WeakMap<Catalog, CatalogMapping>();
  return (catalog) => {
    let mapping = mappings.get(catalog);
    if (!mapping) {
      const mapper = new UrlMapper(gw, catalog, labels);
      mapping = { mapper, origins: new OriginMap({ mapUrl: (u) => mapper.mapUrl(u), mapHost: mapper.mapHost }) };
      mappings.set(catalog, mapping);
    }
    return mapping;
  };
}
