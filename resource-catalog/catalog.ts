import { claimKey, claimsHost } from './host-claims';
import type { Resource } from './schema';
import { defaultTarget } from './wayfless-template';

/**
 * One immutable snapshot of the resources: looked up by id (launch links) and by upstream host
 * (EZproxy-style /login?url= and, later, the proxy). Reloading swaps the whole snapshot.
 */
export class Catalog {
  private readonly ids: Map<string, Resource>;
  /** Host claims by "name:port" (port '' for the default), the first resource in catalog order for each. */
  private readonly exact = new Map<string, { resource: Resource; order: number }>();
  private readonly domains = new Map<string, { resource: Resource; order: number }>();

  constructor(readonly resources: readonly Resource[]) {
    this.ids = new Map(resources.map((r) => [r.id, r]));
    resources.forEach((resource, order) => {
      for (const rule of resource.hosts) {
        const index = rule.match === 'domain' ? this.domains : this.exact;
        const key = claimKey(rule.host);
        if (!index.has(key)) index.set(key, { resource, order });
      }
    });
  }

  byId(id: string): Resource | undefined {
    return this.ids.get(id);
  }

  /** The resource that owns a URL's host; exact host claims win over domain claims. */
  byUrl(url: URL): Resource | undefined {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    return this.byHost(url.host);
  }

  /**
   * The resource that owns host[:port] (as URL#host writes it: no default port). Every proxied request
   * and every rewritten link asks, so it looks up the index, never walks the catalog.
   */
  byHost(host: string): Resource | undefined {
    const key = claimKey(host);
    const exact = this.exact.get(key);
    if (exact) return exact.resource;
    // Domain claims: the name itself and each parent domain; the earliest resource in catalog order wins.
    const colon = key.lastIndexOf(':');
    const port = key.slice(colon);
    let name = key.slice(0, colon);
    let best: { resource: Resource; order: number } | undefined;
    for (;;) {
      const claim = this.domains.get(name + port);
      if (claim && (!best || claim.order < best.order)) best = claim;
      const dot = name.indexOf('.');
      if (dot === -1) return best?.resource;
      name = name.slice(dot + 1);
    }
  }

  /** True when the URL is an http(s) address on one of the resource's hosts. */
  static owns(resource: Resource, url: URL): boolean {
    return (url.protocol === 'https:' || url.protocol === 'http:') && resource.hosts.some((rule) => claimsHost(rule, url.host));
  }
}

/** Where a launch lands when its link names no page: the first access method's landing page. */
export function homeOf(resource: Resource): string {
  const first = resource.access[0]!;
  if (first.kind === 'wayfless') return defaultTarget(resource, first);
  if (first.kind === 'idp') return first.defaultTarget ?? `https://${resource.hosts[0]!.host}/`;
  return first.kind === 'proxy' ? first.start : first.url;
}

/** An http(s) URL from user input, or undefined: nothing else is ever launched or linked. */
export function parseHttpUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string' || !value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}
