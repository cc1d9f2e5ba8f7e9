import { claimsHost } from './host-claims';
import type { Resource } from './schema';
import { defaultTarget } from './wayfless-template';

/**
 * One immutable snapshot of the resources: looked up by id (launch links) and by upstream host
 * (EZproxy-style /login?url= and, later, the proxy). Reloading swaps the whole snapshot.
 */
export class Catalog {
  private readonly ids: Map<string, Resource>;

  constructor(readonly resources: readonly Resource[]) {
    this.ids = new Map(resources.map((r) => [r.id, r]));
  }

  byId(id: string): Resource | undefined {
    return this.ids.get(id);
  }

  /** The resource that owns a URL's host; exact host claims win over domain claims. */
  byUrl(url: URL): Resource | undefined {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    return (
      this.resources.find((r) => r.hosts.some((rule) => rule.match === 'host' && claimsHost(rule, url.host))) ??
      this.resources.find((r) => r.hosts.some((rule) => rule.match === 'domain' && claimsHost(rule, url.host)))
    );
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
