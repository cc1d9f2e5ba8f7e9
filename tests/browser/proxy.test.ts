/**
 * The shipped demo vendor (demo/plain-vendor.ts and its CDN) through the proxy in Chromium, catalogued
 * exactly as config/examples/demo.yaml ships it, served by two gateway processes on Redis behind one
 * balancer: every shape a real vendor site has (issue 13, item 5) works, with no console error, no CSP
 * block, no request that leaves the gateway's hosts and one session handoff for all its hosts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { DEMO_PDF, startDemoPlainVendor, type DemoPlainVendorHandle } from '../../demo/plain-vendor';
import { RedisStore } from '../../gateway/store';
import { Sessions } from '../../gateway/session';
import { launchChromium } from '../helpers/browser';
import { signIn } from '../helpers/gateway';
import { serve, type Served } from '../helpers/process';
import { deletePrefix, REDIS_URL, testPrefix } from '../helpers/stores';
import { member, shippedDemoLibrary } from '../integration/proxy-harness';

const SECRET = 'browser-proxy-two-process-secret-'.padEnd(48, 'x');

let browser: Browser;
let vendor: DemoPlainVendorHandle;
let stateDir: string;
let prefix: string;
let nodes: Served[] = [];
let balancer: net.Server;
let publicPort: number;
/** The two processes' ports, and the connections the balancer gave each. */
const backends: number[] = [];
const served = [0, 0];

