import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { addressRange, isPublicAddress } from './address-policy';
import { claimsHost, describeCollision, findHostCollisions } from './host-claims';
import type { Resource } from './schema';
import { defaultTarget, renderWayfless } from './wayfless-template';

/**
 * `passway vendor check`: verify catalog entries against the live vendor. All network access goes
 * through `deps` (DNS lookup and HTTP probe), so tests run against servers on 127.0.0.1 with names
 * mapped by an injected lookup.
 */

export type CheckStatus = 'pass' | 'warn' | 'fail';
export interface Check {
  status: CheckStatus;
  message: string;
}
export interface ResourceReport {
  id: string;
  title: string;
  checks: Check[];
}

/** What the checks need from the config: institutions, and SAML logins' entityIDs. */
export interface CheckContext {
  institutions: readonly { id: string }[];
  logins: readonly { kind: string; institution: string; entityID?: string }[];
}

export interface Address {
  address: string;
  family: number;
}
export interface ProbeResponse {
  status: number;
  location?: string;
}
export interface CheckDeps {
  /** Resolve a host name to its addresses (default: the system resolver). */
  lookup: (hostname: string) => Promise<Address[]>;
  /** One HTTP GET without following redirects (default: node:http/https through `lookup`). */
  probe: (url: string, timeoutMs: number) => Promise<ProbeResponse>;
  timeoutMs: number;
  maxRedirects: number;
  today: Date;
  /**
   * Hosts the proxy's unproxied-host detector saw in a resource's vendor content (from the Store
   * the gateway uses), with how many responses each was seen in; not given when no Store is at hand.
   */
  unproxied?: (resource: string) => Promise<{ host: string; count: number }[]>;
  /** A roaming account's recent vendor sign-ins (from the gateway's Store), when a Store is at hand. */
  vendorLogins?: (resource: string) => Promise<{ at: string; ok: boolean; failures: number; lastFailure?: { at: string; reason: string; detail: string } } | undefined>;
  /** Whether a roaming account's secrets can be read here (problems, never values). */
  roamingCredentials?: (resource: Resource) => string[];
}

/** Hosts of vendors' SAML sign-in services (the WAYFless entry points in the presets) that a resource need not claim. */
export const KNOWN_SSO_HOSTS = [
  'auth.elsevier.com',
  'fsso.springer.com',
  'sp.nature.com',
  'fsso.cnki.net',
  'shibboleth.ebscohost.com',
  'shibboleth-sp.prod.proquest.com',
  'shibbolethsp.jstor.org',
];

export async function systemLookup(hostname: string): Promise<Address[]> {
  if (isIP(hostname)) return [{ address: hostname, family: isIP(hostname) }];
  return dnsLookup(hostname, { all: true });
}

