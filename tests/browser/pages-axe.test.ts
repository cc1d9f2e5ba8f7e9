/**
 * Every page people use, in both languages, at two phone sizes and a desktop one, in Chromium, with
 * the shipped demo catalog: axe-core finds no serious or critical violation, nothing is wider than
 * the screen, buttons and fields are at least 44 px tall on a phone, and no Chinese page shows a
 * message placeholder or a raw code. Screenshots go to $PASSWAY_ARTIFACTS (default /tmp/passway-pages).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Browser } from 'playwright-core';
import { parse } from 'yaml';
import type { Identity } from '../../idp-adapters/identity';
import { DEMO_INFO, launchChromium, serveOnLocalhost } from '../helpers/browser';
import { signIn, testConfig, testGateway } from '../helpers/gateway';
import { keyPairPem } from '../helpers/keys';

const shipped = parse(readFileSync(path.join(__dirname, '../../config/examples/demo.yaml'), 'utf8')) as { institutions: unknown[]; resources: unknown[]; contact: unknown; idp: unknown };
const ARTIFACTS = process.env.PASSWAY_ARTIFACTS ?? '/tmp/passway-pages';

const person = (subject: string, affiliation: Identity['affiliations'][number], displayName: string): Identity => ({
  subject, institution: 'demo-university', affiliations: [affiliation], entitlements: [], groups: [], displayName, source: { adapter: 'cas' }, attributes: {},
});

type Who = 'anonymous' | 'admin' | 'alum';
const PAGES: { name: string; path: string; who: Who }[] = [
  { name: 'portal', path: '/', who: 'anonymous' },
  { name: 'portal-signed-in', path: '/', who: 'admin' },
  { name: 'discovery', path: '/ds', who: 'anonymous' },
  { name: 'link-generator', path: '/link?url=http%3A%2F%2Flocalhost%3A8083%2Farticle%2F1', who: 'anonymous' },
  { name: 'not-found', path: '/no-such-page', who: 'anonymous' },
  { name: 'admin-login', path: '/admin/login', who: 'anonymous' },
  { name: 'sign-out', path: '/logout', who: 'admin' },
  { name: 'denied', path: '/go/demo-journals', who: 'alum' },
  { name: 'step-up-refused', path: '/go/demo-archive', who: 'admin' },
  { name: 'admin-home', path: '/admin', who: 'admin' },
  { name: 'admin-usage', path: '/admin/usage', who: 'admin' },
  { name: 'admin-load', path: '/admin/load', who: 'admin' },
  { name: 'admin-suspensions', path: '/admin/suspensions', who: 'admin' },
  { name: 'admin-unproxied', path: '/admin/unproxied', who: 'admin' },
  { name: 'admin-qr', path: '/admin/qr', who: 'admin' },
  { name: 'admin-federations', path: '/admin/federations', who: 'admin' },
  { name: 'admin-security', path: '/admin/security', who: 'admin' },
  { name: 'admin-vendor-logins', path: '/admin/vendor-logins', who: 'admin' },
  { name: 'signed-out', path: '/signed-out', who: 'anonymous' },
  { name: 'idp-refused', path: '/idp/no-such-institution/sso', who: 'anonymous' }, // the refusal page of Passway as IdP (404: its console line is expected)
];
const SIZES = [
  { name: 'phone-360', width: 360, height: 640, mobile: true },
  { name: 'phone-390', width: 390, height: 844, mobile: true },
  { name: 'desktop', width: 1280, height: 800, mobile: false },
];
/** Codes that must never be a Chinese page's visible words (they may appear inside <code>, as reference). */
const CODES = /\b(faculty|student|staff|alum|library-walk-in|humanities|science|open-access|not-subscribed|affiliation-not-licensed|seats-full|licence-ended|no-access-method)\b/;

