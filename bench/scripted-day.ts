/**
 * A scripted day of traffic: deterministic (seeded PRNG) usage events for 3 institutions,
 * 5 resources and 200 users, with the exact totals a report must show. Used by the usage tests
 * (which drive the gateway's recordUsage with it) and by bench/usage.ts.
 */
import type { UsageEvent } from '../gateway/usage/events';
import { prng } from '../tests/fixtures/prng';

export interface ScriptedDayOptions {
  seed?: number;
  users?: number;
  /** Events to generate (about). Default 3,000. */
  events?: number;
}

export interface ScriptedUser {
  subject: string;
  institution: string;
  affiliations: string[];
}

export interface ScriptedTotals {
  /** Sign-ins per institution. */
  logins: Record<string, number>;
  /** Launches per resource ("logins per database"). */
  launchesByResource: Record<string, number>;
  /** Launches per resource × access method. */
  launchesByResourceMethod: Record<string, number>;
  /** Denials by reason. */
  denialsByReason: Record<string, number>;
  loginFailuresByReason: Record<string, number>;
  /** Proxied bytes and requests per resource. */
  bytesByResource: Record<string, number>;
  requestsByResource: Record<string, number>;
  /** Distinct users who signed in, launched or used the proxy (institution + subject). */
  uniqueUsers: number;
  uniqueUsersByInstitution: Record<string, number>;
  onCampusLaunches: number;
  events: number;
}

export const INSTITUTIONS = ['pku', 'tsinghua', 'fudan'];
export const RESOURCES = [
  { id: 'cnki', method: 'wayfless' },
  { id: 'sciencedirect', method: 'wayfless' },
  { id: 'ieee', method: 'proxy' },
  { id: 'springer', method: 'wayfless' },
  { id: 'wos', method: 'proxy' },
] as const;
const AFFILIATIONS = [['faculty', 'member'], ['student', 'member'], ['staff', 'member'], ['student']];
const DENY_REASONS = ['not-licensed', 'not-entitled', 'licence-ended'];
const FAILURE_REASONS = ['idp-error', 'assertion-expired'];


const add = (r: Record<string, number>, k: string, by = 1) => void (r[k] = (r[k] ?? 0) + by);

export function scriptedDay(options: ScriptedDayOptions = {}): { events: UsageEvent[]; users: ScriptedUser[]; totals: ScriptedTotals } {
  const random = prng(options.seed ?? 20200214);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const users: ScriptedUser[] = Array.from({ length: options.users ?? 200 }, (_, i) => ({
    subject: `user${i}@${INSTITUTIONS[i % INSTITUTIONS.length]}.edu.cn`,
    institution: INSTITUTIONS[i % INSTITUTIONS.length]!,
    affiliations: AFFILIATIONS[i % AFFILIATIONS.length]!,
  }));
  const totals: ScriptedTotals = {
    logins: {},
    launchesByResource: {},
    launchesByResourceMethod: {},
    denialsByReason: {},
    loginFailuresByReason: {},
    bytesByResource: {},
    requestsByResource: {},
    uniqueUsers: 0,
    uniqueUsersByInstitution: {},
    onCampusLaunches: 0,
    events: 0,
  };
  const seen = new Set<string>();
  const active = (u: ScriptedUser) => {
    const id = `${u.institution}\0${u.subject}`;
    if (seen.has(id)) return;
    seen.add(id);
    add(totals.uniqueUsersByInstitution, u.institution);
  };
  const events: UsageEvent[] = [];
  const target = options.events ?? 3_000;
  while (events.length < target) {
    const u = pick(users);
    const roll = random();
    if (roll < 0.03) {
      const reason = pick(FAILURE_REASONS);
      events.push({ type: 'login-failure', login: `${u.institution}-idp`, adapter: 'saml', reason, institution: u.institution });
      add(totals.loginFailuresByReason, reason);
      continue;
    }
    events.push({ type: 'login-success', login: `${u.institution}-idp`, adapter: 'saml', institution: u.institution, affiliations: u.affiliations, subject: u.subject });
    add(totals.logins, u.institution);
    active(u);
    const launches = 1 + Math.floor(random() * 3);
    for (let i = 0; i < launches; i++) {
      const r = pick(RESOURCES);
      if (random() < 0.1) {
        const reason = pick(DENY_REASONS);
        events.push({ type: 'denial', resource: r.id, reason, institution: u.institution, affiliations: u.affiliations, subject: u.subject });
        add(totals.denialsByReason, reason);
        continue;
      }
      const onCampus = random() < 0.05;
      const method = onCampus ? 'direct' : r.method;
      events.push({ type: 'launch', resource: r.id, method, institution: u.institution, onCampus, affiliations: u.affiliations, subject: u.subject });
      add(totals.launchesByResource, r.id);
      add(totals.launchesByResourceMethod, `${r.id}/${method}`);
      if (onCampus) totals.onCampusLaunches++;
      if (method === 'proxy') {
        const requests = 5 + Math.floor(random() * 50);
        const bytes = requests * (20_000 + Math.floor(random() * 100_000));
        const itemRequests = Math.floor(random() * 4);
        // Identified items (COUNTER Title and Item Reports) from a small pool per resource, chosen without drawing from `random`.
        const items = itemRequests ? [{ doi: `10.5555/${r.id}.${events.length % 20}`, title: { type: 'journal' as const, onlineIssn: `1000-000${events.length % 3}` }, requests: itemRequests }] : undefined;
        events.push({ type: 'proxy-summary', resource: r.id, institution: u.institution, affiliations: u.affiliations, subject: u.subject, session: `s-${events.length}`, requests, bytes, itemRequests, uniqueItemRequests: itemRequests, searches: Math.floor(random() * 3), ...(items ? { items } : {}) });
        add(totals.bytesByResource, r.id, bytes);
        add(totals.requestsByResource, r.id, requests);
      }
    }
  }
  totals.uniqueUsers = seen.size;
  totals.events = events.length;
  return { events, users, totals };
}
