import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { proxiedHost, signedIn, startGateway, type RunningGateway } from '../integration/proxy-harness';

/**
 * Vendor JavaScript cookies in Chromium, on the demo's layout (gateway on localhost, proxied hosts under
 * p.localhost): two vendors, A on two hosts (www, cdn), B on one. A's page sets a cookie for the whole
 * proxy domain, as analytics scripts do; B must neither read it nor receive it, A's other host must.
 */

const NAMES = { aWww: 'www.vendor-a.com', aCdn: 'cdn.vendor-a.com', b: 'www.vendor-b.com' } as const;
const PROXY_DOMAIN = 'p.localhost';

interface Seen {
  host: string;
  path: string;
  cookie: string | undefined;
}

/** The three vendor hosts on one server, told apart by the Host header the proxy sends. */
function page(host: string): { csp?: string; html: string } {
  // Each page's first inline script comes before anything else of the vendor's; what it sees is kept for the test.
  const first = (nonce = '') =>
    `<script${nonce}>window.firstSaw = document.cookie; window.cookieStoreSeen = typeof window.cookieStore; document.cookie = 'early=' + location.hostname.split('.')[0] + '; path=/'; window.earlyRead = document.cookie;</script>`;
  if (host.startsWith(NAMES.aWww)) {
    // A strict nonce policy: 'strict-dynamic' ignores host and path sources, so only a nonce lets the shim run.
    return {
      csp: "script-src 'nonce-r4nd0m' 'strict-dynamic'; object-src 'none'",
      html: `<!DOCTYPE html>\n<html lang="en"><head>${first(' nonce="r4nd0m"')}<meta charset="utf-8"><title>Vendor A</title></head>
<body><h1>Vendor A</h1><script nonce="r4nd0m">document.cookie = 'track=a; domain=${PROXY_DOMAIN}; path=/';</script></body></html>`,
    };
  }
  if (host.startsWith(NAMES.aCdn)) {
    // No 'self': the shim is allowed by its own path only. No <head> either: the parser makes one.
    return { csp: "script-src 'unsafe-inline'", html: `<!-- cdn --><!doctype html><title>Vendor A CDN</title>${first()}<p>cdn</p>` };
  }
  return { html: `<!DOCTYPE html><html><head>${first()}<title>Vendor B</title></head><body><h1>Vendor B</h1></body></html>` };
}

async function startVendors(): Promise<{ port: number; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const host = req.headers.host ?? '';
    seen.push({ host: host.replace(/:\d+$/, ''), path: req.url ?? '', cookie: req.headers.cookie });
    const { csp, html } = page(host);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...(csp ? { 'Content-Security-Policy': csp } : {}) });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let browser: Browser;
let vendors: Awaited<ReturnType<typeof startVendors>>;
let gw: RunningGateway;

beforeAll(async () => {
  vendors = await startVendors();
  const resource = (id: string, names: string[]) => ({
    id,
    title: { en: id },
    vendor: id,
    hosts: names.map((name) => ({ host: `${name}:${vendors.port}`, allowPrivate: true })),
    access: [{ kind: 'proxy' as const, start: `http://${names[0]}:${vendors.port}/` }],
    licences: [{ institution: 'demo-university' }],
  });
  gw = await startGateway(
    () => ({
      institutions: [{ id: 'demo-university', name: { en: 'Demo University' } }],
      resources: [resource('vendor-a', [NAMES.aWww, NAMES.aCdn]), resource('vendor-b', [NAMES.b])],
    }),
    { resolve: async (name) => (Object.values(NAMES).includes(name as never) ? ['127.0.0.1'] : []) },
  );
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await gw?.close();
  await vendors?.close();
});

const proxied = (name: string) => proxiedHost(`${name.replace(/-/g, '--').replace(/\./g, '-')}---http-${vendors.port}`, gw.port);
const label = (name: string) => proxied(name).split('.')[0]!;
/** The Cookie header of the last page request of `name` that reached the vendor (after the handoff). */
const lastCookie = (name: string) => vendors.seen.filter((s) => s.host === name && s.path === '/').at(-1)?.cookie ?? '';
const globals = (p: Page) =>
  p.evaluate(() => {
    const w = window as unknown as { firstSaw: string; earlyRead: string; cookieStoreSeen: string };
    return { firstSaw: w.firstSaw, earlyRead: w.earlyRead, cookieStoreSeen: w.cookieStoreSeen, now: document.cookie, mode: document.compatMode };
  });

describe('vendor JavaScript cookies through the proxy in Chromium', () => {
  let context: BrowserContext;
  afterEach(async () => {
    await context?.close();
  });

  it('scopes a cookie vendor A sets for the proxy domain to vendor A’s hosts', async () => {
    context = await browser.newContext();
    const [name, value] = (await signedIn(gw.gateway)).split('=') as [string, string];
    await context.addCookies([{ name, value, domain: 'localhost', path: '/', httpOnly: true, sameSite: 'Lax' }]);
    const tab = await context.newPage();
    const errors: string[] = [];
    tab.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });

    // Vendor A, www: the shim runs before the vendor's first inline script, the page stays in standards mode.
    await tab.goto(`http://${proxied(NAMES.aWww)}/`);
    expect(await tab.locator('h1').textContent()).toBe('Vendor A');
    const a = await globals(tab);
    expect(a.mode).toBe('CSS1Compat');
    expect(a.earlyRead).toBe(`early=${label(NAMES.aWww)}`);
    expect(a.cookieStoreSeen).toBe('undefined');
    expect(a.now).toBe(`early=${label(NAMES.aWww)}; track=a`);
    // In the browser the cookies carry vendor A's scope: none under the vendor's own names.
    const stored = (await context.cookies()).filter((c) => c.name !== 'passway_sid');
    expect(stored.map((c) => [c.name, c.domain]).sort()).toEqual([
      ['pw.vendor-a.early', proxied(NAMES.aWww).replace(/:\d+$/, '')],
      ['pw.vendor-a.track', `.${PROXY_DOMAIN}`],
    ]);
    await tab.reload();
    expect(lastCookie(NAMES.aWww)).toBe(`early=${label(NAMES.aWww)}; track=a`);

    // Vendor B: the browser sends it A's cookie (same parent domain), but B's script cannot read it and B's server does not get it.
    await tab.goto(`http://${proxied(NAMES.b)}/`);
    expect(await tab.locator('h1').textContent()).toBe('Vendor B');
    const b = await globals(tab);
    expect(b.mode).toBe('CSS1Compat');
    expect(b.firstSaw).toBe('');
    expect(b.now).toBe(`early=${label(NAMES.b)}`);
    await tab.reload();
    expect(lastCookie(NAMES.b)).toBe(`early=${label(NAMES.b)}`);
    expect(vendors.seen.filter((s) => s.host === NAMES.b).every((s) => !s.cookie?.includes('track'))).toBe(true);

    // Vendor A's other host: the domain cookie is shared within the resource (the host-only one is not).
    await tab.goto(`http://${proxied(NAMES.aCdn)}/`);
    const cdn = await globals(tab);
    expect(cdn.mode).toBe('CSS1Compat');
    expect(cdn.firstSaw).toBe('track=a');
    expect(lastCookie(NAMES.aCdn)).toBe('track=a');
    expect(errors).toEqual([]);
  });
});
