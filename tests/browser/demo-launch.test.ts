/**
 * The catalog issue's demo, in a real browser: the faculty user launches the SAML demo vendor
 * through WAYFless (signed in at the vendor through the demo IdP) and the other demo vendor
 * through the library proxy; the alum user is denied with the reason on screen.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { DEMO_USERS, startDemoFederation } from '../../demo';
import { launchChromium } from '../helpers/browser';
import { INSTITUTIONS, samlLogin, spKeyFiles, startGatewayNode, type GatewayNode } from '../integration/saml-harness';

let stateDir: string;
let federation: Awaited<ReturnType<typeof startDemoFederation>>;
let node: GatewayNode;
let browser: Browser;

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-browser-launch-'));
  federation = await startDemoFederation({ host: '127.0.0.1', stateDir, ports: { idp: 0, samlVendor: 0, plainVendor: 0 } });
  const journals = new URL(federation.samlVendor.url);
  const library = new URL(federation.plainVendor.url);
  node = await startGatewayNode({
    institutions: INSTITUTIONS,
    logins: [samlLogin('demo-idp', federation.idp)],
    saml: { signing: await spKeyFiles(stateDir) },
    resources: [
      {
        id: 'demo-journals',
        title: { en: 'Demo Journal Platform', zh: '演示期刊平台' },
        vendor: 'Demo Publisher',
        hosts: [{ host: journals.host, allowPrivate: true }],
        access: [{ kind: 'wayfless', template: federation.samlVendor.wayflessTemplate }],
        licences: [{ institution: 'demo-university', affiliations: ['faculty', 'student', 'staff'] }],
      },
      {
        id: 'demo-library',
        title: { en: 'Demo Digital Library', zh: '演示数字图书馆' },
        vendor: 'Demo Vendor',
        hosts: [{ host: library.host, allowPrivate: true }],
        access: [{ kind: 'proxy', start: `${federation.plainVendor.url}/` }],
        licences: [{ institution: 'demo-university', affiliations: ['faculty', 'student', 'staff', 'alum'] }],
      },
    ],
  });
  federation.idp.trustSpMetadataUrl(`${node.url}/auth/saml/metadata`);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await node?.close();
  await federation?.close();
  await rm(stateDir, { recursive: true, force: true });
});

async function signInAt(page: Page, username: string): Promise<void> {
  await page.waitForURL((url) => url.href.startsWith(federation.idp.ssoUrl));
  await page.getByLabel('Username 用户名').fill(username);
  await page.getByLabel('Password 密码').fill(`${username}-demo`);
  await page.getByRole('button', { name: 'Sign in 登录' }).click();
}

describe('launching the demo databases', () => {
  it('faculty: WAYFless to the SAML vendor, signed in there; the other through the library proxy', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${node.url}/`);
    await page.getByRole('link', { name: 'Demo Journal Platform' }).click();
    await signInAt(page, 'faculty');
    // Gateway ACS → back to the launch → WAYFless → vendor → the demo IdP (already signed in) → vendor ACS.
    await page.waitForURL((url) => url.href.startsWith(federation.samlVendor.url) && !url.pathname.startsWith('/Shibboleth.sso'));
    expect(await page.locator('#signin-status').textContent()).toContain(`Signed in through ${federation.idp.entityID}`);
    expect(await page.locator('#signin-status').textContent()).toContain('faculty@demo.edu.cn');

    await page.goto(`${node.url}/`);
    await page.getByRole('link', { name: 'Demo Digital Library' }).click();
    // Through the library proxy: the vendor's start page, on its proxied host name.
    await page.waitForURL((url) => url.hostname.endsWith('.p.localhost') && url.pathname === '/');
    expect(new URL(page.url()).port).toBe(new URL(node.url).port);
    expect(await page.title()).toContain('Demo');
    await context.close();
  });

  it('keyboard only: portal → sign-in → the database, with Tab, typing and Enter', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    const tabTo = async (matches: () => boolean, limit = 60) => {
      for (let i = 0; i < limit; i++) {
        await page.keyboard.press('Tab');
        if (await page.evaluate(matches)) return;
      }
      throw new Error(`not reached with Tab on ${page.url()}`);
    };
    await page.goto(`${node.url}/`);
    await tabTo(() => document.activeElement?.textContent?.trim() === 'Demo Journal Platform');
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.href.startsWith(federation.idp.ssoUrl));
    await tabTo(() => (document.activeElement as HTMLInputElement | null)?.autocomplete === 'username' || (document.activeElement as HTMLInputElement | null)?.name === 'username');
    await page.keyboard.type('faculty');
    await tabTo(() => (document.activeElement as HTMLInputElement | null)?.type === 'password');
    await page.keyboard.type('faculty-demo');
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.href.startsWith(federation.samlVendor.url) && !url.pathname.startsWith('/Shibboleth.sso'));
    expect(await page.locator('#signin-status').textContent()).toContain('faculty@demo.edu.cn');
    await context.close();
  });

  it('alum: denied the SAML vendor with the reason on screen', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${node.url}/go/demo-journals`);
    await signInAt(page, 'alum');
    await page.waitForURL(`${node.url}/go/demo-journals`);
    expect(await page.locator('h1').textContent()).toBe('无法访问 演示期刊平台');
    expect(await page.getByRole('alert').textContent()).toContain('不包括您的账号类型');
    await context.close();
  });

  it.each(DEMO_USERS.map((u) => [u.username, u.displayName]))('%s signs in through the demo IdP and is shown as %s', async (username, displayName) => {
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${node.url}/`);
    await page.getByRole('link', { name: 'Sign in with your campus account' }).click();
    await signInAt(page, username);
    await page.waitForURL(`${node.url}/`);
    expect(await page.locator('header').textContent()).toContain(displayName);
    await context.close();
  });
});
