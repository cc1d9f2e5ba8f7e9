import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Config } from '../config/schema';
import type { Identity } from '../idp-adapters/identity';
import type { Catalog } from '../resource-catalog/catalog';
import type { Resource } from '../resource-catalog/schema';
import { systemLookup, type CheckDeps } from '../resource-catalog/vendor-check';
import { createGateway, type Gateway } from './app';
import { toProxied } from './proxy/host-mapping';
import { readUnproxiedHosts } from './proxy/unproxied';
import { settingsFrom } from './settings';
import { MemoryStore } from './store';
import { analyse, type BrowseReport, type Seen, type Target } from './vendor-browse-report';

export { formatBrowseReport, isProblem, type BrowseReport, type Finding, type FindingKind } from './vendor-browse-report';

/**
 * `passway vendor check --browse <id>`: the config's gateway, started in this process on a loopback port
 * (http://localhost:<port>, proxied hosts under p.localhost, a memory store: no production session or
 * store is touched), a test identity licensed for the resource signed in through Sessions.login, and
 * Debian's Chromium driven to the resource's proxied start page against the real vendor. Every request
 * that left the gateway's hosts, every CSP block and console error is reported with a suggested host
 * rule or Find/Replace. With a given session the browser goes to the running gateway's launch link instead.
 */

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
