/**
 * Usage events: what callers give `recordUsage` (UsageEvent) and what the usage log stores
 * (StoredUsageEvent). Fields stay flat so a JSON line is easy to grep and to load elsewhere.
 *
 * Callers may pass `subject` (the user's stable id within the institution) and `session`; the
 * recorder turns them into pseudonymous `user` / `sessionRef` (keyed HMAC) and drops them, so raw
 * identifiers never reach the log. `affiliations` become one `affiliation`, the primary one.
 */

import type { ItemRef } from '../../resource-catalog/item-ids';

/** Who is involved, when a user is: all optional, since not every caller knows them. */
interface UserFields {
  institution?: string;
  /** Raw subject (ePPN, pairwise-id, CAS user, OIDC sub): turned into `user`, never stored. Preferred. */
  subject?: string;
  /** An id the caller already pseudonymised, stored as is when no `subject` is given (never a raw id). */
  user?: string;
  affiliations?: string[];
  /** Reached from a campus address range (sent straight on), or from off campus through Passway. */
  onCampus?: boolean;
}

export type UsageEvent =
  /** A campus sign-in succeeded; `resource` when it was started by a launch link. */
  | ({ type: 'login-success'; login: string; adapter: string; institution: string; affiliations: string[]; resource?: string } & UserFields)
  | { type: 'login-failure'; login?: string; adapter?: string; reason: string; institution?: string }
  | ({ type: 'launch'; resource: string; method: 'wayfless' | 'proxy' | 'direct' | 'idp'; onCampus: boolean; affiliations: string[] } & UserFields)
  | ({ type: 'denial'; resource: string; reason: string; affiliations: string[] } & UserFields)
  | { type: 'uncatalogued'; host: string }
  /**
   * Proxied traffic of one session on one resource, summarised (per session end, or periodically).
   * `searches` / `itemRequests` / `uniqueItemRequests` count URLs the catalog marks as search or item
   * patterns (COUNTER); `session` (raw session id) becomes `sessionRef`. `items`: the item
   * requests whose pattern captured identifiers (resource-catalog/item-ids.ts), per item.
   */
  | ({
      type: 'proxy-summary';
      resource: string;
      requests: number;
      bytes: number;
      itemRequests?: number;
      uniqueItemRequests?: number;
      searches?: number;
      items?: (ItemRef & { requests: number })[];
      session?: string;
      /** ISO times of the first and last request summarised. */
      from?: string;
      until?: string;
    } & UserFields)
  /** A launch refused because every licence seat was taken. */
  | ({ type: 'seat-full'; resource: string; limit: number } & UserFields)
  /** Overload guard shed new logins/launches: one event per episode, `shed` requests refused in it. */
  | {
      type: 'overload-shed';
      cause?: string;
      shed?: number;
      startedAt?: string;
      endedAt?: string;
      peakInFlight?: number;
      peakLagMs?: number;
      resource?: string;
    }
  /** A user's access to a resource suspended (download limit); `until` ISO when it lifts by itself. */
  | ({ type: 'suspension'; resource: string; reason?: string; items?: number; bytes?: number; until?: string } & UserFields)
  /** A suspension lifted, by an admin or by expiry. */
  | ({ type: 'suspension-lifted'; resource: string; by?: 'admin' | 'expiry' } & UserFields)
  /** A security rule tripped (gateway/rules); `trip` is its id on /admin/security, `user` already pseudonymous. */
  | ({ type: 'rule-tripped'; rule: string; action: string; criterion: string; value: number; over: number; resource?: string; until?: string; trip: string } & UserFields)
  /** An account signed out everywhere (new sign-ins refused until lifted), or the block lifted. */
  | ({ type: 'signed-out-everywhere'; sessions: number; by: string } & UserFields)
  /** The gateway signed in at a vendor with a roaming account (gateway/proxy/roaming); `reason` when it failed (never the account). */
  | ({ type: 'vendor-login'; resource: string; ok: boolean; mode: 'per-reader' | 'pooled'; account: number; reason?: string; renewal?: boolean } & UserFields)
  /** An admin changed something; `subject`/`institution` are the admin's, `target` says what was acted on. */
  | ({ type: 'admin-action'; action: string; target?: string; ok: boolean } & UserFields);

export type UsageEventType = UsageEvent['type'];

type Stored<E> = E extends unknown ? Omit<E, 'subject' | 'affiliations' | 'session'> : never;

/** One line of `usage-YYYY-MM-DD.<node>.jsonl`. */
export type StoredUsageEvent = Stored<UsageEvent> & {
  /** Unique event id, `<node>:<seq>`. */
  id: string;
  /** Gateway process that recorded it: `<hostname>-<pid>-<start time base36>`. */
  node: string;
  /** Per-node sequence number, 1, 2, 3… in log order. */
  seq: number;
  /** ISO time recorded. */
  ts: string;
  /** The reporting day (YYYY-MM-DD in usage.timeZone) the event counts for; also in the file name. */
  day: string;
  /** Pseudonymous user id: base64url HMAC-SHA256(key, institution + "\0" + subject). */
  user?: string;
  /** Pseudonymous session reference (proxy-summary). */
  sessionRef?: string;
  /** The primary affiliation, when affiliations were given ("" when none). */
  affiliation?: string;
};

/** Most specific first: the primary affiliation is the first of these a person has. */
const AFFILIATION_ORDER = ['faculty', 'staff', 'employee', 'student', 'member', 'affiliate', 'alum', 'library-walk-in'];

export function primaryAffiliation(affiliations: readonly string[] | undefined): string {
  if (!affiliations || affiliations.length === 0) return '';
  for (const a of AFFILIATION_ORDER) if (affiliations.includes(a)) return a;
  return affiliations[0]!;
}

export interface StampContext {
  node: string;
  seq: number;
  now: Date;
  day: string;
  pseudonym: (institution: string, subject: string) => string;
}

/** The stored form: stamped, pseudonymised, raw identifiers dropped. */
export function toStored(event: UsageEvent, ctx: StampContext): StoredUsageEvent {
  const { subject, affiliations, session, ...rest } = event as UsageEvent & { subject?: string; affiliations?: string[]; session?: string };
  // Stamps last: a caller's field of the same name never replaces them.
  const stored: Record<string, unknown> = { ...rest, id: `${ctx.node}:${ctx.seq}`, node: ctx.node, seq: ctx.seq, ts: ctx.now.toISOString(), day: ctx.day };
  const institution = (event as { institution?: string }).institution ?? '';
  if (subject) stored.user = ctx.pseudonym(institution, subject);
  if (session) stored.sessionRef = ctx.pseudonym('session', session);
  if (affiliations) stored.affiliation = primaryAffiliation(affiliations);
  return stored as StoredUsageEvent;
}
