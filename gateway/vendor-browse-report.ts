import type { Identity } from '../idp-adapters/identity';
import { isPublicAddress } from '../resource-catalog/address-policy';
import { suggestFindReplace, suggestHostRule, type FindReplaceSuggestion, type HostRuleSuggestion } from '../resource-catalog/browse-suggest';
import type { Catalog } from '../resource-catalog/catalog';
import type { Resource } from '../resource-catalog/schema';
import type { CheckDeps } from '../resource-catalog/vendor-check';
import { fromProxied } from './proxy/host-mapping';

/**
 * What `passway vendor check --browse` makes of what the browser saw (vendor-browse.ts drives it): each
 * request that left the gateway's hosts, CSP block and console error becomes a finding with its fix.
 */

export type FindingKind = 'start' | 'uncatalogued' | 'escaped' | 'csp' | 'console' | 'named';

export interface Finding {
  kind: FindingKind;
  /** One line for people. */
  message: string;
  url?: string;
  /** Every URL of the finding when several requests to one uncatalogued host share its fix. */
  urls?: string[];
  host?: string;
  /** Where in the vendor's code it came from: upstream URL and 1-based line. */
  source?: { url: string; line?: number };
  hostRule?: HostRuleSuggestion;
  findReplace?: FindReplaceSuggestion & { in?: string };
  /** What to do when no rule can be suggested. */
  hint?: string;
}

export interface BrowseReport {
  id: string;
  title: string;
  start: string;
  /** What the browser opened: the proxied start page, or the running gateway's launch link. */
  startUrl: string;
  /** Where the browser ended up (upstream URL when on a proxied host). */
  landed: string;
  /** The test identity signed in; absent when a given session was used. */
  identity?: { institution: string; affiliations: string[] };
  /** Requests that went through the gateway's hosts. */
  proxiedRequests: number;
  findings: Finding[];
}

/** Findings that make the check fail (hosts only named in pages are notes). */
export const isProblem = (finding: Finding) => finding.kind !== 'named';

/** A place in the vendor's code, as the browser reports it. */
export interface Where {
  url: string;
  /** 0-based. */
  line?: number;
  column?: number;
}

export interface Seen {
  requests: string[];
  /** The code that started each request (from the DevTools protocol, which may report after the request event). */
  initiators: Map<string, Where>;
  csp: { blocked: string; directive: string; source?: Where }[];
  console: { text: string; source?: Where }[];
  /** What went wrong with the start page itself, if anything. */
  start?: string;
  /** Bodies of the pages and scripts the browser got through the proxy, by proxied URL. */
  bodies: Map<string, Promise<string>>;
}

/** Where the browser went: the gateway's public URL and how upstream URLs map under its proxy domain. */
export interface Target {
  base: URL;
  proxyDomain: string;
  proxiedUrl(upstream: URL): URL | undefined;
}

export interface Analysis {
  resource: Resource;
  catalog: Catalog;
  target: Target;
  seen: Seen;
  named: { host: string; count: number }[];
  lookup: CheckDeps['lookup'];
  start: string;
  startUrl: string;
  landedProxied: string;
  /** The test identity; undefined when a given session was used. */
  identity?: Identity;
}

