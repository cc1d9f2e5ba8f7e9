import type { HostRule } from './schema';

/**
 * Which upstream hosts a resource claims, with EZproxy's meanings: `host` (Host/HJ) claims exactly
 * that host, `domain` (Domain/DJ) claims it and every subdomain. A rule's host may carry a port
 * ("localhost:8083"); a rule without one matches the default ports. The one place for this logic:
 * the catalog cross-check, `vendor add`, the EZproxy import and `vendor check` all use it.
 */

type Claim = { host: string; match?: HostRule['match'] };

function split(host: string): { name: string; port: string } {
  const lower = host.toLowerCase().replace(/\.$/, '');
  const m = /^(.*?)(?::(\d+))?$/.exec(lower)!;
  return { name: m[1] ?? lower, port: m[2] ?? '' };
}

/** "WWW.Vendor.com." → "www.vendor.com:", "localhost:8083" → "localhost:8083": one key per claimable host. */
export function claimKey(host: string): string {
  const { name, port } = split(host);
  return `${name}:${port}`;
}

function within(name: string, domain: string): boolean {
  return name === domain || name.endsWith(`.${domain}`);
}

/** Whether `rule` claims `host` (a URL's `host`: name plus a non-default port). */
export function claimsHost(rule: Claim, host: string): boolean {
  const r = split(rule.host);
  const h = split(host);
  if (r.port !== h.port) return false;
  return (rule.match ?? 'host') === 'domain' ? within(h.name, r.name) : h.name === r.name;
}

/** Whether two rules can claim the same host (host = host, or a host inside a domain, or nested domains). */
export function claimsOverlap(a: Claim, b: Claim): boolean {
  const x = split(a.host);
  const y = split(b.host);
  if (x.port !== y.port) return false;
  const am = a.match ?? 'host';
  const bm = b.match ?? 'host';
  if (am === 'host' && bm === 'host') return x.name === y.name;
  if (am === 'domain' && bm === 'domain') return within(x.name, y.name) || within(y.name, x.name);
  return am === 'domain' ? within(y.name, x.name) : within(x.name, y.name);
}

export interface ClaimOwner {
  id: string;
  hosts: Claim[];
}

export interface HostCollision {
  /** Index of the later resource and of its rule. */
  resource: number;
  rule: number;
  id: string;
  host: string;
  match: HostRule['match'];
  /** The earlier resource whose rule overlaps. */
  otherId: string;
  otherHost: string;
  otherMatch: HostRule['match'];
}

/** Every pair of rules of different resources that overlap, reported on the later resource. */
export function findHostCollisions(resources: readonly ClaimOwner[]): HostCollision[] {
  const collisions: HostCollision[] = [];
  resources.forEach((resource, r) =>
    resource.hosts.forEach((rule, h) => {
      for (const other of resources.slice(0, r)) {
        if (other.id === resource.id) continue;
        const hit = other.hosts.find((o) => claimsOverlap(rule, o));
        if (hit) {
          collisions.push({ resource: r, rule: h, id: resource.id, host: rule.host, match: rule.match ?? 'host', otherId: other.id, otherHost: hit.host, otherMatch: hit.match ?? 'host' });
          break;
        }
      }
    }),
  );
  return collisions;
}

export function describeCollision(c: HostCollision): string {
  const same = c.host.toLowerCase() === c.otherHost.toLowerCase() && c.match === c.otherMatch;
  return same
    ? `${c.match} "${c.host}" is already claimed by resource "${c.otherId}"`
    : `${c.match} "${c.host}" overlaps ${c.otherMatch} "${c.otherHost}" claimed by resource "${c.otherId}"`;
}
