import { randomBytes } from 'node:crypto';
import type { Config } from '../../config/schema';
import type { Identity } from '../../idp-adapters/identity';
import { keys as loadKeys, UNLIMITED } from '../load/keys';
import type { Logger } from '../logger';
import type { Store } from '../store/types';
import type { RecordUsage, UsageEvent } from '../usage/record';
import { BoundedCache } from '../bounded-cache';
import type { IpInfo } from './ip-info';
import { keys } from './keys';
import { networkOf } from './network';
import type { Criterion, Rule, RuleSet } from './rule-set';
import type { RuleState } from './state';

/** One rule tripped for one subject: what the admin page lists, alerts carry and the evidence export starts from. */
export interface Trip {
  id: string;
  rule: string;
  criterion: Criterion;
  per: Rule['per'];
  across: Rule['across'];
  action: Rule['action'];
  over: number;
  windowMinutes: number;
  /** The count that passed `over`. */
  value: number;
  /** Whose window it was (a user, a session reference, or "*") and over what ("*" or a resource). */
  subject: string;
  scope: string;
  /** The pseudonymous user (absent for per: everyone). */
  user?: string;
  institution?: string;
  /** The resource counted (across: resource) or the one the tripping request was for. */
  resource?: string;
  at: string;
  /** When the rule may trip again for this subject (and a suspension ends). */
  until: string;
  /** What was done: suspended (resource or "*"), sessions ended. */
  outcome?: string;
}

/** One kept request of a watched person (the evidence export's row). */
export interface EvidenceEntry {
  at: string;
  user: string;
  session: string;
  network: string;
  country: string;
  asn: string;
  resource: string;
  bytes: string;
  item: string;
  pdf: string;
}

/** Who did what, as the rules see one event. */
export interface Seen {
  /** Pseudonymous user id (load control's). */
  user?: string;
  identity?: Pick<Identity, 'institution' | 'subject'>;
  /** Pseudonymous session reference. */
  session?: string;
  resource?: string;
  /** The trusted client address (req.ip). */
  address?: string;
  at: number;
}

export interface EngineDeps {
  config: Config;
  store: Store;
  state: RuleState;
  /** The rules in force (per catalog snapshot). */
  rules: () => RuleSet;
  logger: Logger;
  record: RecordUsage;
  ipInfo: IpInfo;
  /** Load control's pseudonym of a person (suspensions, session index). */
  userOf: (identity: Pick<Identity, 'institution' | 'subject'>) => string;
  /** Ends every live session of the person (require-reauth); the number ended. */
  endSessions: (user: string) => Promise<number>;
  /** Told of every trip (alerts, the admin page's evidence). */
  onTrip?: (trip: Trip) => void;
  now?: () => number;
}

/** How long trip records stay on /admin/security and in the evidence export. */
const TRIP_RETENTION_MS = 14 * 86_400_000;
/** Distinct members this node noted recently (key + member → when): noting one again within its bucket changes no count. */
const NOTED_MAX = 50_000;
/** Criteria counted in volume, added to the Store in batches (see batch()). */
const BATCHED = new Set<Criterion>(['bytes', 'requests']);
/** Most evidence rows one node keeps for one person per watch. */
const EVIDENCE_PER_WATCH = 2000;

/**
 * The security rules: every event that a rule counts is added to that rule's sliding window in the
 * Store (one round trip per rule; a distinct network seen again within a bucket costs none), so a
 * harvest spread over several nodes adds up as on one. Passing `over` trips the rule once per
 * forMinutes for that subject (setIfAbsent), unless the person is exempt; then its action runs.
 * Never throws into the caller: the proxy calls it without waiting.
 */
export class RulesEngine {
  private readonly now: () => number;
  private readonly noted = new Map<string, number>();
  private readonly pending = new Set<Promise<void>>();
  /** Trip keys this node knows to be tripped → until when (ms). */
  private readonly tripped = new BoundedCache<string, number>();
  /** Evidence rows this node kept per watched person in the current watch, so one harvest cannot fill the Store. */
  private readonly kept = new BoundedCache<string, number>();
  private readonly node = randomBytes(3).toString('hex');
  private readonly lastAddress = new BoundedCache<string, { address: string; at: number }>();
  /** Bytes and requests not yet added to the Store, per window key. */
  private readonly batches = new BoundedCache<string, { amount: number; since: number }>();
  private sequence = 0;
  /** Watched people → until when (ms): their requests are kept as evidence. */
  private readonly watched = new BoundedCache<string, number>();
  private readonly exempted: Map<string, string[] | undefined>;
  private readonly hourOf: (at: number) => number;