export async function analyse(a: Analysis): Promise<BrowseReport> {
  const { target, seen, catalog } = a;
  const gatewayHost = target.base.host;
  const proxySuffix = `.${target.proxyDomain}${target.base.port ? `:${target.base.port}` : ''}`;
  const isProxied = (url: URL) => url.host.endsWith(proxySuffix);
  const inside = (url: URL) => url.host === gatewayHost || isProxied(url);
  const web = (url: URL) => url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'ws:' || url.protocol === 'wss:';
  const parse = (text: string) => {
    try {
      return new URL(text);
    } catch {
      return undefined;
    }
  };
  // Upstream URL of a proxied one, for people and for Find/Replace text (which is written with upstream URLs).
  const upstream = (text: string): string => {
    const url = parse(text);
    if (!url || !isProxied(url)) return text;
    const mapped = fromProxied(url, target);
    if (mapped) return mapped.href;
    // A long host name maps to a digest label: find the catalogued host whose proxied form this is.
    for (const r of catalog.resources) {
      for (const rule of r.hosts) {
        for (const scheme of ['https', 'http']) {
          if (target.proxiedUrl(new URL(`${scheme}://${rule.host}/`))?.host === url.host) return `${scheme}://${rule.host}${url.pathname}${url.search}`;
        }
      }
    }
    return text;
  };
  const privateHost = async (host: string) => {
    try {
      const addresses = await a.lookup(host.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''));
      return addresses.some((address) => !isPublicAddress(address.address));
    } catch {
      return false;
    }
  };
  const findReplaceFor = async (url: string, where: Where | undefined): Promise<Finding['findReplace']> => {
    if (!where) return undefined;
    const body = await (seen.bodies.get(where.url) ?? Promise.resolve(''));
    const suggestion = suggestFindReplace(url, body, where.line, where.column);
    return suggestion ? { ...suggestion, in: upstream(where.url) } : undefined;
  };
  const sourceOf = (where: Where | undefined) => (where ? { url: upstream(where.url), line: where.line === undefined ? undefined : where.line + 1 } : undefined);
  const at = (where: Where | undefined) => (where ? ` (from ${upstream(where.url)}${where.line === undefined ? '' : `:${where.line + 1}`})` : '');

  const findings: Finding[] = [];
  const reported = new Set<string>();
  const landed = parse(a.landedProxied);
  if (landed && landed.host === gatewayHost) {
    // The proxy sends a reader it does not let in to the gateway's launch or suspension page.
    findings.push({
      kind: 'start',
      message: `${a.identity ? `the test identity (${a.identity.affiliations.join(', ')} of ${a.identity.institution})` : 'the given session'} was not let in: the browser ended on the gateway's ${landed.pathname}`,
      url: landed.href,
      hint: a.identity ? 'check the licence (institution, affiliations, from/until, seats) or give --institution' : 'sign in again and copy the new session cookie, or check the licence',
    });
  } else if (seen.start) findings.push({ kind: 'start', message: seen.start, url: a.start });
  const namedHosts = new Set(a.named.map((n) => n.host));

  /** A URL that left the proxy: its host is uncatalogued (host rule) or catalogued and built by a script (Find/Replace). */
  const leftProxy = async (kind: 'request' | 'csp', url: URL, where: Where | undefined, directive?: string): Promise<Finding> => {
    const claimedBy = catalog.byUrl(url.protocol.startsWith('ws') ? new URL(url.href.replace(/^ws/, 'http')) : url);
    const what = kind === 'csp' ? `the vendor's Content-Security-Policy (${directive}) blocked ${url.href}` : `${url.href} was requested directly, not through the proxy`;
    if (!claimedBy) {
      const finding: Finding = {
        kind: kind === 'csp' ? 'csp' : 'uncatalogued',
        message: `${what}: host ${url.host} is in no catalog entry${at(where)}`,
        url: url.href,
        host: url.host,
        source: sourceOf(where),
        hostRule: suggestHostRule(url.host, await privateHost(url.host)),
      };
      // Not seen by the rewriter in any page: a script built it, so after the host rule it still needs a Find/Replace.
      if (!namedHosts.has(url.host)) finding.findReplace = await findReplaceFor(url.href, where);
      return finding;
    }
    const finding: Finding = {
      kind: kind === 'csp' ? 'csp' : 'escaped',
      message: `${what}: host ${url.host} is catalogued${claimedBy.id === a.resource.id ? '' : ` (by "${claimedBy.id}")`} but the address was not mapped to the proxy${url.protocol.startsWith('ws') ? '' : ': a script built it from pieces the rewriter cannot see as one URL'}${at(where)}`,
      url: url.href,
      host: url.host,
      source: sourceOf(where),
      findReplace: await findReplaceFor(url.href, where),
    };
    if (finding.findReplace) return finding;
    finding.hint = url.protocol.startsWith('ws')
      ? 'a WebSocket address on a catalogued host that the proxy did not map: if the vendor\'s code has it as one string, the catalog entry cannot fix it'
      : `add a Find/Replace rule to ${a.resource.id} that turns the code building ${url.origin} into one string '${url.origin}'`;
    return finding;
  };

  let proxied = 0;
  for (const request of seen.requests) {
    const url = parse(request);
    if (!url || !web(url)) continue;
    if (inside(url)) {
      proxied += 1;
      continue;
    }
    if (reported.has(url.href)) continue;
    reported.add(url.href);
    findings.push(await leftProxy('request', url, seen.initiators.get(request)));
  }
  groupByHost(findings);

  for (const block of seen.csp) {
    const url = parse(block.blocked);
    if (url && web(url) && !inside(url)) {
      if (reported.has(url.href)) continue;
      reported.add(url.href);
      findings.push(await leftProxy('csp', url, block.source, block.directive));
      continue;
    }
    const key = `csp ${block.directive} ${block.blocked}`;
    if (reported.has(key)) continue;
    reported.add(key);
    const what = url ? upstream(url.href) : block.blocked || 'inline';
    findings.push({
      kind: 'csp',
      message: `the vendor's Content-Security-Policy (${block.directive}) blocked ${what}${at(block.source)}`,
      url: url ? upstream(url.href) : undefined,
      source: sourceOf(block.source),
      hint: url
        ? 'a proxied address the vendor\'s policy does not allow: the proxy maps only hosts the policy names; report it with the policy header'
        : 'the vendor\'s policy forbids inline code or eval that the page uses; compare with the page opened directly',
    });
  }

  for (const entry of seen.console) {
    // CSP blocks and escaped requests are reported above, with their fixes; the browser repeats them on the console.
    if (/Content[- ]Security[- ]Policy/i.test(entry.text)) continue;
    if ([...reported].some((url) => url.includes('://') && (entry.text.includes(url) || entry.source?.url === url))) continue;
    // The gateway's own pages (a refusal) and Chromium's error page are not the vendor's.
    const from = entry.source && parse(entry.source.url);
    if (from && (from.host === gatewayHost || from.protocol === 'chrome-error:')) continue;
    // The start page's own failure is reported above.
    if (seen.start && entry.source?.url === a.landedProxied && entry.text.startsWith('Failed to load resource')) continue;
    // The browser's own favicon request is not the vendor's page.
    if (entry.source && parse(entry.source.url)?.pathname === '/favicon.ico' && entry.text.startsWith('Failed to load resource')) continue;
    const key = `console ${entry.text}`;
    if (reported.has(key)) continue;
    reported.add(key);
    findings.push({ kind: 'console', message: `console error: ${entry.text.split('\n')[0]}${at(entry.source)}`, source: sourceOf(entry.source) });
  }

  const requested = new Set(findings.map((f) => f.host).filter(Boolean));
  for (const { host, count } of a.named) {
    if (requested.has(host)) continue;
    findings.push({
      kind: 'named',
      message: `host ${host} is named in the vendor's pages (${count}×) but is in no catalog entry; add it if it belongs to the vendor (links to other sites need nothing)`,
      host,
      hostRule: suggestHostRule(host, await privateHost(host)),
    });
  }

  return {
    id: a.resource.id,
    title: a.resource.title.zh ? `${a.resource.title.en} / ${a.resource.title.zh}` : a.resource.title.en,
    start: a.start,
    startUrl: a.startUrl,
    landed: upstream(a.landedProxied),
    identity: a.identity && { institution: a.identity.institution, affiliations: a.identity.affiliations },
    proxiedRequests: proxied,
    findings,
  };
}

