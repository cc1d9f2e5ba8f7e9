import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Config } from '../config/schema';
import type { Identity } from '../idp-adapters/identity';
import { isPublicAddress } from '../resource-catalog/address-policy';
import { suggestFindReplace, suggestHostRule, type FindReplaceSuggestion, type HostRuleSuggestion } from '../resource-catalog/browse-suggest';
import type { Catalog } from '../resource-catalog/catalog';
import type { Resource } from '../resource-catalog/schema';
import { systemLookup, type CheckDeps } from '../resource-catalog/vendor-check';
import { createGateway, type Gateway } from './app';
import { fromProxied, toProxied } from './proxy/host-mapping';
import { readUnproxiedHosts } from './proxy/unproxied';
import { settingsFrom } from './settings';
import { MemoryStore } from './store';

/**
 * `passway vendor check --browse <id>`: the config's gateway, started in this process on a loopback port
 * (http://localhost:<port>, proxied hosts under p.localhost, a memory store: no production session or
 * store is touched), a test identity licensed for the resource signed in through Sessions.login, and
 * Debian's Chromium driven to the resource's proxied start page against the real vendor. Every request
 * that left the gateway's hosts, every CSP block and console error is reported with a suggested host
 * rule or Find/Replace. With a given session the browser goes to the running gateway's launch link instead.
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

export interface BrowseOptions {
  config: Config;
  catalog: Catalog;
  id: string;
  /** The Chromium executable (default /usr/bin/chromium). */
  chromium?: string;
  timeoutMs?: number;
  /** Institution of the test identity (default: the first licence's). */
  institution?: string;
  /**
   * A session cookie of the running gateway at the config's public URL (its value, or name=value): the
   * browser starts at that gateway's launch link instead of a gateway started here with a test identity.
   */
  session?: string;
  /** Name resolution for the DNS-based private-address check of suggested host rules. */
  lookup?: CheckDeps['lookup'];
}

/** A problem that stops the check before it runs: printed as one line, exit 2. */
export class BrowseError extends Error {}

/** Findings that make the check fail (hosts only named in pages are notes). */
export const isProblem = (finding: Finding) => finding.kind !== 'named';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface LocalGateway {
  gateway: Gateway;
  store: MemoryStore;
  base: URL;
  close(): Promise<void>;
}