let browser: Browser;
let closeServer: (() => Promise<void>) | undefined;
let base: string;
const cookies: Partial<Record<Who, string>> = {};

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const config = testConfig({
    institutions: [...shipped.institutions, { id: 'other-university', name: { en: 'Other University', zh: '另一所大学' } }] as never,
    resources: shipped.resources as never,
    idp: shipped.idp as never, // its resources include a SAML-only vendor
    contact: shipped.contact as never,
    logins: [
      { kind: 'cas', id: 'demo-idp', institution: 'demo-university', serverUrl: 'https://cas.demo.edu.cn/cas' },
      { kind: 'cas', id: 'other', institution: 'other-university', serverUrl: 'https://cas.other.edu.cn/cas' },
    ],
    admin: { roles: { admins: { subjects: ['demo-university:admin-demo'] } } },
  });
  const { gateway } = testGateway(config, {
    demo: DEMO_INFO,
    idpSigningKey: await keyPairPem('idp'),
  });
  cookies.admin = (await signIn(gateway.sessions, person('admin-demo', 'staff', '王老师'))).cookie;
  cookies.alum = (await signIn(gateway.sessions, person('alum-demo', 'alum', '李校友'))).cookie;
  ({ base, close: closeServer } = await serveOnLocalhost(gateway.handle));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await closeServer?.();
});

const summary: string[] = [];
afterAll(() => {
  if (summary.length) console.log(`axe summary (serious+critical / all violations per page):\n${summary.join('\n')}`);
});

describe.each(['zh-CN', 'en'])('pages in %s', (locale) => {
  test.each(PAGES)('$name', async ({ name, path: pagePath, who }) => {
    const found: string[] = [];
    for (const size of SIZES) {
      const context = await browser.newContext({ locale, viewport: { width: size.width, height: size.height }, isMobile: size.mobile, hasTouch: size.mobile });
      const cookie = cookies[who as 'admin'];
      if (cookie) {
        const [cookieName, value] = cookie.split('=') as [string, string];
        await context.addCookies([{ name: cookieName, value, url: base }]);
      }
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && !m.text().includes('403') && !m.text().includes('404') && errors.push(m.text()));
      await page.goto(base + pagePath);
      await page.screenshot({ path: path.join(ARTIFACTS, `${name}-${locale}-${size.name}.png`), fullPage: true });

      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      if (overflow > 0) found.push(`${size.name}: ${overflow} px wider than the screen`);
      if (size.mobile) {
        const small = await page.evaluate(() => [...document.querySelectorAll('main button, main input:not([type=hidden]):not([type=checkbox]), main select, header button')]
          .filter((el) => (el as HTMLElement).offsetParent !== null && el.getBoundingClientRect().height < 44)
          .map((el) => `${el.tagName.toLowerCase()}#${el.id || (el as HTMLInputElement).name || el.textContent?.trim()} ${Math.round(el.getBoundingClientRect().height)} px`));
        for (const s of small) found.push(`${size.name}: tap target ${s}`);
      }
      if (locale === 'zh-CN') {
        const words = await page.evaluate(() => {
          const copy = document.body.cloneNode(true) as HTMLElement;
          for (const el of copy.querySelectorAll('code, script, style, svg desc, input')) el.remove();
          return copy.innerText;
        });
        const placeholder = /\{\w+\}/.exec(words);
        if (placeholder) found.push(`${size.name}: placeholder ${placeholder[0]}`);
        const code = CODES.exec(words);
        if (code) found.push(`${size.name}: raw code "${code[0]}"`);
      }
      if (size.name !== 'phone-390') {
        const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
        const bad = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
        summary.push(`${name} ${locale} ${size.name}: ${bad.length} / ${axe.violations.length}${axe.violations.length ? ` (${axe.violations.map((v) => `${v.id}:${v.impact}`).join(', ')})` : ''}`);
        for (const v of bad) found.push(`${size.name}: axe ${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`);
      }
      for (const e of errors) found.push(`${size.name}: console error ${e}`);
      await context.close();
    }
    expect(found).toEqual([]);
  });
});