  constructor(private readonly deps: EngineDeps) {
    this.now = deps.now ?? Date.now;
    this.exempted = new Map(
      deps.config.security.exemptions.map((e) => {
        const colon = e.subject.indexOf(':');
        return [deps.userOf({ institution: e.subject.slice(0, colon), subject: e.subject.slice(colon + 1) }), e.rules];
      }),
    );
    const hour = new Intl.DateTimeFormat('en-GB', { timeZone: deps.config.catalog.timeZone, hour: 'numeric', hourCycle: 'h23' });
    this.hourOf = (at) => Number(hour.format(at));
  }

  rules(): RuleSet {
    return this.deps.rules();
  }

  /** A proxied request is about to go upstream: requests, networks, countries and ASNs. */
  request(seen: Seen): void {
    const set = this.rules();
    if (set.rules.length === 0) return;
    this.count(set, 'requests', seen, 1);
    this.guarded(() => this.distinct(set, seen));
  }

  /** A proxied response finished: bytes, and item and PDF downloads; a watched person's request kept as evidence once counted. */
  response(seen: Seen, outcome: { bytes: number; item: boolean; pdf: boolean }): void {
    const set = this.rules();
    if (set.rules.length === 0) return;
    const counting = [
      ...(outcome.bytes > 0 ? this.count(set, 'bytes', seen, outcome.bytes) : []),
      ...(outcome.item ? this.count(set, 'item-requests', seen, 1) : []),
      ...(outcome.pdf ? this.count(set, 'pdf-downloads', seen, 1) : []),
    ];
    const user = seen.user;
    if (!user) return;
    const keep = () => (this.watching(user, seen.at) ? this.keepEvidence(user, seen, outcome) : undefined);
    if (counting.length === 0) keep();
    else void this.safely(async () => {
      await Promise.all(counting);
      await keep();
    });
  }

  private async keepEvidence(user: string, seen: Seen, outcome: { bytes: number; item: boolean; pdf: boolean }): Promise<void> {
    const kept = this.kept.get(user) ?? 0;
    if (kept >= EVIDENCE_PER_WATCH) return;
    this.kept.remember(user, kept + 1);
    const address = seen.address ?? '';
    const info = address ? this.deps.ipInfo.lookup(address) : {};
    const entry: EvidenceEntry = {
      at: new Date(seen.at).toISOString(),
      user,
      session: seen.session ?? '',
      network: (address && this.networkOf(address)) || '',
      country: info.country ?? '',
      asn: info.asn ?? '',
      resource: seen.resource ?? '',
      bytes: String(outcome.bytes),
      item: outcome.item ? '1' : '0',
      pdf: outcome.pdf ? '1' : '0',
    };
    await this.deps.store.append(keys.evidence(user), { ...entry });
    await this.deps.store.expire(keys.evidence(user), TRIP_RETENTION_MS);
  }

  /** The evidence of a trip: the person's kept requests from the start of its window on (at most 10,000). */
  async evidence(trip: Trip): Promise<EvidenceEntry[]> {
    if (!trip.user) return [];
    const from = new Date(Date.parse(trip.at) - trip.windowMinutes * 60_000).toISOString();
    const entries = await this.deps.store.read(keys.evidence(trip.user), '0', 10_000);
    return entries
      .map((e) => e.fields as unknown as EvidenceEntry)
      .filter((e) => e.at >= from && (trip.scope === '*' || e.resource === trip.scope));
  }

  /** A sign-in from this address: networks, countries and ASNs (platform-wide rules only). */
  signIn(seen: Seen): void {
    this.guarded(() => this.distinct(this.rules(), seen));
  }

