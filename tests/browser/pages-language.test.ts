/**
 * Pages people use, with the shipped demo catalog (config/examples/demo.yaml) in Chromium: the Chinese
 * pages show no English codes, the A–Z bar files Chinese titles under their pinyin initial, the
 * language switch is remembered, no page asks for a missing favicon, the denial page explains its
 * code once, the QR sheet prints, and daily counts are bars.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { parse } from 'yaml';
import { hashPassword } from '../../gateway/admin/password';
import { DEMO_USERS } from '../../demo';
import { DEMO_INFO, launchChromium, serveOnLocalhost } from '../helpers/browser';
import { signIn, testConfig, testGateway } from '../helpers/gateway';
import { keyPairPem } from '../helpers/keys';

const shipped = parse(readFileSync(path.join(__dirname, '../../config/examples/demo.yaml'), 'utf8')) as { institutions: unknown[]; resources: unknown[]; contact: unknown; idp: unknown };
const ADMIN_PASSWORD = 'pages test admin password';

let browser: Browser;
let closeServer: (() => Promise<void>) | undefined;
let base: string;
let gateway: ReturnType<typeof testGateway>['gateway'];

beforeAll(async () => {
  const config = testConfig({
    institutions: shipped.institutions as never,
    resources: shipped.resources as never,
    idp: shipped.idp as never, // its resources include a SAML-only vendor
    contact: shipped.contact as never,
    admin: { bootstrap: { username: 'admin', passwordHash: hashPassword(ADMIN_PASSWORD) } },
  });
  ({ gateway } = testGateway(config, {
    demo: DEMO_INFO,
    idpSigningKey: await keyPairPem('idp'),
  }));
  ({ base, close: closeServer } = await serveOnLocalhost(gateway.handle));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await closeServer?.();
});

/** A page whose failed requests and console errors are collected. */
async function open(context: BrowserContext, url: string): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('response', (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`));
  await page.goto(url);
  return { page, problems };
}

describe('Chinese pages and the language switch', () => {
  test('the zh portal names subjects and affiliations in Chinese and files titles under their pinyin initial', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    const { page, problems } = await open(context, `${base}/`);
    const options = await page.locator('#subject option').allTextContents();
    expect(options).toEqual(expect.arrayContaining(['全部学科', '科学', '人文', '开放获取']));
    expect(options.join(' ')).not.toMatch(/humanities|science|open-access/);
    // 演示期刊平台 and 演示数字图书馆 under Y (yǎn), 开放获取期刊目录 under K (kāi); not the English titles' D
    expect(await page.getByRole('navigation', { name: 'A–Z' }).getByRole('link').allTextContents()).toEqual(['K', 'Y']);
    await page.getByRole('navigation', { name: 'A–Z' }).getByRole('link', { name: 'K' }).click();
    expect(await page.locator('ul.resources strong').allTextContents()).toEqual(['开放获取期刊目录']);
    // Demo accounts: affiliations in Chinese
    const demoTable = await page.locator('#demo-heading + p + table').textContent();
    expect(demoTable).toContain('教师');
    expect(demoTable).not.toMatch(/\((faculty|student|alum)\)/);
    expect(problems).toEqual([]); // the favicon is there
    await context.close();
  });

  test('the en portal keeps English names and initials', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    const { page } = await open(context, `${base}/`);
    expect(await page.getByRole('navigation', { name: 'A–Z' }).getByRole('link').allTextContents()).toEqual(['D']);
    expect(await page.locator('#subject option').allTextContents()).toEqual(['All subjects', 'Humanities', 'Open access', 'Science']);
    await context.close();
  });

  test('the switch changes the language, comes back to the same page, and is remembered', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    const { page } = await open(context, `${base}/?q=demo`);
    await page.getByRole('navigation', { name: '语言' }).getByRole('link', { name: 'English' }).click();
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/?q=demo');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.goto(`${base}/link`);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.getByRole('link', { name: '中文' }).click();
    expect(await page.locator('h1').textContent()).not.toBe('Make a link');
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    await context.close();
  });

  test('the switch never leaves the site (its return target is a local path)', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/lang/zh?returnTo=${encodeURIComponent('//evil.example/')}`);
    expect(new URL(page.url()).host).toBe(new URL(base).host);
    await context.close();
  });
});

