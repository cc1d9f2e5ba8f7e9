/**
 * Issue 21 in Chromium: two readers open the demo's roaming-account vendor through the proxy. The
 * gateway signs in at the vendor for them, unseen; every response the browser receives (status, headers,
 * body, redirects included), the cookies it keeps and what the page's script can read are searched for the
 * account, which is never there. An ended vendor session is renewed without the reader noticing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Response } from 'playwright-core';
import { startDemoRoamingVendor, type DemoRoamingVendorHandle } from '../../demo';
import { launchChromium } from '../helpers/browser';
import { member, proxiedHost, signedIn, startGateway, type RunningGateway } from '../integration/proxy-harness';
import { demoAccount, leakForms, shippedDemoRoaming } from '../integration/roaming-harness';

let stateDir: string;
let vendor: DemoRoamingVendorHandle;
let gw: RunningGateway;
let browser: Browser;
const contexts: BrowserContext[] = [];
const received: string[] = [];

/** Keep everything the browser received with a response. */
async function keep(response: Response): Promise<void> {
  const headers = await response.allHeaders();
  let body = '';
  try {
    body = (await response.body()).toString('latin1');
  } catch {
    // a redirect has no body to read
  }
  received.push(`${response.status()} ${response.url()}\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${body}`);
}

async function readerTab(subject: string) {
  const context = await browser.newContext();
  contexts.push(context);
  const [name, value] = (await signedIn(gw.gateway, member({ subject }))).split('=') as [string, string];
  await context.addCookies([{ name, value, domain: 'localhost', path: '/', httpOnly: true, sameSite: 'Lax' }]);
  const tab = await context.newPage();
  const pending: Promise<void>[] = [];
  tab.on('response', (response) => void pending.push(keep(response)));
  return { context, tab, settled: () => Promise.all(pending) };
}

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-roaming-browser-'));
  vendor = await startDemoRoamingVendor({ port: 0, stateDir });
  gw = await startGateway(() => ({ institutions: [{ id: 'demo-university', name: { en: 'Demo University' } }], resources: [shippedDemoRoaming(vendor)] }), {
    resolve: async (name) => (name === 'localhost' ? ['127.0.0.1'] : []),
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await browser?.close();
  await gw?.close();
  await vendor?.close();
  await rm(stateDir, { recursive: true, force: true });
});

test('two readers read the vendor in Chromium; the browser never receives the roaming account', async () => {
  const host = proxiedHost(`localhost---http-${vendor.port}`, gw.port);
  const one = await readerTab('reader-1');
  const two = await readerTab('reader-2');

  await one.tab.goto(`http://${host}/`);
  expect(await one.tab.locator('main p').first().textContent()).toBe("You are signed in with the library's account.");
  await one.tab.getByRole('link', { name: /Article 7/ }).click();
  await one.tab.waitForURL(`http://${host}/article/7`);
  expect(await one.tab.locator('h1').textContent()).toBe('Article 7');

  await two.tab.goto(`http://${host}/`);
  await two.tab.getByRole('link', { name: 'Welcome banner' }).click();
  expect(await two.tab.locator('h1').textContent()).toContain('This page is not shown');
  await two.tab.goto(`http://${host}/`);
  await two.tab.getByRole('link', { name: 'Your account' }).click();
  expect(await two.tab.locator('h1').textContent()).toContain('Account pages are not available');
  expect(vendor.signIns()).toEqual({ ok: 1, refused: 0 });

  // The vendor ends its session: the next click is renewed behind the reader's back (a 307 Chromium follows).
  vendor.expireSessions();
  await two.tab.goto(`http://${host}/search?q=roaming`);
  expect(await two.tab.locator('main p').first().textContent()).toBe('3 results for roaming.');
  expect(vendor.signIns()).toEqual({ ok: 2, refused: 0 });

  await Promise.all([one.settled(), two.settled()]);
  const visible: string[] = [];
  for (const { context, tab } of [one, two]) {
    visible.push(JSON.stringify(await context.cookies()), JSON.stringify(await context.storageState()));
    visible.push(await tab.evaluate(() => `${document.cookie}\n${document.documentElement.outerHTML}\n${JSON.stringify({ ...localStorage })}\n${JSON.stringify({ ...sessionStorage })}`));
  }
  expect(received.length).toBeGreaterThan(8);
  const account = demoAccount(vendor);
  for (const secret of [account.username, account.password]) {
    for (const form of leakForms(secret)) {
      for (const text of [...received, ...visible]) expect(text).not.toContain(form);
    }
  }
  // The vendor's session cookie is not in the browser either (only the gateway's own session cookie).
  const names = (await one.context.cookies()).map((c) => c.name);
  expect(names).not.toContain('roam_session');
});