  /** A database that cannot be read must not fail the request: logged, and nothing counted. */
  private guarded(work: () => void): void {
    try {
      work();
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'security rules: not counted');
    }
  }

  /** Usage events: logins and login failures counted, sessions in parallel checked at each sign-in. */
  observe(event: UsageEvent): void {
    const set = this.rules();
    if (event.type === 'login-success' && event.subject) {
      const identity = { institution: event.institution, subject: event.subject };
      const seen: Seen = { user: this.deps.userOf(identity), identity, at: this.now() };
      this.count(set, 'logins', seen, 1);
      const parallel = set.byCriterion.get('sessions') ?? [];
      if (parallel.length > 0) {
        void this.safely(async () => {
          const live = (await this.deps.store.holders(loadKeys.userSessions(seen.user!))).length;
          for (const rule of parallel) if (live > rule.over) await this.trip(rule, seen, '*', live);
        });
      }
    } else if (event.type === 'login-failure') {
      this.count(set, 'login-failures', { at: this.now(), resource: undefined }, 1);
    }
  }

  private count(set: RuleSet, criterion: Criterion, seen: Seen, by: number): Promise<void>[] {
    const counting: Promise<void>[] = [];
    for (const rule of set.byCriterion.get(criterion) ?? []) {
      const target = this.target(rule, seen);
      if (!target) continue;
      const key = keys.window(rule.name, target.subject, target.scope);
      const amount = BATCHED.has(criterion) ? this.batch(key, rule, by, seen.at) : by;
      if (amount === 0) continue;
      counting.push(
        this.safely(async () => {
          const value = await this.deps.store.windowSum(key, amount, rule.windowMs);
          this.watchIfNear(rule, seen, value);
          if (value > rule.over) await this.trip(rule, seen, target.scope, value);
        }),
      );
    }
    return counting;
  }

  /**
   * Past half of a rule's limit a person is watched: every node sees the same totals, so every node
   * starts keeping that person's requests as evidence (a shared stream) until the window has passed.
   */
  private watchIfNear(rule: Rule, seen: Seen, value: number): void {
    if (!seen.user || value * 2 <= rule.over) return;
    const until = this.watched.get(seen.user);
    if (until === undefined || until <= seen.at) this.kept.delete(seen.user); // a new watch
    if (until === undefined || until < seen.at + rule.windowMs) this.watched.remember(seen.user, seen.at + rule.windowMs);
  }

  /** Is the person watched (their requests kept as evidence)? */
  watching(user: string, at: number): boolean {
    return (this.watched.get(user) ?? 0) > at;
  }

  private distinct(set: RuleSet, seen: Seen): void {
    if (!seen.address) return;
    // The proxy's fast path: a session's requests from the address it used a second ago add no member (buckets are 1 s or wider).
    if (seen.session) {
      const last = this.lastAddress.get(seen.session);
      if (last && last.address === seen.address && seen.at - last.at < 1000) return;
      this.lastAddress.remember(seen.session, { address: seen.address, at: seen.at });
    }
    const members: Partial<Record<Criterion, string | undefined>> = {};
    const memberOf = (criterion: Criterion): string | undefined => {
      if (!(criterion in members)) {
        if (criterion === 'networks') members.networks = this.networkOf(seen.address!);
        else {
          const info = this.deps.ipInfo.lookup(seen.address!);
          members.countries = info.country;
          members.asns = info.asn;
        }
      }
      return members[criterion];
    };
    for (const criterion of ['networks', 'countries', 'asns'] as const) {
      for (const rule of set.byCriterion.get(criterion) ?? []) {
        const target = this.target(rule, seen);
        const member = target && memberOf(criterion);
        if (!target || !member) continue;
        const key = keys.window(rule.name, target.subject, target.scope);
        if (this.recentlyNoted(`${key}\0${member}`, seen.at, rule.windowMs / 60)) continue;
        void this.safely(async () => {
          const value = await this.deps.store.windowDistinct(key, member, rule.windowMs);
          this.watchIfNear(rule, seen, value);
          if (value > rule.over) await this.trip(rule, seen, target.scope, value);
        });
      }
    }
  }

  /** Whose count and which scope an event adds to, or undefined when the rule does not count it. */
  private target(rule: Rule, seen: Seen): { subject: string; scope: string } | undefined {
    if (!rule.applies(seen.resource)) return undefined;
    if (rule.hours && !inHours(this.hourOf(seen.at), rule.hours)) return undefined;
    const subject = rule.per === 'user' ? seen.user : rule.per === 'session' ? seen.session : '*';
    if (!subject) return undefined;
    if (rule.across === 'resource' && !seen.resource) return undefined;
    return { subject, scope: rule.across === 'resource' ? seen.resource! : '*' };
  }

  private readonly networks = new BoundedCache<string, string | undefined>();
  private networkOf(address: string): string | undefined {
    return this.networks.has(address) ? this.networks.get(address) : this.networks.remember(address, networkOf(address));
  }

  /**
   * Bytes and requests come in volume: this node adds them to the Store in batches of up to 1 % of the
   * rule's limit or every second (the next event after that), so they trip within 1 % of the limit and
   * the proxy does not make a Store call per response. What to add now, or 0 while batching.
   */
  private batch(key: string, rule: Rule, by: number, at: number): number {
    const batch = this.batches.get(key);
    const amount = (batch?.amount ?? 0) + by;
    if (amount >= Math.max(1, Math.floor(rule.over / 100)) || (batch && at - batch.since >= 1000)) {
      this.batches.delete(key);
      return amount;
    }
    this.batches.remember(key, { amount, since: batch?.since ?? at });
    return 0;
  }

  private recentlyNoted(id: string, at: number, withinMs: number): boolean {
    const last = this.noted.get(id);
    if (last !== undefined && at - last < withinMs) return true;
    if (this.noted.size >= NOTED_MAX) this.noted.clear();
    this.noted.set(id, at);
    return false;
  }

  private async exempt(rule: Rule, user: string | undefined): Promise<boolean> {
    if (!user) return false;
    if (this.exempted.has(user)) {
      const only = this.exempted.get(user);
      if (!only || only.includes(rule.name)) return true;
    }
    const stored = await this.deps.state.exemption(user);
    return !!stored && (!stored.rules || stored.rules.includes(rule.name));
  }

  private async trip(rule: Rule, seen: Seen, scope: string, value: number): Promise<void> {
    const subject = rule.per === 'user' ? seen.user! : rule.per === 'session' ? seen.session! : '*';
    const trippedKey = keys.tripped(rule.name, subject, scope);
    const now = this.now();
    // Past the limit every later event would try again: this node remembers the trip (or the lost race) for a while.
    if ((this.tripped.get(trippedKey) ?? 0) > now) return;
    this.tripped.remember(trippedKey, now + Math.min(rule.forMs, 60_000));
    if (await this.exempt(rule, seen.user)) return;
    const id = `${new Date(seen.at).toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${this.node}${(++this.sequence).toString(36)}`;
    if (!(await this.deps.store.setIfAbsent(trippedKey, id, rule.forMs))) return; // tripped already (on this node or another)

    const resource = scope !== '*' ? scope : seen.resource;
    const trip: Trip = {
      id,
      rule: rule.name,
      criterion: rule.criterion,
      per: rule.per,
      across: rule.across,
      action: rule.action,
      over: rule.over,
      windowMinutes: rule.windowMinutes,
      value,
      subject,
      scope,
      user: rule.per === 'everyone' ? undefined : seen.user,
      institution: rule.per === 'everyone' ? undefined : seen.identity?.institution,
      resource,
      at: new Date(now).toISOString(),
      until: new Date(now + rule.forMs).toISOString(),
    };
    if (rule.action === 'suspend' && trip.user) {
      const target = rule.suspend === 'resource' && resource ? resource : '*';
      await this.deps.state.suspend({ user: trip.user, institution: trip.institution ?? '', resource: target, rule: rule.name, trip: id }, rule.forMs);
      trip.outcome = `suspended:${target}`;
    } else if (rule.action === 'require-reauth' && trip.user) {
      trip.outcome = `sessions-ended:${await this.deps.endSessions(trip.user)}`;
    }
    await this.deps.store.set(keys.trip(id), JSON.stringify(trip), TRIP_RETENTION_MS);
    await this.deps.store.acquire(keys.trips, id, UNLIMITED, TRIP_RETENTION_MS);
    this.deps.logger.warn({ security: true, ...trip }, `security rule ${rule.name} tripped (${rule.criterion} ${value} > ${rule.over} in ${rule.windowMinutes} min): ${rule.action}`);
    this.deps.record({ type: 'rule-tripped', rule: rule.name, action: rule.action, criterion: rule.criterion, value, over: rule.over, resource, until: trip.until, trip: id, user: trip.user, institution: trip.institution });
    this.deps.onTrip?.(trip);
  }

  async trips(): Promise<Trip[]> {
    const ids = await this.deps.store.holders(keys.trips);
    const found = await Promise.all(ids.map((id) => this.read(id)));
    return found.filter((t): t is Trip => !!t).sort((a, b) => b.at.localeCompare(a.at));
  }

  async tripById(id: string): Promise<Trip | undefined> {
    return this.read(id);
  }

  private async read(id: string): Promise<Trip | undefined> {
    const raw = await this.deps.store.get(keys.trip(id));
    return raw ? (JSON.parse(raw) as Trip) : undefined;
  }

  /** Let a rule trip again for the trip's subject now (after an admin has looked at it). */
  async clear(trip: Trip): Promise<void> {
    this.tripped.delete(keys.tripped(trip.rule, trip.subject, trip.scope)); // other nodes ask the Store again within a minute
    await this.deps.store.del(keys.tripped(trip.rule, trip.subject, trip.scope));
    await this.deps.store.del(keys.window(trip.rule, trip.subject, trip.scope));
  }

  /** Resolves when every count started so far has been evaluated (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private safely(work: () => Promise<void>): Promise<void> {
    const running = work().catch((error: unknown) => {
      this.deps.logger.warn({ err: error }, 'security rules: not counted');
    });
    this.pending.add(running);
    void running.finally(() => this.pending.delete(running));
    return running;
  }
}

function inHours(hour: number, span: { from: number; until: number }): boolean {
  return span.from <= span.until ? hour >= span.from && hour < span.until : hour >= span.from || hour < span.until;
}