/** The config's gateway on 127.0.0.1:<free port>, as http://localhost:<port>, without sign-in methods or shared state. */
async function startLocalGateway(config: Config, catalog: Catalog): Promise<LocalGateway> {
  const built: { gateway?: Gateway } = {};
  const server = http.createServer({ shouldUpgradeCallback: (req) => built.gateway?.shouldUpgrade(req) ?? false });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const local: Config = {
    ...config,
    server: { ...config.server, publicUrl: `http://localhost:${port}`, host: '127.0.0.1', port, proxyDomain: undefined, tls: undefined, trustProxy: [] },
    session: { ...config.session, cookieDomain: undefined },
    store: { kind: 'memory' },
    // The test identity is signed in directly: no campus login, IdP metadata or federation is contacted.
    logins: [],
    federations: [],
    saml: { ...config.saml, signing: undefined, previousSigning: undefined, encryption: undefined },
    demo: { ...config.demo, enabled: false },
    usage: { ...config.usage, accessLog: false },
  };
  const store = new MemoryStore();
  const gateway = createGateway({ config: local, store, logger: pino({ level: 'silent' }), sessionSecret: randomBytes(32).toString('base64url'), catalog });
  built.gateway = gateway;
  server.on('request', gateway.handle);
  server.on('upgrade', gateway.handleUpgrade);
  return {
    gateway,
    store,
    base: new URL(`http://localhost:${port}`),
    close: async () => {
      gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}

/** A person the resource's first licence (or the one for `institution`) lets in. */
function testIdentity(resource: Resource, institution: string | undefined): Identity {
  const licence = institution ? resource.licences.find((l) => l.institution === institution) : resource.licences[0];
  if (!licence) {
    throw new BrowseError(
      institution
        ? `resource "${resource.id}" has no licence for institution "${institution}"; licensed: ${resource.licences.map((l) => l.institution).join(', ') || 'none'}`
        : `resource "${resource.id}" has no licences, so no test identity may use it; add one under licences`,
    );
  }
  return {
    subject: 'passway-vendor-check',
    institution: licence.institution,
    affiliations: [licence.affiliations?.[0] ?? 'member'],
    entitlements: licence.entitlements?.slice(0, 1) ?? [],
    groups: licence.groups?.slice(0, 1) ?? [],
    displayName: 'Passway vendor check',
    source: { adapter: 'vendor-check' },
    attributes: {},
  };
}

/** The session cookie value of a sign-in through Sessions.login, the path every campus login takes. */
async function signInCookie(gateway: Gateway, identity: Identity): Promise<{ name: string; value: string }> {
  let cookie = '';
  const res = { appendHeader: (_name: string, value: string) => (cookie = value.split(';')[0]!) } as unknown as ServerResponse;
  await gateway.sessions.login(res, undefined, identity);
  const at = cookie.indexOf('=');
  return { name: cookie.slice(0, at), value: cookie.slice(at + 1) };
}

async function launch(executablePath: string): Promise<Browser> {
  if (!existsSync(executablePath)) throw new BrowseError(`no Chromium at ${executablePath}: install Debian's chromium package (apt-get install chromium) or give --chromium <path>`);
  const { chromium } = await import('playwright-core');
  try {
    return await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  } catch (error) {
    throw new BrowseError(`Chromium at ${executablePath} did not start: ${(error as Error).message.split('\n')[0]}`);
  }
}

interface Where {
  url: string;
  /** 0-based. */
  line?: number;
  column?: number;
}

interface Seen {
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

/** Listen to everything the page does: requests (with the script that made them), CSP violations, console errors. */
async function watch(context: BrowserContext, page: Page): Promise<Seen> {
  const seen: Seen = { requests: [], initiators: new Map(), csp: [], console: [], bodies: new Map() };
  const initiators = seen.initiators;
  const cdp = await context.newCDPSession(page);
  cdp.on('Network.requestWillBeSent', (event) => {
    const frame = event.initiator.stack?.callFrames[0];
    if (frame) initiators.set(event.request.url, { url: frame.url, line: frame.lineNumber, column: frame.columnNumber });
    else if (event.initiator.url) initiators.set(event.request.url, { url: event.initiator.url, line: event.initiator.lineNumber, column: event.initiator.columnNumber });
  });
  await cdp.send('Network.enable');
  context.on('request', (request) => seen.requests.push(request.url()));
  page.on('websocket', (socket) => seen.requests.push(socket.url())); // not a request event
  context.on('response', (response) => {
    const type = response.request().resourceType();
    if (type === 'document' || type === 'script') seen.bodies.set(response.url(), response.text().catch(() => ''));
  });
  await context.exposeBinding('__passwayCspViolation', (_source, v: { blocked: string; directive: string; file: string; line: number; column: number }) => {
    seen.csp.push({ blocked: v.blocked, directive: v.directive, source: v.file ? { url: v.file, line: v.line > 0 ? v.line - 1 : undefined, column: v.column > 0 ? v.column - 1 : undefined } : undefined });
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const report = (window as unknown as { __passwayCspViolation: (v: unknown) => void }).__passwayCspViolation;
      void report({ blocked: e.blockedURI, directive: e.effectiveDirective || e.violatedDirective, file: e.sourceFile, line: e.lineNumber, column: e.columnNumber });
    });
  });
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const { url, lineNumber, columnNumber } = message.location();
    seen.console.push({ text: message.text(), source: url ? { url, line: lineNumber, column: columnNumber } : undefined });
  });
  page.on('pageerror', (error) => {
    const at = /(https?:\/\/[^\s)]+):(\d+):(\d+)/.exec(error.stack ?? '');
    seen.console.push({ text: `uncaught ${error.name}: ${error.message}`, source: at ? { url: at[1]!, line: Number(at[2]) - 1, column: Number(at[3]) - 1 } : undefined });
  });
  return seen;
}

/** Where the browser goes: the gateway's public URL and how upstream URLs map under its proxy domain. */
interface Target {
  base: URL;
  proxyDomain: string;
  proxiedUrl(upstream: URL): URL | undefined;
}

type BrowserCookie = Parameters<BrowserContext['addCookies']>[0][number];

/** A session cookie value as IT copies it from a browser: the value, or name=value. */
function sessionValue(cookieName: string, given: string): string {
  const value = given.trim();
  return value.startsWith(`${cookieName}=`) ? value.slice(cookieName.length + 1) : value;
}

