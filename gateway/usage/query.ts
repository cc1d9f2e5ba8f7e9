import type { Store } from '../store/types';
import { daysBetween } from './day';
import { counterKey, decodeTuple, indexKey, usersKey, type Tuple } from './keys';

export interface UsageFilter {
  /** First and last day, inclusive, YYYY-MM-DD (reporting days in usage.timeZone). */
  from: string;
  to: string;
  institution?: string;
  affiliation?: string;
  resource?: string;
  method?: string;
  onCampus?: boolean;
}

/**
 * One day × resource × institution × affiliation × method × on/off campus. `resource` is "" on
 * sign-in rows (logins, login failures) unless the sign-in started from a launch link; `method` is
 * the access method (wayfless/proxy/direct) on launch and proxy rows, the sign-in protocol
 * (saml/cas/oidc/demo) on login rows, "" on denial, seat and suspension rows.
 */
export interface UsageRow extends Tuple {
  day: string;
  logins: number;
  launches: number;
  /** Denials by reason (not-licensed, not-entitled, …). */
  denials: Record<string, number>;
  /** Failed sign-ins by reason. */
  loginFailures: Record<string, number>;
  /** Proxied traffic, from proxy-summary events. */
  requests: number;
  bytes: number;
  itemRequests: number;
  uniqueItemRequests: number;
  searches: number;
  seatFull: number;
  suspensions: number;
  overloadShed: number;
}

interface DayIndex {
  metrics: Map<string, Set<string>>;
  nodes: Set<string>;
  /** Identified items and titles (encoded, keys.ts). */
  items: Set<string>;
  titles: Set<string>;
}

/** What exists on one day: tuples with their metrics (incl. "users"), and nodes with a high-water mark. */
export async function readDayIndex(store: Store, day: string): Promise<DayIndex> {
  const index: DayIndex = { metrics: new Map(), nodes: new Set(), items: new Set(), titles: new Set() };
  let after = '0';
  for (;;) {
    const page = await store.read(indexKey(day), after, 1000);
    for (const { fields } of page) {
      if (fields.n !== undefined) index.nodes.add(fields.n);
      if (fields.i !== undefined) index.items.add(fields.i);
      if (fields.T !== undefined) index.titles.add(fields.T);
      if (fields.t !== undefined && fields.m !== undefined) {
        const set = index.metrics.get(fields.t) ?? new Set<string>();
        index.metrics.set(fields.t, set.add(fields.m));
      }
    }
    if (page.length < 1000) return index;
    after = page[page.length - 1]!.id;
  }
}

function matches(t: Tuple, f: UsageFilter): boolean {
  return (
    (f.institution === undefined || t.institution === f.institution) &&
    (f.affiliation === undefined || t.affiliation === f.affiliation) &&
    (f.resource === undefined || t.resource === f.resource) &&
    (f.method === undefined || t.method === f.method) &&
    (f.onCampus === undefined || t.onCampus === f.onCampus)
  );
}

function emptyRow(day: string, t: Tuple): UsageRow {
  return { day, ...t, logins: 0, launches: 0, denials: {}, loginFailures: {}, requests: 0, bytes: 0, itemRequests: 0, uniqueItemRequests: 0, searches: 0, seatFull: 0, suspensions: 0, overloadShed: 0 };
}

const FIELDS: Record<string, keyof UsageRow> = {
  logins: 'logins',
  launches: 'launches',
  requests: 'requests',
  bytes: 'bytes',
  items: 'itemRequests',
  uniqueItems: 'uniqueItemRequests',
  searches: 'searches',
  seatFull: 'seatFull',
  suspensions: 'suspensions',
  overloadShed: 'overloadShed',
};

/** Aggregated usage rows matching the filter, by day, resource, institution, affiliation, method, campus. */
export async function queryUsage(store: Store, filter: UsageFilter): Promise<UsageRow[]> {
  const rows: UsageRow[] = [];
  for (const day of daysBetween(filter.from, filter.to)) {
    const index = await readDayIndex(store, day);
    for (const [encoded, metrics] of index.metrics) {
      const tuple = decodeTuple(encoded);
      if (!matches(tuple, filter)) continue;
      const row = emptyRow(day, tuple);
      const counted = [...metrics].filter((m) => m !== 'users');
      const values = await Promise.all(counted.map((m) => store.get(counterKey(day, encoded, m))));
      counted.forEach((metric, i) => {
        const n = Number(values[i] ?? 0);
        if (metric.startsWith('deny:')) row.denials[metric.slice(5)] = n;
        else if (metric.startsWith('fail:')) row.loginFailures[metric.slice(5)] = n;
        else if (FIELDS[metric]) (row[FIELDS[metric]] as number) = n;
      });
      rows.push(row);
    }
  }
  const sortKey = (r: UsageRow) => [r.day, r.resource, r.institution, r.affiliation, r.method, r.onCampus ? '1' : '0'].join('\0');
  return rows.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
}

/**
 * Distinct pseudonymous users (who signed in, launched or used the proxy) across every matching
 * day and tuple: exact on MemoryStore, HyperLogLog estimate (±0.81%) on Redis. On Redis Cluster
 * a range spanning several days needs one call per day (keys of different days are on different slots).
 */
export async function uniqueUsers(store: Store, filter: UsageFilter): Promise<number> {
  const keys: string[] = [];
  for (const day of daysBetween(filter.from, filter.to)) {
    const index = await readDayIndex(store, day);
    for (const [encoded, metrics] of index.metrics) {
      if (metrics.has('users') && matches(decodeTuple(encoded), filter)) keys.push(usersKey(day, encoded));
    }
  }
  return store.pfCount(keys);
}
