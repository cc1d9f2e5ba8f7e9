/**
 * Campus sign-in in a real browser (Debian chromium): portal → discovery page (two institutions) →
 * search in Chinese → Demo University → demo IdP login form → auto-POST → back on the portal,
 * signed in; then sign out (at the IdP too), and the next sign-in asks for the password again, so
 * another reader signs in as themselves. And the discovery page on a phone.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { DEMO_USERS, type DemoIdpHandle } from '../../demo';
import { launchChromium } from '../helpers/browser';
import { samlLogin, spKeyFiles, startGatewayNode, startIdp, type GatewayNode } from '../integration/saml-harness';

let stateDir: string;
let demoIdp: DemoIdpHandle;
let otherIdp: DemoIdpHandle;
let node: GatewayNode;
let browser: Browser;

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-browser-login-'));
  const keys = await spKeyFiles(stateDir);
  demoIdp = await startIdp(stateDir, []);
  otherIdp = await startIdp(stateDir, []);
  node = await startGatewayNode({
    institutions: [
      { id: 'demo-university', name: { en: 'Demo University', zh: '演示大学' }, domains: ['demo.edu.cn'] },
      { id: 'harbour-normal', name: { en: 'Harbour Normal University', zh: '海港师范大学' }, domains: ['harbour.example.cn'] },
    ],
    logins: [samlLogin('demo-idp', demoIdp), { ...samlLogin('harbour-idp', otherIdp), institution: 'harbour-normal' }],
    saml: { signing: keys },
  });
  for (const idp of [demoIdp, otherIdp]) idp.trustSpMetadataUrl(`${node.url}/auth/saml/metadata`);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await node?.close();
  await demoIdp?.close();
  await otherIdp?.close();
  await rm(stateDir, { recursive: true, force: true });
});

describe('campus sign-in in a real browser', () => {
  it('portal → discovery → search 演示 → Demo University → demo IdP → back signed in as 张伟 Zhang Wei → sign out', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${node.url}/`);
    await page.getByRole('link', { name: '使用校园账号登录' }).click();
    await page.waitForURL(/\/ds\?returnTo=%2F$/);
    expect(await page.locator('h1').textContent()).toBe('选择您的学校或机构');
    const demo = page.locator('li[data-search]', { hasText: '演示大学' });
    const harbour = page.locator('li[data-search]', { hasText: '海港师范大学' });
    expect(await harbour.isVisible()).toBe(true);

    // Typing filters at once (same-origin script); the keyboard reaches the remaining choice.
    await page.getByLabel('机构名称或邮箱域名').pressSequentially('演示');
    await harbour.waitFor({ state: 'hidden' });
    expect(await demo.isVisible()).toBe(true);
    await page.keyboard.press('Tab'); // the search button
    await page.keyboard.press('Tab'); // the first visible institution
    expect(await page.evaluate(() => document.activeElement?.textContent)).toContain('演示大学');
    await page.keyboard.press('Enter');

    // The demo IdP's own login form.
    await page.waitForURL((url) => url.href.startsWith(demoIdp.ssoUrl));
    await page.getByLabel('Username 用户名').fill('faculty');
    await page.getByLabel('Password 密码').fill('faculty-demo');
    await page.getByRole('button', { name: 'Sign in 登录' }).click();

    // Auto-POST to the ACS, then back where the journey started.
    await page.waitForURL(`${node.url}/`);
    expect(await page.locator('header').textContent()).toContain('张伟 Zhang Wei');
    expect(await page.getByRole('link', { name: '使用校园账号登录' }).count()).toBe(0);

    // Sign-out ends the demo IdP's sign-in too (SAML Single Logout) and says so.
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${node.url}/signed-out?`));
    expect(await page.locator('header').textContent()).not.toContain('张伟');
    expect(await page.getByRole('status').textContent()).toBe('您已退出 Passway。');
    expect(await page.locator('main').textContent()).toContain('您在演示大学的校园统一身份认证登录也已退出');

    // Next time the choice is offered first, and the IdP asks for the password again.
    await page.goto(`${node.url}/`);
    await page.getByRole('link', { name: '使用校园账号登录' }).click();
    await page.getByRole('link', { name: '继续使用 演示大学' }).click();
    await page.waitForURL((url) => url.href.startsWith(demoIdp.ssoUrl));
    expect(await page.getByLabel('Password 密码').isVisible()).toBe(true);
    // …so another reader can sign in on this browser as themselves.
    await page.getByLabel('Username 用户名').fill('student');
    await page.getByLabel('Password 密码').fill(DEMO_USERS.find((u) => u.username === 'student')!.password);
    await page.getByRole('button', { name: 'Sign in 登录' }).click();
    await page.waitForURL(`${node.url}/`);
    const header = await page.locator('header').textContent();
    expect(header).not.toContain('张伟');
    expect(header).toContain(DEMO_USERS.find((u) => u.username === 'student')!.displayName);
    await context.close();
  });

  it('the discovery page fits a phone screen without JavaScript too', async () => {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 360, height: 740 }, isMobile: true, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${node.url}/ds?returnTo=%2F`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    // Without JavaScript the search is a GET form filtered on the server.
    await page.getByLabel('Institution name or e-mail domain').fill('harbour.example.cn');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/q=harbour\.example\.cn/);
    expect(await page.getByRole('link', { name: /Harbour Normal University/ }).isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: /Demo University/ }).isVisible()).toBe(false);
    await page.goto(`${node.url}/ds?returnTo=%2F`);
    await page.screenshot({ path: '/tmp/passway-ds.png', fullPage: true });
    await context.close();
  });
});
