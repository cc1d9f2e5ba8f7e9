/**
 * Step-up MFA in the demo as shipped, in Chromium: the demo catalog's archive needs two-step
 * sign-in (config/examples/demo.yaml); faculty signs in with a password, opens it, is sent back to
 * the demo IdP for the one-time code it shows, enters it, and reads the archive through the proxy.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { parse } from 'yaml';
import { startDemoFederation } from '../../demo';
import type { ResourceInput } from '../../resource-catalog/schema';
import { launchChromium } from '../helpers/browser';
import { INSTITUTIONS, samlLogin, spKeyFiles, startGatewayNode, type GatewayNode } from '../integration/saml-harness';

const shipped = parse(readFileSync(path.join(__dirname, '../../config/examples/demo.yaml'), 'utf8')) as { resources: ResourceInput[] };

let stateDir: string;
let federation: Awaited<ReturnType<typeof startDemoFederation>>;
let node: GatewayNode;
let browser: Browser;

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-browser-mfa-'));
  federation = await startDemoFederation({ host: '127.0.0.1', stateDir, ports: { idp: 0, samlVendor: 0, plainVendor: 0 } });
  const archive = shipped.resources.find((r) => r.id === 'demo-archive');
  if (!archive) throw new Error('config/examples/demo.yaml has no demo-archive entry');
  const port = new URL(federation.plainVendor.url).port;
  node = await startGatewayNode({
    institutions: INSTITUTIONS,
    logins: [samlLogin('demo-idp', federation.idp)],
    saml: { signing: await spKeyFiles(stateDir) },
    resources: [JSON.parse(JSON.stringify(archive).replaceAll('127.0.0.1:8083', `127.0.0.1:${port}`)) as ResourceInput],
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

it('faculty signs in, opens the archive, is asked for the one-time code, and gets in', async () => {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(`${node.url}/`);
  await page.getByRole('link', { name: 'Sign in with your campus account' }).click();
  await page.waitForURL((url) => url.href.startsWith(federation.idp.ssoUrl));
  await page.getByLabel('Username 用户名').fill('faculty');
  await page.getByLabel('Password 密码').fill('faculty-demo');
  await page.getByRole('button', { name: 'Sign in 登录' }).click();
  await page.waitForURL(`${node.url}/`);
  expect(await page.locator('main').textContent()).toContain('Needs two-step sign-in');

  await page.getByRole('link', { name: 'Demo Special Archive' }).click();
  // Back at the demo IdP: ForceAuthn asks for the password again, then the second step.
  await page.waitForURL((url) => url.href.startsWith(federation.idp.ssoUrl));
  await page.getByLabel('Username 用户名').fill('faculty');
  await page.getByLabel('Password 密码').fill('faculty-demo');
  await page.getByRole('button', { name: 'Sign in 登录' }).click();
  const code = await page.locator('[data-demo-code]').getAttribute('data-demo-code');
  expect(code).toMatch(/^\d{6}$/);
  await page.getByLabel('One-time code 验证码').fill(code!);
  await page.getByRole('button', { name: 'Verify 验证' }).click();
  await page.waitForURL((url) => url.hostname.endsWith('.p.localhost') && url.pathname === '/article/7');
  expect(await page.locator('#article').textContent()).toContain('article 7');
  await context.close();
});
