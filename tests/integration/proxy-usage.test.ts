import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readUnproxiedHosts } from '../../gateway/proxy';
import { MemoryStore } from '../../gateway/store';
import { createUsageLog, pseudonymizer, readUsageLog, type StoredUsageEvent, type UsageLog } from '../../gateway/usage';
import { startDemoPlainVendor } from '../../demo/plain-vendor';
import type { DemoPlainVendorHandle } from '../../demo/plain-vendor';
import { get, member, proxiedHost, signedIn, startGateway, type RunningGateway, shippedDemoLibrary } from './proxy-harness';

/** The proxy wired to load control and the usage log: download limits, proxy-summary events, the NCSA access log, unproxied hosts, Find/Replace rules. */

const KEY = 'proxy-usage-test-pseudonym-key-0123456789';
const PDF = Buffer.alloc(1000, 'p');
const UNKNOWN = ['cdn.unclaimed.example', 'fonts.elsewhere.example'];
const FLOOD = Array.from({ length: 50 }, (_, i) => `h${i}.flood.example`);

let shop: http.Server;
let shopPort: number;
let shopSeen: string[];
let vendor: DemoPlainVendorHandle;
let gw: RunningGateway;
let usage: UsageLog;
let dir: string;
let shopHost: string;
const user = pseudonymizer(KEY);

async function startShop(): Promise<void> {
  shopSeen = [];
  shop = http.createServer((req, res) => {
    shopSeen.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://x');
    if (/^\/item\/\d+\.pdf$/.test(url.pathname)) {
      res.writeHead(200, { 'Content-Type': 'application/pdf', 'Content-Length': PDF.length });
      res.end(PDF);
    } else if (url.pathname === '/search') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(`results for ${url.searchParams.get('q') ?? ''}`);
    } else if (url.pathname === '/page') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<html><head><script src="https://${UNKNOWN[0]}/lib.js"></script><link rel="stylesheet" href="//${UNKNOWN[1]}/css"></head>
<body><a href="http://localhost:${shopPort}/item/1.pdf">PDF</a></body></html>`);
    } else if (url.pathname === '/flood') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<html><body>${FLOOD.map((h) => `<img src="https://${h}/x.png">`).join('\n')}</body></html>`);
    } else if (url.pathname === '/broken') {
      res.writeHead(503, { 'Content-Type': 'text/plain' });
      res.end('down');
    } else {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('about the shop');
    }
  });
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
  shopPort = (shop.address() as AddressInfo).port;
}

/** Wait for a condition the proxy reaches after the response ends (the download is counted when its body finishes). */
async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not reached');
}

async function fetchBody(host: string, pathname: string, cookie: string): Promise<{ status: number; location?: string; body: Buffer }> {
  const res = await get(gw.port, host, pathname, { cookie });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, location: res.headers.location as string | undefined, body };
}

async function events(type: string): Promise<StoredUsageEvent[]> {
  await usage.settle();
  const out: StoredUsageEvent[] = [];
  for await (const e of readUsageLog(dir)) if (e.type === type) out.push(e);
  return out;
}

beforeAll(async () => {
  await startShop();
  vendor = await startDemoPlainVendor({ port: 0 });
  dir = mkdtempSync(path.join(tmpdir(), 'passway-proxy-usage-'));
  const store = new MemoryStore();
  usage = createUsageLog({ dir, store, pseudonymKey: KEY, timeZone: 'UTC', accessLog: true });
  gw = await startGateway(
    () => ({
      institutions: [{ id: 'demo-university', name: { en: 'Demo University' } }],
      resources: [
        {
          id: 'shop',
          title: { en: 'Shop' },
          vendor: 'Shop',
          hosts: [{ host: `localhost:${shopPort}`, allowPrivate: true }],
          access: [{ kind: 'proxy', start: `http://localhost:${shopPort}/` }],
          licences: [{ institution: 'demo-university' }],
          patterns: { item: ['/item/\\d+\\.pdf$'], search: ['/search\\?'] },
        },
        shippedDemoLibrary({ site: vendor.port, cdn: vendor.cdn.port }),
        // Nothing listens on port 9 (discard) of 127.0.0.1: connecting is refused.
        { id: 'dead', title: { en: 'Dead' }, vendor: 'Dead', hosts: [{ host: 'localhost:9', allowPrivate: true }], access: [{ kind: 'proxy', start: 'http://localhost:9/' }], licences: [{ institution: 'demo-university' }] },
      ],
      load: { downloadLimits: { items: 2 } },
      usage: { accessLog: true, dir },
      proxy: { summaryEveryRequests: 1000, unproxiedHostsPerResource: 10 },
      admin: { roles: { admins: { subjects: ['demo-university:it-admin'] } } },
    }),
    { store, usage, resolve: async (name) => (name === 'localhost' ? ['127.0.0.1'] : []) },
  );
  shopHost = proxiedHost(`localhost---http-${shopPort}`, gw.port);
});

