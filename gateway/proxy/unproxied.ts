import type { Store } from '../store/types';

/**
 * The unproxied-host detector: hosts found in a resource's vendor content (pages, scripts, styles,
 * JSON) that no resource claims, so IT can add them to the catalog. The rewriter reports each such
 * host once per response; counts gather in memory and reach the Store in batches (never a Store
 * write per request): per resource a set with per-member expiry (a Store semaphore, whose limit
 * bounds how many distinct hosts one resource can ever hold, so a hostile page cannot flood it)
 * plus a counter per host, both expiring after `ttlMs` without being seen.
 */

const setKey = (resource: string) => `unproxied:${resource}`;
const countKey = (resource: string, host: string) => `unproxied:${resource}:${host}`;

/** Host names as the rewriter reports them: lower-case name, optional port. Anything else is dropped. */
const HOST = /^[a-z0-9.-]{1,253}(:\d{1,5})?$/;

export interface UnproxiedHost {
  host: string;
  /** Responses it was seen in (within the retention time). */
  count: number;
}

export interface UnproxiedOptions {
  store: Store;
  ttlMs: number;
  maxPerResource: number;
  onError?: (error: unknown) => void;
}

export class UnproxiedHosts {
  private pending = new Map<string, Map<string, number>>();
  private flushing: Promise<void> | undefined;

  constructor(private readonly options: UnproxiedOptions) {}

  /** From the rewriter's onUnknownHost: in memory only (bounded per resource). */
  note(resource: string, host: string): void {
    if (!HOST.test(host)) return;
    let hosts = this.pending.get(resource);
    if (!hosts) this.pending.set(resource, (hosts = new Map()));
    const seen = hosts.get(host);
    if (seen !== undefined) hosts.set(host, seen + 1);
    else if (hosts.size < this.options.maxPerResource) hosts.set(host, 1);
  }

  /** Write what was noted to the Store (the proxy's timer and close call it). */
  flush(): Promise<void> {
    if (this.pending.size === 0) return this.flushing ?? Promise.resolve();
    const batch = this.pending;
    this.pending = new Map();
    const previous = this.flushing ?? Promise.resolve();
    const run = previous.then(async () => {
      const { store, ttlMs, maxPerResource } = this.options;
      for (const [resource, hosts] of batch) {
        for (const [host, count] of hosts) {
          try {
            if (!(await store.acquire(setKey(resource), host, maxPerResource, ttlMs))) continue; // full: new hosts wait for old ones to expire
            await store.incr(countKey(resource, host), count, ttlMs);
            await store.expire(countKey(resource, host), ttlMs);
          } catch (error) {
            this.options.onError?.(error);
            return;
          }
        }
      }
    });
    this.flushing = run.finally(() => {
      if (this.flushing === tracked) this.flushing = undefined;
    });
    const tracked = this.flushing;
    return tracked;
  }
}

/** The reader: hosts seen in `resource`'s vendor content that no resource claims, most often seen first. */
export async function readUnproxiedHosts(store: Store, resource: string): Promise<UnproxiedHost[]> {
  const hosts = await store.holders(setKey(resource));
  const counts = await Promise.all(hosts.map(async (host) => Number((await store.get(countKey(resource, host))) ?? 0)));
  return hosts
    .map((host, i) => ({ host, count: counts[i] ?? 0 }))
    .filter((h) => h.count > 0)
    .sort((a, b) => b.count - a.count || a.host.localeCompare(b.host));
}
