import type { Identity } from '../../idp-adapters/identity';
import type { Resource } from '../../resource-catalog/schema';
import { itemRef, type ItemRef } from '../../resource-catalog/item-ids';
import type { RecordUsage } from '../usage/record';

/**
 * Proxied traffic summarised per (session, resource) in memory, never an event per request. With
 * the usage log attached (`writes`), the summaries of everything noted so far go into every write
 * of the log, in the same batch as the NCSA lines of those requests: a crash loses no proxied
 * request the access log kept. Without it, one `proxy-summary` event after `everyRequests`
 * requests, after `idleMs` without a request, and for everything at close. Item and search
 * requests are URLs matching the resource's catalog patterns (COUNTER Total_Item_Requests,
 * Unique_Item_Requests, Searches_Regular); an item is unique once per session and resource, for as
 * long as the session may live (`rememberItemsMs`), whatever was written in between.
 */

export interface UrlKinds {
  item: boolean;
  search: boolean;
  /** What the matching item pattern captured (named groups, resource-catalog/item-ids.ts). */
  ref?: ItemRef;
}

const compiled = new WeakMap<Resource, { item: RegExp[]; search: RegExp[] }>();

/** Does the upstream URL match the resource's item / search patterns? (Regexps compiled once per catalog entry.) */
export function classifyUrl(resource: Resource, url: string): UrlKinds {
  if (!resource.patterns) return { item: false, search: false };
  let patterns = compiled.get(resource);
  if (!patterns) {
    const compile = (sources: string[] | undefined) => (sources ?? []).map((source) => new RegExp(source));
    patterns = { item: compile(resource.patterns.item), search: compile(resource.patterns.search) };
    compiled.set(resource, patterns);
  }
  const search = patterns.search.some((p) => p.test(url));
  for (const p of patterns.item) {
    const match = p.exec(url);
    if (match) return { item: true, search, ref: itemRef(match.groups) };
  }
  return { item: false, search };
}

export interface TrafficNote {
  session: string;
  resource: string;
  user: Identity;
  bytes: number;
  /** The upstream URL when it is an item request. */
  itemUrl?: string;
  /** The identifiers its item pattern captured, if any. */
  item?: ItemRef;
  search: boolean;
  at: number;
}

interface Accumulator {
  session: string;
  resource: string;
  user: Identity;
  requests: number;
  bytes: number;
  itemRequests: number;
  uniqueItemRequests: number;
  searches: number;
  /** Identified items requested since the last summary, by their JSON. */
  items: Map<string, { ref: ItemRef; requests: number }>;
  from: number;
  until: number;
}

/** Item URLs seen in one session on one resource, kept after its summaries are written. */
interface SeenItems {
  items: Set<string>;
  /** Identified items (JSON of their ItemRef) counted one by one in this session. */
  itemised: Set<string>;
  lastAt: number;
}

/** Distinct item URLs remembered per session and resource; beyond it, items still count but no longer as unique. */
const MAX_ITEMS_REMEMBERED = 10_000;
/**
 * Identified items one session counts one by one per resource (the Item and Title Reports), as
 * the store keeps counters for each item and day: a reader opens tens of items in a session, a
 * harvester thousands (COUNTER leaves bulk downloading out, 7.9), so beyond this the session's
 * further items still count for the database and platform but add no per-item keys.
 */
const MAX_ITEMS_ITEMISED = 1_000;

export interface TrafficOptions {
  record: RecordUsage;
  everyRequests: number;
  idleMs: number;
  /** The usage log's write hook (UsageLog.beforeWrite): summaries then share every write. */
  writes?: (hook: () => void) => { wake: () => void };
  /** How long a session's item URLs are remembered after its last request (the session idle timeout). Default 2 h. */
  rememberItemsMs?: number;
  now?: () => number;
}

