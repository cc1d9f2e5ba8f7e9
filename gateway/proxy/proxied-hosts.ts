import { BoundedCache } from '../bounded-cache';
import { originOf, proxiedLabel } from './host-mapping';
import type { LongLabels } from './url-mapper';

export interface Upstream {
  /** e.g. "https://www.vendor.com" */
  origin: string;
  /** host[:port] as URL#host writes it, e.g. "www.vendor.com" */
  host: string;
}

/**
 * A proxied request's Host header → its upstream, decoded once per Host (bounded): the proxy handler and the
 * load-control label of every proxied request both ask. Only well-formed proxied hosts are remembered.
 */
export class ProxiedHosts {
  private readonly known = new BoundedCache<string, Upstream>();

  constructor(
    private readonly proxyDomain: string,
    private readonly labels: LongLabels,
  ) {}

  /** Without waiting: undefined when `host` is not a proxied host, or names a long label this node has not loaded yet. */
  peek(host: string): Upstream | undefined {
    return this.known.get(host) ?? this.decode(host);
  }

  /** The same, loading a long (digest) label from the Store first when needed. */
  async lookup(host: string): Promise<Upstream | undefined> {
    const known = this.peek(host);
    if (known) return known;
    const label = proxiedLabel(host, this.proxyDomain);
    if (!label) return undefined;
    await this.labels.ensure(label);
    return this.decode(host);
  }

  private decode(host: string): Upstream | undefined {
    const label = proxiedLabel(host, this.proxyDomain);
    const origin = label ? originOf(label, this.labels.resolve) : undefined;
    return origin ? this.known.remember(host, { origin, host: new URL(origin).host }) : undefined;
  }
}