/** Requests to one uncatalogued host that a host rule alone fixes become one finding: a CDN's 30 assets are one line. */
function groupByHost(findings: Finding[]): void {
  const first = new Map<string, Finding>();
  for (let i = 0; i < findings.length; i++) {
    const finding = findings[i]!;
    if (finding.kind !== 'uncatalogued' || finding.findReplace || !finding.host) continue;
    const kept = first.get(finding.host);
    if (!kept) {
      first.set(finding.host, finding);
      continue;
    }
    kept.urls = [...(kept.urls ?? [kept.url!]), finding.url!];
    findings.splice(i--, 1);
  }
  for (const finding of first.values()) {
    if (!finding.urls) continue;
    finding.urls.sort();
    const shown = finding.urls.slice(0, 3).join(', ') + (finding.urls.length > 3 ? ', …' : '');
    finding.message = `${finding.urls.length} requests went directly to ${finding.host}, not through the proxy (${shown}): the host is in no catalog entry`;
  }
}

const yamlString = (text: string) => JSON.stringify(text);

export function formatBrowseReport(report: BrowseReport): string {
  const out = [
    `${report.id} — ${report.title}`,
    `  browsed ${report.start} through the proxy ${report.identity ? `as a test ${report.identity.affiliations.join(', ')} of ${report.identity.institution}` : `with the given session (${report.startUrl})`}; landed on ${report.landed}`,
    `  ${report.proxiedRequests} requests through the proxy`,
  ];
  const problems = report.findings.filter(isProblem);
  if (report.findings.length === 0) out.push('  ✓ no request left the proxy, no CSP block, no console error');
  for (const finding of report.findings) {
    out.push(`  ${isProblem(finding) ? '✗' : '!'} ${finding.message}`);
    if (finding.hostRule) {
      out.push(`      add to hosts of ${report.id}: { host: ${finding.hostRule.host}${finding.hostRule.allowPrivate ? ', allowPrivate: true' : ''} }`);
    }
    if (finding.findReplace) {
      const rule = `{ find: ${yamlString(finding.findReplace.find)}, replace: ${yamlString(finding.findReplace.replace)} }`;
      out.push(`      add to rewrite.rules of ${report.id}: ${rule}${finding.findReplace.exact ? '' : ' (the code has variables: check the URL it builds)'}`);
    }
    if (finding.hint) out.push(`      ${finding.hint}`);
  }
  out.push(`${problems.length} problem${problems.length === 1 ? '' : 's'}, ${report.findings.length - problems.length} note${report.findings.length - problems.length === 1 ? '' : 's'}`);
  return out.join('\n');
}