export class ProxyTraffic {
  private readonly open = new Map<string, Accumulator>();
  private readonly seen = new Map<string, SeenItems>();
  private readonly timer: NodeJS.Timeout;
  private readonly now: () => number;
  private readonly wake: (() => void) | undefined;
  private closed = false;

  constructor(private readonly options: TrafficOptions) {
    this.now = options.now ?? Date.now;
    this.wake = options.writes?.(() => this.flushAll()).wake;
    this.timer = setInterval(() => this.flushIdle(), Math.max(1000, Math.min(options.idleMs / 2, 15_000)));
    this.timer.unref();
  }

  note(n: TrafficNote): void {
    const key = `${n.session}\0${n.resource}`;
    let acc = this.open.get(key);
    if (!acc) {
      acc = { session: n.session, resource: n.resource, user: n.user, requests: 0, bytes: 0, itemRequests: 0, uniqueItemRequests: 0, searches: 0, items: new Map(), from: n.at, until: n.at };
      this.open.set(key, acc);
    }
    if (acc.requests === 0) acc.from = n.at;
    acc.requests += 1;
    acc.bytes += n.bytes;
    acc.until = n.at;
    if (n.search) acc.searches += 1;
    if (n.itemUrl !== undefined) {
      acc.itemRequests += 1;
      let seen = this.seen.get(key);
      if (!seen) this.seen.set(key, (seen = { items: new Set(), itemised: new Set(), lastAt: n.at }));
      seen.lastAt = n.at;
      if (!seen.items.has(n.itemUrl) && seen.items.size < MAX_ITEMS_REMEMBERED) {
        seen.items.add(n.itemUrl);
        acc.uniqueItemRequests += 1;
      }
      if (n.item) {
        const id = JSON.stringify(n.item);
        if (!seen.itemised.has(id) && seen.itemised.size < MAX_ITEMS_ITEMISED) seen.itemised.add(id);
        if (seen.itemised.has(id)) {
          const counted = acc.items.get(id);
          if (counted) counted.requests += 1;
          else acc.items.set(id, { ref: n.item, requests: 1 });
        }
      }
    }
    if (this.closed) {
      this.emit(acc);
      this.open.delete(key);
    } else if (this.wake) {
      this.wake();
    } else if (acc.requests >= this.options.everyRequests) {
      this.emit(acc);
    }
  }

  /** Summaries of (session, resource) pairs idle for idleMs (the timer calls it; tests may too); forgets items of ended sessions. */
  flushIdle(): void {
    const now = this.now();
    const idleBefore = now - this.options.idleMs;
    for (const [key, acc] of this.open) {
      if (acc.until > idleBefore) continue;
      this.emit(acc);
      this.open.delete(key);
    }
    const forgetBefore = now - (this.options.rememberItemsMs ?? 2 * 3_600_000);
    for (const [key, seen] of this.seen) if (seen.lastAt <= forgetBefore) this.seen.delete(key);
  }

  /** Everything now (at close, or when a test wants the summaries). */
  flushAll(): void {
    for (const acc of this.open.values()) this.emit(acc);
    this.open.clear();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.flushAll();
  }

  private emit(acc: Accumulator): void {
    if (acc.requests === 0) return;
    const { institution, subject, affiliations } = acc.user;
    this.options.record({
      type: 'proxy-summary',
      resource: acc.resource,
      requests: acc.requests,
      bytes: acc.bytes,
      itemRequests: acc.itemRequests,
      uniqueItemRequests: acc.uniqueItemRequests,
      searches: acc.searches,
      ...(acc.items.size ? { items: [...acc.items.values()].map(({ ref, requests }) => ({ ...ref, requests })) } : {}),
      session: acc.session,
      from: new Date(acc.from).toISOString(),
      until: new Date(acc.until).toISOString(),
      institution,
      subject,
      affiliations,
    });
    acc.requests = 0;
    acc.bytes = 0;
    acc.itemRequests = 0;
    acc.uniqueItemRequests = 0;
    acc.searches = 0;
    acc.items = new Map();
  }
}
