import type { Browser } from 'playwright-core';
import { DEMO_INFO, launchChromium, serveOnLocalhost } from '../helpers/browser';
import { testConfig, testGateway } from '../helpers/gateway';

let browser: Browser;
let closeServer: (() => Promise<void>) | undefined;
let base: string;

beforeAll(async () => {
  const config = testConfig({
    institutions: [{ id: 'demo-university', name: { en: 'Demo University', zh: '演示大学' } }],
    contact: { email: 'eresources@demo.edu.cn' },
    resources: [
      { id: 'demo-journals', title: { en: 'Demo Journal Platform', zh: '演示期刊平台' }, vendor: 'Demo Publisher', hosts: [{ host: 'localhost:8082' }], access: [{ kind: 'wayfless', template: 'http://localhost:8082/Login?entityID={entityIDEncoded}' }] },
      { id: 'demo-library', title: { en: 'Demo Digital Library', zh: '演示数字图书馆' }, vendor: 'Demo Vendor', hosts: [{ host: 'localhost:8083' }], access: [{ kind: 'proxy', start: 'http://localhost:8083/' }] },
    ],
  });
  const { gateway } = testGateway(config, {
    demo: DEMO_INFO,
  });
  ({ base, close: closeServer } = await serveOnLocalhost(gateway.handle));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await closeServer?.();
});

describe('portal in a real browser', () => {
  it('is in Chinese for a zh-CN browser, fits a phone screen, and is keyboard-usable', async () => {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 375, height: 740 }, isMobile: true });
    const page = await context.newPage();
    await page.goto(base + '/');
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await page.locator('h1').textContent()).toBe('数据库');
    expect(await page.getByRole('link', { name: '演示期刊平台' }).count()).toBe(1);
    expect(await page.getByRole('table').getByText('faculty-demo').count()).toBe(1);
    // Nothing wider than the phone: no sideways scrolling.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    // The first Tab lands on the skip link, which becomes visible and leads to the main content.
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => ({ text: document.activeElement?.textContent, href: document.activeElement?.getAttribute('href') }));
    expect(focused).toEqual({ text: '跳到正文', href: '#main' });
    await page.screenshot({ path: '/tmp/passway-portal-zh-phone.png', fullPage: true });
    await context.close();
  });

  it('is in English for an English browser, a database link leads to discovery, and an unknown page offers the way back', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(base + '/');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    // Signed out, a database link leads to choosing one's institution first.
    await page.getByRole('link', { name: 'Demo Digital Library' }).click();
    expect(new URL(page.url()).pathname).toBe('/ds');
    expect(new URL(page.url()).searchParams.get('returnTo')).toBe('/go/demo-library');
    const missing = await page.goto(base + '/nowhere');
    expect(missing?.status()).toBe(404);
    await page.getByRole('link', { name: 'Back to the library databases' }).click();
    expect(page.url()).toBe(base + '/');
    await context.close();
  });

  it('searches, shows a QR code for a permalink, and launches from the list', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(base + '/');
    await page.getByLabel('Search databases').fill('journal');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\?q=journal/);
    expect(await page.locator('ul.resources > li').count()).toBe(1);
    await page.getByText('QR code and permanent link').click();
    const qr = page.getByRole('img', { name: 'QR code for Demo Journal Platform' });
    await qr.waitFor({ state: 'visible' });
    expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    await page.getByRole('link', { name: 'Demo Journal Platform' }).click();
    expect(new URL(page.url()).searchParams.get('returnTo')).toBe('/go/demo-journals');
    await context.close();
  });
});
