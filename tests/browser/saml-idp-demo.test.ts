/**
 * Passway as IdP in Chromium, with the demo as shipped: a Demo College reader (CAS only) starts at
 * the SAML-only Demo Science Database, signs in at the college's CAS form, and the vendor shows the
 * pseudonym and entitlement it received; the auto-POST to the vendor runs under Passway's CSP. An
 * alumnus gets Passway's denial page in their language and the vendor nothing. The portal's
 * launch link does the same as an IdP-initiated sign-in. And sign-out in the same demo: a reader signs
 * out from the portal's button, and the next reader on that browser signs in with their own password (no
 * hidden URL: sign-out ended the demo IdP's sign-in too, by SAML Single Logout).
 */
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import { DEMO_USERS } from '../../demo';
import { launchChromium } from '../helpers/browser';
import { startShippedDemo, type ShippedDemo } from '../helpers/shipped-demo';

let demo: ShippedDemo;
let browser: Browser;

beforeAll(async () => {
  demo = await startShippedDemo(pino({ level: 'silent' }));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await demo?.close();
});

async function signInAtCollege(page: Page, username: string, password: string): Promise<void> {
  await page.goto(`${demo.url(8086)}/`);
  await page.getByRole('link', { name: /Demo College/ }).click();
  await page.waitForURL(`${demo.url(8085)}/cas/login?**`);
  await page.getByLabel(/Username/).fill(username);
  await page.getByLabel(/Password/).fill(password);
  await page.getByRole('button', { name: /Sign in/ }).click();
}

test('a CAS-only college reader reaches the SAML-only vendor under a pseudonym', async () => {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  const blocked: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') blocked.push(message.text());
  });
  await signInAtCollege(page, 'teacher', 'teacher-demo');
  await page.waitForURL(`${demo.url(8086)}/`);
  await expect(page.locator('#pseudonym').textContent()).resolves.toMatch(/^[0-9a-f]{64}@college\.demo\.edu\.cn$/);
  await expect(page.locator('#entitlement').textContent()).resolves.toBe('urn:mace:dir:entitlement:common-lib-terms');
  await expect(page.locator('#affiliation').textContent()).resolves.toBe('faculty@college.demo.edu.cn');
  const pseudonym = await page.locator('#pseudonym').textContent();
  expect(blocked).toEqual([]);

  // The portal's launch link: an IdP-initiated sign-in, the same pseudonym for this vendor
  await page.goto(`${demo.url(8086)}/logout`);
  await page.goto(`${demo.url(8080)}/go/demo-science?target=${encodeURIComponent(`${demo.url(8086)}/dataset/2`)}`);
  await page.waitForURL(`${demo.url(8086)}/dataset/2`);
  await expect(page.locator('#full-text').count()).resolves.toBe(1);
  await expect(page.locator('#pseudonym').textContent()).resolves.toBe(pseudonym);
  await context.close();
});

test('an alumnus is refused on Passway\'s page, in Chinese, and the vendor gets nothing', async () => {
  const context = await browser.newContext({ locale: 'zh-CN' });
  const page = await context.newPage();
  await signInAtCollege(page, 'graduate', 'graduate-demo');
  await page.waitForURL(`${demo.url(8080)}/idp/resume/**`);
  await expect(page.getByRole('alert').textContent()).resolves.toContain('不包括您的账号类型');
  await expect(page.locator('code', { hasText: 'affiliation-not-licensed' }).count()).resolves.toBe(1);
  await page.goto(`${demo.url(8086)}/`);
  await expect(page.locator('#signin-status').textContent()).resolves.toContain('Not signed in');
  await context.close();
});

const user = (username: string) => DEMO_USERS.find((u) => u.username === username)!;

async function signInAtIdp(page: Page, username: string): Promise<void> {
  await page.waitForURL((url) => url.href.startsWith(`${demo.url(8081)}/`));
  await page.getByLabel('Username 用户名').fill(username);
  await page.getByLabel('Password 密码').fill(user(username).password);
  await page.getByRole('button', { name: 'Sign in 登录' }).click();
  await page.waitForURL(`${demo.url(8080)}/`);
}

test('sign in, sign out, and the next reader on this browser signs in as themselves with a password', async () => {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(`${demo.url(8080)}/`);
  await page.getByRole('link', { name: 'Sign in with your campus account' }).click();
  await page.getByRole('link', { name: /Demo University/ }).first().click();
  await signInAtIdp(page, 'faculty');
  expect(await page.locator('header').textContent()).toContain(user('faculty').displayName);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((url) => url.href.startsWith(`${demo.url(8080)}/signed-out?`));
  expect(await page.getByRole('status').textContent()).toBe('You are signed out of Passway.');
  expect(await page.locator('main').textContent()).toContain('was ended too: the next sign-in asks for your password again');
  expect(await page.locator('header').textContent()).not.toContain(user('faculty').displayName);

  await page.goto(`${demo.url(8080)}/`);
  await page.getByRole('link', { name: 'Sign in with your campus account' }).click();
  await page.getByRole('link', { name: 'Continue with Demo University' }).click();
  await signInAtIdp(page, 'alum');
  const header = await page.locator('header').textContent();
  expect(header).toContain(user('alum').displayName);
  expect(header).not.toContain(user('faculty').displayName);
  await context.close();
});
