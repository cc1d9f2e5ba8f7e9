import type { Store } from '../store/types';
import type { StoredUsageEvent } from './events';
import { canonicalItemRef } from '../../resource-catalog/item-ids';
import { counterKey, encodeIdentified, encodeTuple, hwmKey, indexKey, itemCounterKey, itemSessionsKey, titleSessionsKey, usersKey, type Tuple } from './keys';

/** What one event adds to the aggregates: counters of one dimension tuple, and maybe a user. */
export interface Contribution {
  tuple: Tuple;
  metrics: Record<string, number>;
  user?: string;
  /** Identified items (encoded, keys.ts) with their requests, and the titles they belong to, all requested in `session`. */
  items?: { item: string; requests: number; title?: string }[];
  session?: string;
}

/** The identified items of a proxy summary, encoded as store key parts. */
function identifiedItems(e: StoredUsageEvent & { type: 'proxy-summary' }): Contribution['items'] {
  if (!Array.isArray(e.items)) return undefined;
  const institution = e.institution ?? '';
  const out: NonNullable<Contribution['items']> = [];
  for (const entry of e.items) {
    const ref = canonicalItemRef(entry);
    const requests = int(entry?.requests);
    if (!ref || requests === 0) continue;
    const title = ref.title ? encodeIdentified({ resource: e.resource, institution, ref: ref.title }) : undefined;
    out.push({ item: encodeIdentified({ resource: e.resource, institution, ref }), requests, ...(title ? { title } : {}) });
  }
  return out.length ? out : undefined;
}

/** Every store key an event's contribution touches (rebuild clears them, since the store may have lost the index naming them). */
export function contributionKeys(day: string, c: Contribution): string[] {
  const t = encodeTuple(c.tuple);
  const keys = Object.keys(c.metrics).map((metric) => counterKey(day, t, metric));
  if (c.user) keys.push(usersKey(day, t));
  for (const i of c.items ?? []) {
    keys.push(itemCounterKey(day, i.item), itemSessionsKey(day, i.item));
    if (i.title) keys.push(titleSessionsKey(day, i.title));
  }
  return keys;
}

const int = (n: number | undefined) => (typeof n === 'number' && Number.isFinite(n) ? Math.max(0, Math.round(n)) : 0);

/** The aggregate contribution of one stored event; null for events that are only logged. */
export function contribution(e: StoredUsageEvent): Contribution | null {
  const who = e as { institution?: string; affiliation?: string; onCampus?: boolean; user?: string };
  const tuple = (resource: string, method: string): Tuple => ({
    resource,
    institution: who.institution ?? '',
    affiliation: who.affiliation ?? '',
    method,
    onCampus: who.onCampus === true,
  });
  switch (e.type) {
    case 'login-success':
      return { tuple: tuple(e.resource ?? '', e.adapter), metrics: { logins: 1 }, user: e.user };
    case 'login-failure':
      return { tuple: tuple('', e.adapter ?? ''), metrics: { [`fail:${e.reason}`]: 1 } };
    case 'launch':
      return { tuple: tuple(e.resource, e.method), metrics: { launches: 1 }, user: e.user };
    case 'denial':
      return { tuple: tuple(e.resource, ''), metrics: { [`deny:${e.reason}`]: 1 } };
    case 'proxy-summary': {
      const items = identifiedItems(e);
      return {
        tuple: tuple(e.resource, 'proxy'),
        metrics: { requests: int(e.requests), bytes: int(e.bytes), items: int(e.itemRequests), uniqueItems: int(e.uniqueItemRequests), searches: int(e.searches) },
        user: e.user,
        // COUNTER's user session is a session and a day (7.3): the day is the key's, the session a pseudonym.
        ...(items ? { items, session: e.sessionRef ?? e.user ?? e.id } : {}),
      };
    }
    case 'seat-full':
      return { tuple: tuple(e.resource, ''), metrics: { seatFull: 1 } };
    case 'suspension':
      return { tuple: tuple(e.resource, ''), metrics: { suspensions: 1 } };
    case 'overload-shed':
      return { tuple: { resource: e.resource ?? '', institution: '', affiliation: '', method: '', onCampus: false }, metrics: { overloadShed: e.shed === undefined ? 1 : int(e.shed) } };
    default:
      return null;
  }
}

/** A node's events of one day as its log file holds them, from the first line (see log-files.ts). */
export type DayLog = (day: string, node: string) => AsyncIterable<StoredUsageEvent> | undefined;

const BATCH = 500;

/**
 * Applies events to the Store exactly once. Per day and node a high-water mark (last applied seq)
 * guards the counters: a batch's increments and the new mark are one atomic `incrGuarded`, so a
 * replay of events at or below the mark changes nothing, and concurrent appliers (live path,
 * catch-up, another node reconciling a shared folder) never count an event twice. Index entries
 * and HyperLogLog adds are idempotent and go first, so a failed batch is simply retried.
 *
 * A missing mark means none of that node's events of the day is counted: the store is new, or it
 * lost its data (a Redis restarted empty). A batch that does not start at the node's first event
 * of the day is then not applied alone: the node-day is recounted from its log file (`log`), which
 * holds every event the batch follows. The index entries this process remembers for that day are
 * forgotten, since the store may have lost them too.
 */