/** One public address in front of both processes, round robin per connection (as nginx does in docker/compose.yaml). */
async function startBalancer(): Promise<void> {
  let next = 0;
  balancer = net.createServer((client) => {
    const which = next++ % 2;
    served[which]! += 1;
    const upstream = net.connect(backends[which]!, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => balancer.listen(0, '127.0.0.1', resolve));
  publicPort = (balancer.address() as net.AddressInfo).port;
}

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-browser-proxy-'));
  prefix = testPrefix('browser-proxy');
  vendor = await startDemoPlainVendor({ port: 0 });
  await startBalancer();
  const config = {
    server: { port: 0, publicUrl: `http://localhost:${publicPort}` },
    store: { kind: 'redis', url: REDIS_URL, keyPrefix: prefix },
    institutions: [{ id: 'demo-university', name: { en: 'Demo University' } }],
    resources: [shippedDemoLibrary({ site: vendor.port, cdn: vendor.cdn.port })],
  };
  const file = path.join(stateDir, 'passway.yaml');
  await writeFile(file, JSON.stringify(config, null, 2)); // JSON is YAML
  const env = { PASSWAY_SESSION_SECRET: SECRET, PASSWAY_LOG_LEVEL: 'warn', PASSWAY_CONFIG: '' };
  nodes = await Promise.all([serve(['--config', file], { env }), serve(['--config', file], { env })]);
  backends.push(...nodes.map((n) => Number(new URL(n.url).port)));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(nodes.map((n) => n.stop()));
  await new Promise<void>((resolve) => (balancer ? balancer.close(() => resolve()) : resolve()));
  await vendor?.close();
  if (prefix) await deletePrefix(prefix);
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

/** A reader's gateway session cookie, made in the shared Redis as a sign-in would make it. */
async function gatewayCookie(): Promise<[string, string]> {
  const store = new RedisStore({ url: REDIS_URL, keyPrefix: prefix });
  const sessions = new Sessions(store, { secret: SECRET, cookieName: 'passway_sid', secure: false, idleTimeoutMs: 3_600_000, absoluteLifetimeMs: 8 * 3_600_000 });
  const { cookie } = await signIn(sessions, member());
  await store.close();
  return cookie.split(/=(.*)/s).slice(0, 2) as [string, string];
}

describe('the proxied demo vendor in Chromium, two gateway processes on Redis', () => {
  it('one handoff for all its hosts; CDN CSS with SRI, a web font, URLs from location.origin and new URL(), window.open, an iframe, a credential-less API and a WebSocket all work', async () => {
    const context = await browser.newContext();
    const [name, value] = await gatewayCookie();
    await context.addCookies([{ name, value, domain: 'localhost', path: '/', httpOnly: true, sameSite: 'Lax' }]);
    // CSP violations, as the page itself sees them.
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP blocked ${e.blockedURI} (${e.violatedDirective})`));
    });
    const urls: string[] = [];
    const problems: string[] = [];
    context.on('request', (r) => urls.push(r.url()));
    context.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    context.on('weberror', (e) => problems.push(`page error: ${e.error().message}`));
    context.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    context.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    const page = await context.newPage();
    const site = `localhost---http-${vendor.port}.p.localhost:${publicPort}`;
    const cdn = `localhost---http-${vendor.cdn.port}.p.localhost:${publicPort}`;

    await page.goto(`http://${site}/`);
    expect(new URL(page.url()).host).toBe(site);
    expect(await page.locator('h1').textContent()).toContain('Demo Plain Vendor');

    // The CDN's stylesheet (crossorigin, SRI) applied, and its web font loaded.
    await page.waitForFunction(() => getComputedStyle(document.getElementById('site-header')!).borderBottomColor === 'rgb(11, 87, 208)');
    await page.waitForFunction(() => [...document.fonts].some((f) => f.family.includes('Passway Demo') && f.status === 'loaded'));
    // The site's own stylesheet, its @import and url() images.
    await page.waitForFunction(() => getComputedStyle(document.body).backgroundImage.includes('bg.png'));
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundImage)).toContain(`${site}/static/bg.png`);
    // Scripts: the JSON-escaped URL in the inline script, the API origin app.js assembles from pieces (the shipped
    // Find/Replace rule), the CDN script's credential-less API call (a preflight first) and its WebSocket.
    await page.waitForFunction(() => document.getElementById('inline-result')?.textContent?.includes('results'));
    expect(await page.locator('#inline-result').textContent()).toBe('3 results from the search API');
    await page.waitForFunction(() => document.getElementById('js-result')?.textContent?.includes('Loaded by JavaScript'));
    expect(await page.locator('#js-result').textContent()).toBe(`Loaded by JavaScript from http://${site}/api/data.json`);
    await page.waitForFunction(() => document.getElementById('api-result')?.textContent !== '');
    expect(await page.locator('#api-result').textContent()).toBe('The public status API answered without credentials');
    await page.waitForFunction(() => document.getElementById('live-result')?.textContent !== '');
    expect(await page.locator('#live-result').textContent()).toBe('Live search: 3 results for "federated access"');
    // URLs built from location.origin and with new URL().
    expect(await page.locator('#new-url-link').getAttribute('href')).toBe(`http://${site}/article/7`);
    expect(await page.locator('#origin-link').getAttribute('href')).toBe(`http://${site}/article/8`);
    // The iframe from the CDN host, signed in by the proxy-domain cookie (no handoff of its own).
    const widget = page.frameLocator('iframe[title="Citation widget"]');
    expect(await widget.locator('#widget-text a').getAttribute('href')).toBe(`http://${site}/`);
    expect(page.frames().map((f) => new URL(f.url()).host)).toContain(cdn);
    // window.open of a URL made with new URL().
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#open-window')]);
    await popup.waitForLoadState();
    expect(popup.url()).toBe(`http://${site}/article/9`);
    expect(await popup.locator('#article').textContent()).toBe('This is article 9 of the demo plain vendor.');
    await popup.close();

    // One handoff for the site and its CDN: the session cookie is on the proxy domain.
    expect(urls.filter((u) => new URL(u).pathname === '/proxy/handoff')).toHaveLength(1);
    const cookies = await context.cookies(`http://${cdn}/`);
    expect(cookies.filter((c) => c.name === 'passway_sid').map((c) => c.domain)).toEqual(['.p.localhost']);

    // Cookies: the vendor's Set-Cookie stayed in the server-side jar and is sent back upstream.
    expect((await context.cookies()).map((c) => c.name)).not.toContain('vendor_session');
    await page.goto(`http://${site}/whoami`);
    expect(await page.locator('#cookie-status').textContent()).toBe('vendor_session cookie came back: demo-session-42');

    // A click on the vendor's absolute link, and on the link that redirects, stay on the proxied host. Each time the
    // home page's scripts finish their API calls first: a navigation cancels calls in flight (net::ERR_ABORTED).
    const home = async () => {
      await page.goto(`http://${site}/`);
      await page.waitForFunction(() => ['inline-result', 'js-result', 'api-result', 'live-result'].every((id) => document.getElementById(id)?.textContent));
    };
    await home();
    await Promise.all([page.waitForURL(`http://${site}/article/1`), page.click('#absolute-link')]);
    await home();
    await Promise.all([page.waitForURL(`http://${site}/article/42`), page.getByRole('link', { name: 'Article 42 (through a 302 redirect)' }).click()]);

    // The PDF downloads through the proxy byte for byte.
    await home();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Article 42 (PDF)' }).click({ modifiers: ['Alt'] })]);
    expect(download.url()).toBe(`http://${site}/article/42.pdf`);
    expect(readFileSync((await download.path())!)).toEqual(DEMO_PDF);

    // The form stays on the proxied host.
    await home();
    await page.fill('input[name=q]', 'federated');
    await Promise.all([page.waitForURL(`http://${site}/search`), page.click('#search button')]);
    expect(await page.locator('#query').textContent()).toBe('federated');

    // Every request stayed on the gateway's hosts; nothing was logged, blocked or failed; both processes served.
    const escaped = urls.filter((u) => !new URL(u).host.endsWith(`localhost:${publicPort}`));
    expect(escaped).toEqual([]);
    expect(urls).toContain(`http://${site}/api/data.json`);
    expect(urls).toContain(`http://${cdn}/fonts/demo.ttf`);
    expect(problems).toEqual([]);
    expect(served.every((n) => n > 0)).toBe(true);
    await context.close();
  });
});