/** Run the check; throws BrowseError for input that stops it (unknown id, no proxy method, no Chromium). */
export async function browseCheck(options: BrowseOptions): Promise<BrowseReport> {
  const resource = options.catalog.byId(options.id);
  if (!resource) throw new BrowseError(`unknown resource "${options.id}"; known: ${options.catalog.resources.map((r) => r.id).join(', ')}`);
  const method = resource.access.find((m) => m.kind === 'proxy');
  if (!method) throw new BrowseError(`resource "${resource.id}" has no proxy access method: the browse check drives the rewriting proxy`);
  const identity = options.session === undefined ? testIdentity(resource, options.institution) : undefined;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const browser = await launch(options.chromium ?? '/usr/bin/chromium');
  let local: LocalGateway | undefined;
  try {
    let target: Target;
    let startUrl: string;
    const cookies: BrowserCookie[] = [];
    const cookieName = options.config.session.cookieName;
    if (options.session !== undefined) {
      // The running gateway at its public URL, through its own launch link (and session handoff).
      const settings = settingsFrom(options.config);
      target = { base: settings.publicUrl, proxyDomain: settings.proxyDomain, proxiedUrl: (u) => (options.catalog.byUrl(u) ? toProxied(u, settings) : undefined) };
      startUrl = `${settings.publicUrl.origin}/go/${encodeURIComponent(resource.id)}?target=${encodeURIComponent(method.start)}`;
      const value = sessionValue(cookieName, options.session);
      const cookie = { name: cookieName, value, path: '/', httpOnly: true, secure: settings.secureCookies, sameSite: 'Lax' as const };
      cookies.push({ ...cookie, domain: settings.publicUrl.hostname });
      if (settings.cookieDomain) cookies.push({ ...cookie, domain: `.${settings.cookieDomain}` });
    } else {
      local = await startLocalGateway(options.config, options.catalog);
      const { base, gateway } = local;
      target = { base, proxyDomain: `p.${base.hostname}`, proxiedUrl: (u) => gateway.proxy.proxiedUrl(u) };
      const proxiedStart = target.proxiedUrl(new URL(method.start));
      if (!proxiedStart) throw new BrowseError(`the start page ${method.start} is on no catalogued host`);
      startUrl = proxiedStart.href;
      const { name, value } = await signInCookie(gateway, identity!);
      // The gateway's own host, and every proxied host (their shared parent p.localhost): what the session handoff would do.
      for (const domain of [base.hostname, `.${target.proxyDomain}`]) cookies.push({ name, value, domain, path: '/', httpOnly: true, sameSite: 'Lax' });
    }
    const context = await browser.newContext();
    // A browser that refuses one of them (a parent-domain cookie on localhost) falls back to the handoff.
    for (const cookie of cookies) await context.addCookies([cookie]).catch(() => undefined);
    const page = await context.newPage();
    const seen = await watch(context, page);
    let status = 0; // of the last document the main frame got (Chromium shows its own page for an empty error)
    page.on('response', (response) => {
      if (response.request().isNavigationRequest() && response.frame() === page.mainFrame()) status = response.status();
    });
    await page.goto(startUrl, { waitUntil: 'load', timeout: timeoutMs }).catch((error: Error) => {
      seen.start = `the start page did not load through the proxy: ${error.message.split('\n')[0]}`;
    });
    if (status >= 400) seen.start = `the start page answered ${status} ${http.STATUS_CODES[status] ?? ''} through the proxy`.replace('  ', ' ');
    // Scripts that run after load (timers, fetches) get until the network is quiet.
    await page.waitForLoadState('networkidle', { timeout: timeoutMs }).catch(() => undefined);
    const landedProxied = page.url();
    await Promise.all(seen.bodies.values()); // read before the context closes
    await context.close();
    let named: { host: string; count: number }[] = [];
    if (local) {
      await local.gateway.proxy.flushUsage();
      named = await readUnproxiedHosts(local.store, resource.id);
    }
    return await analyse({ resource, catalog: options.catalog, target, seen, named, lookup: options.lookup ?? systemLookup, start: method.start, startUrl, landedProxied, identity });
  } finally {
    await browser.close();
    await local?.close();
  }
}

interface Analysis {
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

async function analyse(a: Analysis): Promise<BrowseReport> {
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
