/**
 * The librarian's report in a real browser: the bootstrap admin signs in with the form, opens
 * /admin/usage, sees the chart (an SVG image with a title) and downloads the CSV.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { ADMIN_PASSWORD, adminGateway } from '../integration/admin-harness';

let server: Server;
let base: string;
let browser: Browser;

beforeAll(async () => {
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // publicUrl is this server's own address, so the session cookie's domain matches what the browser opens.
  handle = adminGateway({ logins: [], server: { publicUrl: base } }).gateway.handle;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

it('signs in as the bootstrap admin, shows the usage chart and downloads the CSV', async () => {
  const context = await browser.newContext({ acceptDownloads: true, locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(`${base}/admin/usage?from=2025-03-03&to=2025-03-09`);
  expect(new URL(page.url()).pathname).toBe('/admin/login');
  await page.getByLabel('User name').fill('root');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/admin\/usage\?from=2025-03-03&to=2025-03-09$/);

  const chart = page.locator('svg[role="img"]').first();
  await chart.waitFor();
  expect(await chart.locator('title').textContent()).toBe('Launches per database per day');
  expect(await page.getByRole('img', { name: /Most used databases/ }).count()).toBe(1);
  expect(await page.getByRole('columnheader', { name: 'Data transferred' }).count()).toBe(1);
  expect(await page.getByRole('row', { name: /^CNKI, China Academic Journals/ }).getByRole('cell').last().textContent()).toBe('1.0 KB');

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'CSV' }).click()]);
  expect(download.suggestedFilename()).toBe('passway-usage-2025-03-03-2025-03-09.csv');
  const text = await readFile((await download.path())!, 'utf8');
  expect(text.split('\r\n')[0]).toMatch(/^\uFEFFDay,Database id,Database,/);
  expect(text.split('\r\n')[1]).toBe(
    'day,resource,resource_name,institution,institution_name,affiliation,method,on_campus,logins,login_failures,login_failed_no-attributes,login_failed_saml-error,'
    + 'launches,denials,denied_affiliation-not-licensed,denied_not-licensed,requests,bytes,item_requests,unique_item_requests,searches,seat_refusals,suspensions,overload_shed',
  );
  await context.close();
});