/** An HTTP GET that resolves names with `lookup`, reads nothing but the status line and headers. */
export function httpProbe(lookup: CheckDeps['lookup']): CheckDeps['probe'] {
  const resolve: LookupFunction = (hostname, options, callback) => {
    lookup(hostname).then(
      (addresses) => {
        const usable = addresses.filter((a) => !options.family || a.family === options.family);
        if (usable.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 4);
        if (options.all) return (callback as unknown as (e: null, a: Address[]) => void)(null, usable);
        callback(null, usable[0]!.address, usable[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 4),
    );
  };
  return (url, timeoutMs) =>
    new Promise((done, fail) => {
      const client = url.startsWith('https:') ? https : http;
      const request = client.get(url, { lookup: resolve, headers: { 'user-agent': 'passway-vendor-check', accept: 'text/html,*/*' } }, (response) => {
        response.resume();
        done({ status: response.statusCode ?? 0, location: response.headers.location });
        request.destroy();
      });
      request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      request.on('error', fail);
    });
}

export function defaultDeps(overrides: Partial<CheckDeps> = {}): CheckDeps {
  const lookup = overrides.lookup ?? systemLookup;
  return { lookup, probe: httpProbe(lookup), timeoutMs: 10_000, maxRedirects: 10, today: new Date(), ...overrides };
}

const pass = (message: string): Check => ({ status: 'pass', message });
const warn = (message: string): Check => ({ status: 'warn', message });
const fail = (message: string): Check => ({ status: 'fail', message });

const nameOf = (host: string) => host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
const claimed = (resource: Resource, host: string) => resource.hosts.some((rule) => claimsHost(rule, host));

async function checkDns(resource: Resource, deps: CheckDeps): Promise<Check[]> {
  const checks: Check[] = [];
  for (const rule of resource.hosts) {
    const label = rule.match === 'domain' ? `domain ${rule.host}` : `host ${rule.host}`;
    let addresses: Address[];
    try {
      addresses = await deps.lookup(nameOf(rule.host));
    } catch (error) {
      const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      // A domain claim covers its subdomains; the bare domain need not have an address.
      checks.push(rule.match === 'domain' ? warn(`${label} does not resolve itself (${why}); its subdomains may`) : fail(`${label} does not resolve (${why})`));
      continue;
    }
    const list = addresses.map((a) => a.address).join(', ');
    const inside = addresses.filter((a) => !isPublicAddress(a.address));
    if (inside.length > 0 && !rule.allowPrivate) {
      const which = inside.map((a) => `${a.address}: ${addressRange(a.address)}`).join(', ');
      checks.push(fail(`${label} resolves to an address the proxy refuses (${which}); set allowPrivate only for on-campus or demo services`));
    } else {
      checks.push(pass(`${label} resolves to ${list}`));
    }
  }
  return checks;
}

async function checkStart(resource: Resource, url: string, deps: CheckDeps): Promise<Check[]> {
  const checks: Check[] = [];
  let current = url;
  for (let hop = 0; hop <= deps.maxRedirects; hop++) {
    let answer: ProbeResponse;
    try {
      answer = await deps.probe(current, deps.timeoutMs);
    } catch (error) {
      const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      checks.push(fail(`start ${url} does not answer${current === url ? '' : ` (at ${current})`}: ${why}`));
      return checks;
    }
    if (answer.status >= 300 && answer.status < 400 && answer.location) {
      const next = new URL(answer.location, current);
      if (!claimed(resource, next.host)) {
        checks.push(warn(`start ${url} redirects to ${next.href}: host ${next.host} is not claimed; add this host to hosts`));
      }
      current = next.href;
      continue;
    }
    const where = current === url ? '' : ` after redirects, at ${current}`;
    if (answer.status >= 500 || answer.status === 0) checks.push(fail(`start ${url} answers ${answer.status}${where}`));
    else checks.push(pass(`start ${url} answers ${answer.status}${where}`));
    return checks;
  }
  checks.push(fail(`start ${url}: more than ${deps.maxRedirects} redirects`));
  return checks;
}

function checkWayfless(resource: Resource, config: CheckContext): Check[] {
  const checks: Check[] = [];
  for (const method of resource.access) {
    if (method.kind !== 'wayfless') continue;
    const institutions = method.institutions ?? [...new Set(resource.licences.map((l) => l.institution))];
    if (institutions.length === 0) checks.push(warn('WAYFless: no institution is registered or licensed, so no link can be rendered'));
    for (const institution of institutions) {
      const logins = config.logins.filter((l) => l.kind === 'saml' && l.institution === institution);
      if (logins.length === 0) {
        checks.push(warn(`WAYFless for ${institution}: no SAML login for this institution, so its users will not be sent this way`));
        continue;
      }
      for (const login of logins) {
        if (!login.entityID) continue;
        const rendered = renderWayfless(method.template, { entityID: login.entityID, target: defaultTarget(resource, method) });
        let link: URL;
        try {
          link = new URL(rendered);
        } catch {
          checks.push(fail(`WAYFless for ${institution} (${login.entityID}) is not a valid URL: ${rendered}`));
          continue;
        }
        if (link.protocol !== 'https:' && link.protocol !== 'http:') {
          checks.push(fail(`WAYFless for ${institution} is a ${link.protocol} URL, not http(s): ${rendered}`));
        } else if (!claimed(resource, link.host) && !KNOWN_SSO_HOSTS.includes(link.host)) {
          checks.push(warn(`WAYFless for ${institution} goes to ${link.host}, which the resource does not claim and is not a known vendor sign-in host: ${rendered}`));
        } else {
          checks.push(pass(`WAYFless for ${institution} renders: ${rendered}`));
        }
      }
    }
  }
  return checks;
}

function checkLicences(resource: Resource, config: CheckContext, today: Date): Check[] {
  const known = new Set(config.institutions.map((i) => i.id));
  const day = today.toISOString().slice(0, 10);
  if (resource.licences.length === 0) return [warn('no licences: nobody may use this resource yet')];
  return resource.licences.map((licence) => {
    if (!known.has(licence.institution)) return fail(`licence names unknown institution "${licence.institution}"`);
    if (licence.until && licence.until < day) return warn(`licence for ${licence.institution} ended on ${licence.until}`);
    return pass(`licence for ${licence.institution}${licence.until ? ` until ${licence.until}` : ''}`);
  });
}

/** Hosts seen in the resource's pages that no resource (now) claims. */
async function checkUnproxied(resource: Resource, catalog: readonly Resource[], read: NonNullable<CheckDeps['unproxied']>): Promise<Check[]> {
  let seen;
  try {
    seen = await read(resource.id);
  } catch (error) {
    return [warn(`hosts seen in its pages could not be read from the store: ${(error as Error).message}`)];
  }
  const unclaimed = seen.filter((h) => !catalog.some((r) => claimed(r, h.host)));
  if (unclaimed.length === 0) return [pass('every host seen in its pages is claimed by a resource')];
  const list = unclaimed.map((h) => `${h.host} (${h.count}×)`).join(', ');
  return [warn(`hosts seen in its pages that no resource claims: ${list}; add them if they belong to the vendor`)];
}

/** A roaming account: its credential readable, its last vendor sign-in (a failure is a failed check). */
async function checkRoaming(resource: Resource, deps: CheckDeps): Promise<Check[]> {
  const checks: Check[] = [];
  if (deps.roamingCredentials) {
    const problems = deps.roamingCredentials(resource);
    checks.push(problems.length === 0 ? pass('roaming account: its username and password can be read') : fail(`roaming account: ${problems.join('; ')}`));
  }
  if (!deps.vendorLogins) return checks;
  let status;
  try {
    status = await deps.vendorLogins(resource.id);
  } catch (error) {
    return [...checks, warn(`roaming account: its sign-ins could not be read from the store: ${(error as Error).message}`)];
  }
  if (!status) checks.push(warn('roaming account: no vendor sign-in yet (the first reader\'s launch signs in)'));
  else if (status.ok) checks.push(pass(`roaming account: the last vendor sign-in (${status.at}) succeeded`));
  else {
    const failure = status.lastFailure;
    checks.push(fail(`roaming account: the last vendor sign-in (${status.at}) failed${failure ? `: ${failure.reason}, ${failure.detail}` : ''} (${status.failures} failure${status.failures === 1 ? '' : 's'} since the last success)`));
  }
  return checks;
}

/** Check each of `ids` (every resource when omitted) of `catalog`; the whole catalog is used for collisions. */
export async function checkResources(
  catalog: readonly Resource[],
  config: CheckContext,
  ids: readonly string[] | undefined,
  deps: CheckDeps = defaultDeps(),
): Promise<ResourceReport[]> {
  const collisions = findHostCollisions(catalog);
  const selected = ids ? catalog.filter((r) => ids.includes(r.id)) : catalog;
  const reports: ResourceReport[] = [];
  for (const resource of selected) {
    const checks: Check[] = [];
    const mine = collisions.filter((c) => c.id === resource.id || c.otherId === resource.id);
    if (mine.length === 0) checks.push(pass('host claims overlap no other resource'));
    for (const c of mine) checks.push(fail(c.id === resource.id ? describeCollision(c) : `resource "${c.id}" claims "${c.host}", which overlaps "${c.otherHost}" claimed here`));
    checks.push(...(await checkDns(resource, deps)));
    for (const method of resource.access) {
      if (method.kind === 'proxy') checks.push(...(await checkStart(resource, method.start, deps)));
      if (method.kind === 'direct') checks.push(...(await checkStart(resource, method.url, deps)));
    }
    checks.push(...checkWayfless(resource, config));
    checks.push(...checkLicences(resource, config, deps.today));
    if (deps.unproxied) checks.push(...(await checkUnproxied(resource, catalog, deps.unproxied)));
    if (resource.roaming) checks.push(...(await checkRoaming(resource, deps)));
    reports.push({ id: resource.id, title: resource.title.zh ? `${resource.title.en} / ${resource.title.zh}` : resource.title.en, checks });
  }
  return reports;
}

const MARK: Record<CheckStatus, string> = { pass: '✓', warn: '!', fail: '✗' };

export function failed(reports: readonly ResourceReport[]): boolean {
  return reports.some((r) => r.checks.some((c) => c.status === 'fail'));
}

export function formatCheckReport(reports: readonly ResourceReport[]): string {
  const out: string[] = [];
  for (const report of reports) {
    out.push(`${report.id} — ${report.title}`);
    for (const check of report.checks) out.push(`  ${MARK[check.status]} ${check.message}`);
  }
  const count = (s: CheckStatus) => reports.reduce((n, r) => n + r.checks.filter((c) => c.status === s).length, 0);
  out.push(`${reports.length} resource${reports.length === 1 ? '' : 's'}: ${count('pass')} passed, ${count('warn')} warning${count('warn') === 1 ? '' : 's'}, ${count('fail')} failed`);
  return out.join('\n');
}
