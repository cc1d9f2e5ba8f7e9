/**
 * What IT sees of a federation's metadata (the /admin/federations page, /readyz, /metrics), and
 * the one rule for when it needs attention: no verified copy, or one within a day of expiry.
 */

/** One source of a federation's metadata: the signed aggregate, or its MDQ service. */
export interface SourceStatus {
  federation: string;
  kind: 'aggregate' | 'mdq';
  /** The aggregate's URL or file, or the MDQ base URL. */
  source: string;
  /** ISO time of the last attempt to fetch or read it. */
  lastFetch?: string;
  /** ISO time of the last verified load ("last good"); for the aggregate, also where it came from. */
  lastSuccess?: string;
  loadedFrom?: 'source' | 'cache';
  /** The outcome of the last signature check (absent before any document arrived). */
  signature?: 'verified' | 'refused';
  /** The last refusal or failure, kept until a later success from the source (then cleared). */
  lastError?: { at: string; reason: string };
  /** Refused or failed fetches since start (a counter in /metrics). */
  failures: number;
  /** IdPs currently trusted from it (MDQ: answers cached). */
  entities: number;
  /** validUntil of the copy in use (MDQ: the soonest of the cached answers), ISO. */
  validUntil?: string;
  /** When it is fetched again (MDQ: the soonest cached answer's refresh), ISO. */
  nextRefresh?: string;
  /** MDQ: the answers cached now, soonest refresh first. */
  answers?: { entityID: string; validUntil?: string; nextRefresh: string }[];
}

export interface FederationStatus {
  federation: string;
  sources: SourceStatus[];
}

export const EXPIRY_WARNING_MS = 86_400_000;

export type FederationAlert =
  | { kind: 'expiring' | 'expired'; federation: string; source: SourceStatus['kind']; validUntil: string }
  | { kind: 'unavailable'; federation: string; source: SourceStatus['kind']; reason: string };

/**
 * Why this federation needs IT's attention now: a source whose copy in use expires within a day
 * (or has expired), or an aggregate that failed with no verified copy at all.
 */
export function federationAlerts(status: FederationStatus, nowMs: number): FederationAlert[] {
  return status.sources.flatMap((s): FederationAlert[] => {
    if (s.validUntil) {
      const left = Date.parse(s.validUntil) - nowMs;
      if (left <= 0) return [{ kind: 'expired', federation: s.federation, source: s.kind, validUntil: s.validUntil }];
      if (left <= EXPIRY_WARNING_MS) return [{ kind: 'expiring', federation: s.federation, source: s.kind, validUntil: s.validUntil }];
    }
    // (While the first load is still under way there is no error yet, and nothing to alert about.)
    if (s.kind === 'aggregate' && s.entities === 0 && s.lastError) return [{ kind: 'unavailable', federation: s.federation, source: s.kind, reason: s.lastError.reason }];
    return [];
  });
}

/** The alert in one English line, for /readyz and the log. */
export function alertLine(alert: FederationAlert): string {
  const where = `federation ${alert.federation} (${alert.source})`;
  if (alert.kind === 'unavailable') return `${where}: no verified metadata loaded: ${alert.reason}`;
  return alert.kind === 'expired' ? `${where}: metadata expired at ${alert.validUntil}` : `${where}: metadata expires at ${alert.validUntil}, within a day`;
}