afterAll(async () => {
  await gw?.close();
  await usage?.close();
  await vendor?.close();
  await new Promise<void>((resolve) => (shop ? shop.close(() => resolve()) : resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('proxy + load control: download limits', () => {
  it('counts item downloads and, past the limit, suspends the user: the next request goes to /suspended/<id> with no upstream request', async () => {
    const cookie = await signedIn(gw.gateway, member({ subject: 'hoarder' }));
    for (const n of [1, 2, 3]) {
      const got = await fetchBody(shopHost, `/item/${n}.pdf`, cookie);
      expect(got.status).toBe(200);
      expect(got.body.length).toBe(PDF.length);
    }
    // The third item passes items: 2 once its body has finished.
    await until(async () => (await gw.gateway.access.downloads.list()).length === 1);
    const [suspension] = await gw.gateway.access.downloads.list();
    expect(suspension).toMatchObject({ resource: 'shop', reason: 'download-items', items: 3, bytes: 3 * PDF.length, user: suspension!.user });

    const before = shopSeen.length;
    const refused = await fetchBody(shopHost, '/about', cookie);
    expect(refused.status).toBe(303);
    expect(refused.location).toBe(`${gw.base}/suspended/shop`);
    expect(shopSeen.length).toBe(before);
    const page = await get(gw.port, `localhost:${gw.port}`, '/suspended/shop', { cookie });
    expect(page.statusCode).toBe(403);
    await page.body.text();

    // Another reader is not affected.
    const other = await signedIn(gw.gateway, member({ subject: 'bystander' }));
    expect((await fetchBody(shopHost, '/about', other)).status).toBe(200);
    expect(shopSeen.length).toBe(before + 1);
    expect(await events('suspension')).toEqual([expect.objectContaining({ type: 'suspension', resource: 'shop', user: user('demo-university', 'hoarder'), items: 3 })]);
  });

  it('counts upstream failures by resource and reason', async () => {
    const cookie = await signedIn(gw.gateway, member({ subject: 'unlucky' }));
    const dead = await fetchBody(proxiedHost('localhost---http-9', gw.port), '/', cookie);
    expect(dead.status).toBe(502);
    expect((await fetchBody(shopHost, '/broken', cookie)).status).toBe(503);
    const values = (await gw.gateway.load.metrics.upstreamErrors.get()).values.map((v) => ({ ...v.labels, value: v.value }));
    expect(values).toEqual(
      expect.arrayContaining([
        { resource: 'dead', reason: 'refused', value: 1 },
        { resource: 'shop', reason: 'http-503', value: 1 },
      ]),
    );
  });
});

describe('proxy + usage log', () => {
  it('summarises traffic per session and resource in one proxy-summary event: requests, bytes, items, unique items, searches', async () => {
    const cookie = await signedIn(gw.gateway, member({ subject: 'reader-sum' }));
    let bytes = 0;
    for (const pathname of ['/item/7.pdf', '/item/7.pdf', '/search?q=gateways', '/search?q=proxies', '/about']) {
      const got = await fetchBody(shopHost, pathname, cookie);
      expect(got.status).toBe(200);
      bytes += got.body.length;
    }
    // With a usage log, the summaries ride on every log write (a crash loses no more than the NCSA log):
    // however they are split, they add up to the session's traffic, and a unique item counts once.
    await gw.gateway.proxy.flushUsage();
    await usage.settle();
    const mine = (await events('proxy-summary')).filter((e) => e.user === user('demo-university', 'reader-sum'));
    expect(mine.length).toBeGreaterThanOrEqual(1);
    const sum = (key: string) => mine.reduce((total, e) => total + Number((e as Record<string, unknown>)[key] ?? 0), 0);
    expect(mine.every((e) => e.type === 'proxy-summary' && e.resource === 'shop' && e.institution === 'demo-university' && e.affiliation === 'faculty')).toBe(true);
    expect({ requests: sum('requests'), bytes: sum('bytes'), itemRequests: sum('itemRequests'), uniqueItemRequests: sum('uniqueItemRequests'), searches: sum('searches') }).toEqual({
      requests: 5,
      bytes,
      itemRequests: 2,
      uniqueItemRequests: 1,
      searches: 2,
    });
    expect(mine[0]!.sessionRef).toEqual(expect.any(String));
    expect(JSON.stringify(mine)).not.toContain('reader-sum');
    expect(bytes).toBe(2 * PDF.length + 'results for gateways'.length + 'results for proxies'.length + 'about the shop'.length);
  });

  it('writes one NCSA combined line per proxied request to the access log, with the pseudonymous user', async () => {
    await usage.settle();
    const files = readdirSync(dir).filter((f) => f.startsWith('access-'));
    expect(files).toHaveLength(1);
    const lines = readFileSync(path.join(dir, files[0]!), 'utf8').trim().split('\n');
    const mine = lines.filter((l) => l.includes(` - ${user('demo-university', 'reader-sum')} [`));
    expect(mine).toHaveLength(5);
    expect(mine[0]).toMatch(new RegExp(`^127\\.0\\.0\\.1 - \\S+ \\[\\d{2}/\\w{3}/\\d{4}:\\d{2}:\\d{2}:\\d{2} \\+0000\\] "GET http://localhost:${shopPort}/item/7\\.pdf HTTP/1\\.1" 200 1000 "-" "-"$`));
    expect(mine[2]).toContain(`"GET http://localhost:${shopPort}/search?q=gateways HTTP/1.1" 200 20 `);
    expect(lines.join('\n')).not.toContain('reader-sum');
  });
});

describe('proxy: unproxied-host detector', () => {
  it('counts hosts in vendor pages that no resource claims, per resource and bounded, and lists them for admins', async () => {
    const cookie = await signedIn(gw.gateway, member({ subject: 'browser' }));
    const page = await fetchBody(shopHost, '/page', cookie);
    expect(page.body.toString()).toContain(`https://${UNKNOWN[0]}/lib.js`); // not rewritten: nobody claims it
    await fetchBody(shopHost, '/page', cookie);
    await gw.gateway.proxy.flushUsage();
    expect(await readUnproxiedHosts(gw.gateway.load.store, 'shop')).toEqual([
      { host: UNKNOWN[0], count: 2 },
      { host: UNKNOWN[1], count: 2 },
    ]);
    expect(await readUnproxiedHosts(gw.gateway.load.store, 'demo-library')).toEqual([]);

    // A page naming 50 hosts: only unproxiedHostsPerResource (10) are kept for the resource.
    await fetchBody(shopHost, '/flood', cookie);
    await gw.gateway.proxy.flushUsage();
    const hosts = await readUnproxiedHosts(gw.gateway.load.store, 'shop');
    expect(hosts).toHaveLength(10);
    expect(hosts.slice(0, 2).map((h) => h.host)).toEqual(UNKNOWN);

    const admin = await signedIn(gw.gateway, member({ subject: 'it-admin' }));
    const res = await get(gw.port, `localhost:${gw.port}`, '/admin/unproxied', { cookie: admin });
    expect(res.statusCode).toBe(200);
    const html = await res.body.text();
    expect(html).toContain(`data-host="${UNKNOWN[0]}"`);
    expect(html).toContain('data-resource="shop"');
    const nav = await get(gw.port, `localhost:${gw.port}`, '/admin', { cookie: admin });
    const navHtml = await nav.body.text();
    for (const href of ['/admin/unproxied', '/admin/load', '/admin/suspensions']) expect(navHtml).toContain(`href="${href}"`);
    const reader = await get(gw.port, `localhost:${gw.port}`, '/admin/unproxied', { cookie });
    expect(reader.statusCode).toBe(403);
    await reader.body.text();
  });
});

describe('proxy: Find/Replace rules from the catalog', () => {
  it('applies the resource\'s rules (the shipped demo\'s) before URL rewriting, so a URL assembled from pieces goes through the proxy', async () => {
    const cookie = await signedIn(gw.gateway, member({ subject: 'scripted' }));
    const demoHost = proxiedHost(`localhost---http-${vendor.port}`, gw.port);
    const js = (await fetchBody(demoHost, '/static/app.js', cookie)).body.toString();
    expect(js).toContain('var origin = location.origin;');
    expect(js).not.toContain("'http:/' + '/'");
  });
});