export class Aggregator {
  /** Index entries known to be in the store, per day. */
  private readonly indexed = new Map<string, Set<string>>();

  constructor(
    private readonly store: Store,
    private readonly log?: DayLog,
  ) {}

  /** Forget every index entry remembered (the store was lost). */
  forgetIndex(): void {
    this.indexed.clear();
  }

  /**
   * Apply events (in seq order per node, any days and nodes). `fromStart`: the events of each
   * node-day begin at its first logged event (a log file read from its first line). Rejects when
   * the store does; nothing is half-applied.
   */
  async apply(events: readonly StoredUsageEvent[], fromStart = false): Promise<void> {
    const groups = new Map<string, { day: string; node: string; events: StoredUsageEvent[] }>();
    for (const e of events) {
      const key = `${e.day}\0${e.node}`;
      const group = groups.get(key);
      if (group) group.events.push(e);
      else groups.set(key, { day: e.day, node: e.node, events: [e] });
    }
    for (const { day, node, events: ofNode } of groups.values()) {
      if (!(await this.applyDay(day, node, ofNode, fromStart || !this.log))) await this.recount(day, node);
    }
  }

  /** Count a node-day from its log file, from the first line (the mark skips what is counted already). */
  async recount(day: string, node: string): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const lines = this.log?.(day, node);
      if (!lines) return;
      let first = true;
      let complete = true;
      let batch: StoredUsageEvent[] = [];
      for await (const e of lines) {
        batch.push(e);
        if (batch.length < BATCH) continue;
        complete = await this.applyDay(day, node, batch, first);
        first = false;
        batch = [];
        if (!complete) break;
      }
      if (complete && batch.length > 0) complete = await this.applyDay(day, node, batch, first);
      if (complete) return;
      // The store was lost again while counting: start over from the first line.
    }
    throw new Error(`usage aggregates of ${node} on ${day}: the store kept losing its data while they were recounted`);
  }

  /** False (nothing applied) when the mark is missing and the events do not start the node-day. */
  private async applyDay(day: string, node: string, events: StoredUsageEvent[], fromStart: boolean): Promise<boolean> {
    const guard = hwmKey(day, node);
    for (;;) {
      const mark = await this.store.get(guard);
      if (mark === null) {
        this.indexed.delete(day);
        if (!fromStart) return false;
      }
      const after = mark === null ? 0 : Number(mark);
      const pending = events.filter((e) => e.seq > after);
      if (pending.length === 0) return true;
      const increments: Record<string, number> = {};
      const users = new Map<string, Set<string>>();
      const sessions = new Map<string, Set<string>>();
      const index: Record<string, string>[] = [{ n: node }];
      for (const e of pending) {
        const c = contribution(e);
        if (!c) continue;
        const t = encodeTuple(c.tuple);
        for (const [metric, by] of Object.entries(c.metrics)) {
          if (by === 0) continue;
          const key = counterKey(day, t, metric);
          if (increments[key] === undefined) index.push({ t, m: metric });
          increments[key] = (increments[key] ?? 0) + by;
        }
        if (c.user) {
          if (!users.has(t)) index.push({ t, m: 'users' });
          users.set(t, (users.get(t) ?? new Set()).add(c.user));
        }
        for (const { item, requests, title } of c.items ?? []) {
          const key = itemCounterKey(day, item);
          if (increments[key] === undefined) index.push({ i: item });
          increments[key] = (increments[key] ?? 0) + requests;
          const seen = itemSessionsKey(day, item);
          sessions.set(seen, (sessions.get(seen) ?? new Set()).add(c.session!));
          if (title) {
            const titleSeen = titleSessionsKey(day, title);
            if (!sessions.has(titleSeen)) index.push({ T: title });
            sessions.set(titleSeen, (sessions.get(titleSeen) ?? new Set()).add(c.session!));
          }
        }
      }
      await this.ensureIndexed(day, index);
      // Idempotent adds, sent together (one round trip's wait on Redis rather than one per key).
      await Promise.all([
        ...[...users].map(([t, members]) => this.store.pfAdd(usersKey(day, t), [...members])),
        ...[...sessions].map(([key, members]) => this.store.pfAdd(key, [...members])),
      ]);
      const last = pending[pending.length - 1]!.seq;
      if (await this.store.incrGuarded(guard, mark, String(last), increments)) return true;
      // Another applier moved the mark meanwhile: re-read it and apply what is still missing.
    }
  }

  private async ensureIndexed(day: string, entries: Record<string, string>[]): Promise<void> {
    let known = this.indexed.get(day);
    if (!known) {
      if (this.indexed.size >= 4) this.indexed.delete([...this.indexed.keys()].sort()[0]!);
      known = new Set();
      this.indexed.set(day, known);
    }
    // New entries are sent together: the index is read as a set, its order does not matter.
    const missing = new Map<string, Record<string, string>>();
    for (const fields of entries) {
      const id = JSON.stringify(fields);
      if (!known.has(id)) missing.set(id, fields);
    }
    await Promise.all([...missing.values()].map((fields) => this.store.append(indexKey(day), fields)));
    for (const id of missing.keys()) known.add(id);
  }
}