describe('the denial page', () => {
  test('explains the reason in words, labels its code, and names the contact once', async () => {
    const alum = DEMO_USERS.find((u) => u.affiliation === 'alum')!;
    const { cookie } = await signIn(gateway.sessions, { subject: alum.username, institution: 'demo-university', affiliations: ['alum'], entitlements: [], groups: [], displayName: alum.displayName, source: { adapter: 'saml', idp: 'http://localhost:8081/idp' }, attributes: {} });
    const context = await browser.newContext({ locale: 'zh-CN' });
    const [name, value] = cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: base }]);
    const { page } = await open(context, `${base}/go/demo-journals`);
    const text = (await page.locator('main').textContent())!;
    expect(text).toContain('原因代码（供图书馆查询）：');
    expect((await page.content()).match(/有问题？请联系/g)).toHaveLength(1);
    await context.close();
  });
});

describe('the QR sheet and the usage chart', () => {
  async function asLibrarian(locale: string) {
    const context = await browser.newContext({ locale });
    const page = await context.newPage();
    await page.goto(`${base}/admin/login`);
    await page.locator('#username').fill('admin');
    await page.locator('#password').fill(ADMIN_PASSWORD);
    await page.locator('button[type=submit]').last().click();
    await page.waitForURL(`${base}/admin`);
    return { context, page };
  }

  test('/admin/qr lists every database with its code and permalink, and prints without the site chrome', async () => {
    const { context, page } = await asLibrarian('zh-CN');
    await page.getByRole('link', { name: '打印二维码' }).click();
    const cards = page.locator('.qr-card');
    expect(await cards.count()).toBe(shipped.resources.length);
    expect(await cards.first().locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    expect(await cards.allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('/go/doaj')]));
    // leave one out
    await page.getByLabel('开放获取期刊目录').uncheck();
    await page.getByRole('button', { name: '生成打印页' }).click();
    expect(await cards.count()).toBe(shipped.resources.length - 1);
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('header').isVisible()).toBe(false);
    expect(await page.locator('form.no-print').isVisible()).toBe(false);
    expect(await cards.first().isVisible()).toBe(true);
    await page.emulateMedia({ media: 'screen' });
    await page.getByRole('link', { name: '海报' }).first().click();
    expect(await page.locator('.qr-poster img').count()).toBe(1);
    expect(await page.locator('.qr-poster').textContent()).toContain('扫码访问');
    await context.close();
  });

  test('the usage page draws daily counts as bars on a round scale', async () => {
    const { context, page } = await asLibrarian('en-US');
    await page.goto(`${base}/admin/usage`);
    const chart = page.locator('svg.chart').first();
    expect(await chart.locator('polyline').count()).toBe(0);
    const scale = await chart.locator('text[text-anchor=end]').allTextContents();
    expect(scale[0]).toBe('0');
    await context.close();
  });
});

describe('inside WeChat', () => {
  const WECHAT_UA = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/126.0 Mobile Safari/537.36 MicroMessenger/8.0.50.2701(0x28003237) WeChat/arm64 NetType/WIFI Language/zh_CN';
  test('the portal and discovery say how to open the page in a browser; other pages and other browsers do not', async () => {
    const wechat = await browser.newContext({ locale: 'zh-CN', userAgent: WECHAT_UA, viewport: { width: 360, height: 640 }, isMobile: true });
    const { page } = await open(wechat, `${base}/`);
    expect(await page.getByRole('note').textContent()).toContain('在浏览器打开');
    await page.goto(`${base}/ds?returnTo=%2F`); // where a campus sign-in starts
    expect(await page.getByRole('note').textContent()).toContain('在浏览器打开');
    await page.goto(`${base}/link`);
    expect(await page.getByRole('note').count()).toBe(0);
    await wechat.close();
    const plain = await browser.newContext({ locale: 'zh-CN' });
    const other = await open(plain, `${base}/`);
    expect(await other.page.getByRole('note').count()).toBe(0);
    await plain.close();
  });
});

describe('the link generator', () => {
  test('a Copy button copies the permanent link (shown only where the browser can copy)', async () => {
    const context = await browser.newContext({ locale: 'en-US', permissions: ['clipboard-read', 'clipboard-write'] });
    const { page, problems } = await open(context, `${base}/link?url=${encodeURIComponent('http://localhost:8083/article/1')}`);
    const link = await page.locator('#permalink').inputValue();
    expect(link).toContain('/go/demo-library?target=');
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('status').filter({ hasText: 'Copied.' }).waitFor({ timeout: 5000 }); // the clipboard answers asynchronously
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
    expect(problems).toEqual([]);
    await context.close();
  });
});
