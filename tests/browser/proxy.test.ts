import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { DEMO_PDF, startDemoPlainVendor } from '../../demo/plain-vendor';
import type { DemoServerHandle } from '../../demo/server';
import { launchChromium } from '../helpers/browser';
import { proxiedHost, signedIn, startGateway, type RunningGateway, demoLibrary, assembledOriginRule } from '../integration/proxy-harness';

let browser: Browser;
let vendor: DemoServerHandle;
let gw: RunningGateway;

beforeAll(async () => {
  vendor = await startDemoPlainVendor({ port: 0 });
  gw = await startGateway(() => ({
    institutions: [{ id: 'demo-university', name: { en: 'Demo University' } }],
    resources: [
      demoLibrary(vendor.port, { rewrite: { rules: [assembledOriginRule(vendor.port)] } }),
    ],
  }));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await gw?.close();
  await vendor?.close();
});

describe('the proxied demo vendor in Chromium', () => {
  it('reaches the vendor through the session handoff, loads its CSS and scripts, and keeps vendor cookies server-side', async () => {
    const context = await browser.newContext();
    const [name, value] = (await signedIn(gw.gateway)).split('=') as [string, string];
    await context.addCookies([{ name, value, domain: 'localhost', path: '/', httpOnly: true, sameSite: 'Lax' }]);
    const page = await context.newPage();
    const requested: string[] = [];
    const urls: string[] = [];
    page.on('request', (r) => {
      requested.push(new URL(r.url()).host);
      urls.push(r.url());
    });
    const proxied = proxiedHost(`localhost---http-${vendor.port}`, gw.port);

    await page.goto(`http://${proxied}/`);
    expect(new URL(page.url()).host).toBe(proxied);
    expect(await page.locator('h1').textContent()).toContain('Demo Plain Vendor');
    // The session cookie with Domain=localhost is not shared with x.p.localhost (Chromium treats it as
    // host-only), which is why the handoff exists: the page came through the gateway once.
    expect(requested).toContain(`localhost:${gw.port}`);
    const cookies = await context.cookies(`http://${proxied}/`);
    expect(cookies.map((c) => c.name)).toEqual(['passway_sid']);

    // CSS: the stylesheet and its @import and url() images came through the proxy.
    await page.waitForFunction(() => getComputedStyle(document.body).backgroundImage.includes('bg.png'));
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundImage)).toContain(`${proxied}/static/bg.png`);
    // JavaScript: the JSON-escaped API URL in the inline script was rewritten, so the fetch works.
    await page.waitForFunction(() => document.getElementById('inline-result')?.textContent?.includes('results'));
    expect(await page.locator('#inline-result').textContent()).toBe('3 results from the search API');
    await page.waitForFunction(() => document.getElementById('js-result')?.textContent?.includes('Loaded by JavaScript'));
    expect(await page.locator('#js-result').textContent()).toBe(`Loaded by JavaScript from http://${proxied}/api/data.json`);

    // Cookies: the vendor's Set-Cookie stayed in the server-side jar and is sent back upstream.
    expect((await context.cookies()).map((c) => c.name)).not.toContain('vendor_session');
    await page.goto(`http://${proxied}/whoami`);
    expect(await page.locator('#cookie-status').textContent()).toBe('vendor_session cookie came back: demo-session-42');

    // A click on the vendor's absolute link, and on the link that redirects, stay on the proxied host.
    await page.goto(`http://${proxied}/`);
    await Promise.all([page.waitForURL(`http://${proxied}/article/1`), page.click('#absolute-link')]);
    await page.goto(`http://${proxied}/`);
    await Promise.all([page.waitForURL(`http://${proxied}/article/42`), page.getByRole('link', { name: 'Article 42 (through a 302 redirect)' }).click()]);

    // The PDF downloads through the proxy byte for byte.
    await page.goto(`http://${proxied}/`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Article 42 (PDF)' }).click({ modifiers: ['Alt'] })]);
    expect(download.url()).toBe(`http://${proxied}/article/42.pdf`);
    expect(readFileSync((await download.path())!)).toEqual(DEMO_PDF);

    // The form stays on the proxied host.
    await page.goto(`http://${proxied}/`);
    await page.fill('input[name=q]', 'federated');
    await Promise.all([page.waitForURL(`http://${proxied}/search`), page.click('#search button')]);
    expect(await page.locator('#query').textContent()).toBe('federated');

    // Every request stayed on the gateway's hosts, including app.js's fetch of the API URL it assembles
    // from pieces: the catalog's Find/Replace rule turned it into one URL, which the proxy mapped.
    const escaped = urls.filter((u) => !new URL(u).host.endsWith(`localhost:${gw.port}`));
    expect(escaped).toEqual([]);
    expect(urls).toContain(`http://${proxied}/api/data.json`);
    await context.close();
  });
});
