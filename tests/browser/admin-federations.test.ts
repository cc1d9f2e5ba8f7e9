/**
 * /admin/federations in a real browser on a phone-sized screen (360 px): the bootstrap admin
 * signs in, the alert line is announced (role=alert), every status row is readable and nothing
 * (long URLs, long errors) makes the page wider than the screen, in both languages.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { idpMetadataXml } from '../../demo/idp-messages';
import { loadOrCreateKeyPair } from '../../demo/keys';
import type { Gateway } from '../../gateway/app';
import { certBody } from '../../idp-adapters/saml/xml';
import { launchChromium } from '../helpers/browser';
import { aggregateOf, sign } from '../helpers/signed-metadata';
import { ADMIN_PASSWORD, adminGateway } from '../integration/admin-harness';

const ENTITY = 'https://idp.a-rather-long-university-name.example.edu.cn/idp/shibboleth';
let stateDir: string;
let server: Server;
let base: string;
let browser: Browser;
let gateway: Gateway;

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-federations-page-'));
  const key = await loadOrCreateKeyPair(path.join(stateDir, 'federation'), 'Passway test federation');
  const file = path.join(stateDir, 'aggregate.xml');
  await writeFile(file, sign(aggregateOf([idpMetadataXml(ENTITY, `${ENTITY}/sso`, certBody(key.certificatePem))], { validUntil: new Date(Date.now() + 6 * 3_600_000) }), key));
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  gateway = adminGateway({
    logins: [],
    server: { publicUrl: base },
    federations: [{ id: 'carsi', metadataFile: file, signingCertFile: path.join(stateDir, 'federation', 'cert.pem'), cacheDir: path.join(stateDir, 'cache'), mdq: { baseUrl: 'http://127.0.0.1:9/a/long/path/to/the/federation/mdq/service/' } }],
  }).gateway;
  await gateway.federations.get('carsi')?.start();
  await gateway.federations.get('carsi')?.idp(ENTITY); // MDQ unreachable: a long error on the page; the aggregate answers
  handle = gateway.handle;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  gateway?.close();
  await new Promise((resolve) => server?.close(resolve));
  await rm(stateDir, { recursive: true, force: true });
});

it.each([
  ['en-US', 'Federation metadata', /expires at .*, within a day/],
  ['zh-CN', '联盟元数据', /过期（不足一天）/],
] as const)('fits 360 px with its alert announced (%s)', async (locale, title, alertText) => {
  const context = await browser.newContext({ locale, viewport: { width: 360, height: 740 }, isMobile: true });
  const page = await context.newPage();
  await page.goto(`${base}/admin/federations`);
  expect(new URL(page.url()).pathname).toBe('/admin/login');
  await page.locator('input[name="username"]').fill('root');
  await page.locator('input[name="password"]').fill(ADMIN_PASSWORD);
  await page.locator('form button[type="submit"]').last().click();
  await page.waitForURL(/\/admin\/federations$/);
  expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(title);
  expect(await page.getByRole('heading', { level: 2, name: 'carsi' }).count()).toBe(1);
  expect(await page.getByRole('alert').textContent()).toMatch(alertText);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: `/tmp/passway-federations-${locale}.png`, fullPage: true });
  await context.close();
});
