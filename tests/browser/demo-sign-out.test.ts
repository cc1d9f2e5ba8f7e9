/**
 * The demo as shipped (`npm start`), in Chromium: a reader signs in at the demo IdP, signs out from the
 * portal's button, and another reader signs in on the same browser with their own password: no hidden
 * URL, and the IdP asks for the password again because sign-out ended its sign-in too (SAML Single Logout).
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
