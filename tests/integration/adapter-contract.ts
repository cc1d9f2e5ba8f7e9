/**
 * The behaviour every sign-in adapter must have, as one suite (as store-contract.ts is for
 * stores): run by adapters.contract.test.ts against SAML (the demo IdP), CAS (the CAS fixture)
 * and OIDC (oidc-provider), each behind a real gateway on a real port. Only how to answer the
 * campus (a password form, an auto-POST, redirects) differs per adapter; that is the driver.
 */
import http from 'node:http';
import type { ConfigInput } from '../../config';
import type { Gateway } from '../../gateway/app';
import { closeServer, listen } from '../../demo/server';
import { testConfig, testGateway } from '../helpers/gateway';
import { HttpBrowser, location } from '../helpers/http-browser';

/** The campus's answer, delivered to the gateway by some browser. */
export type Delivery = (browser: HttpBrowser, headers?: Record<string, string>) => Promise<Response>;

export interface AdapterDriver {
  loginId: string;
  /** The configured logins' institutions and the one login under test. */
  config: ConfigInput;
  /** The Identity the driver's user signs in with. */
  expected: { subject?: string; institution: string; affiliations: string[]; displayName: string; adapter: string };
  /** Answer the campus from its first page `url` until it sends the browser back; whether it asked for a password. */
  atCampus(browser: HttpBrowser, url: string, base: string): Promise<{ deliver: Delivery; askedPassword: boolean }>;
  /** Called once the gateway listens (an IdP trusting its metadata, a provider learning its URIs). */
  started?(base: string): Promise<void> | void;
  close(): Promise<void>;
}

/** The hidden fields and action of the first form in a page (double or single quotes, `>` or `/>`). */
export function firstForm(page: string, pageUrl: string): { action: string; fields: Record<string, string> } {
  const form = /<form[^>]*>[\s\S]*?<\/form>/i.exec(page)?.[0];
  if (!form) throw new Error(`no form at ${pageUrl}:\n${page.slice(0, 2000)}`);
  const unescape = (s: string) => s.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code))).replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#x2F;/g, '/').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const action = /action=["']([^"']*)["']/i.exec(form)?.[1] ?? '';
  const fields: Record<string, string> = {};
  for (const input of form.matchAll(/<input[^>]*>/gi)) {
    const name = /name=["']([^"']*)["']/i.exec(input[0])?.[1];
    const value = /value=["']([^"']*)["']/i.exec(input[0])?.[1] ?? '';
    if (name && /type=["']hidden["']/i.test(input[0])) fields[unescape(name)] = unescape(value);
  }
  return { action: new URL(unescape(action), pageUrl).href, fields };
}

const tokenIn = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1];

/** `makeDriver` gets the gateway's address (it listens before the campus fixtures start, which must know it). */
export function describeAdapterContract(name: string, makeDriver: (base: string) => Promise<AdapterDriver>): void {
  describe(`${name} adapter contract`, () => {
    let driver: AdapterDriver;
    let server: http.Server;
    let base: string;
    let gateway: Gateway;
    let lines: Record<string, unknown>[];

    beforeAll(async () => {
      server = http.createServer((req, res) => gateway.handle(req, res));
      base = `http://localhost:${await listen(server, '127.0.0.1', 0)}`;
      driver = await makeDriver(base);
      ({ gateway, lines } = testGateway(testConfig({ server: { publicUrl: base }, ...driver.config })));
      await driver.started?.(base);
    });

    afterAll(async () => {
      gateway?.close();
      if (server) await closeServer(server);
      await driver?.close();
    });

    const loginUntilReturn = async (browser: HttpBrowser, returnTo = '/') => {
      const start = `${base}/auth/${driver.loginId}/login?returnTo=${encodeURIComponent(returnTo)}`;
      return driver.atCampus(browser, location(await browser.get(start), start), base);
    };
    const signedIn = async (browser: HttpBrowser) => {
      const { deliver } = await loginUntilReturn(browser);
      expect((await deliver(browser)).status).toBe(303);
    };
    const portal = async (browser: HttpBrowser, lang = 'en') => (await browser.request(`${base}/`, { headers: { 'accept-language': lang } })).text();

    test('signs in, continues to the return target, with the Identity the adapter promises', async () => {
      const browser = new HttpBrowser();
      const { deliver } = await loginUntilReturn(browser, '/?from=contract');
      const res = await deliver(browser);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/?from=contract');
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('passway_sid='))!.split(';')[0]!;
      const session = await gateway.sessions.load({ headers: { cookie } } as http.IncomingMessage);
      const user = session?.data.user;
      expect(user).toMatchObject({
        institution: driver.expected.institution,
        affiliations: driver.expected.affiliations,
        displayName: driver.expected.displayName,
        source: { adapter: driver.expected.adapter },
        entitlements: expect.any(Array),
        groups: expect.any(Array),
        attributes: expect.any(Object),
      });
      expect(user?.subject).toEqual(driver.expected.subject ?? expect.stringMatching(/.+/));
      expect(session?.data.campus).toMatchObject({ login: driver.loginId });
      expect(await portal(browser)).toContain(driver.expected.displayName);
      expect(lines.filter((l) => l.usage === true).map((l) => l.event)).toContainEqual(
        expect.objectContaining({ type: 'login-success', login: driver.loginId, institution: driver.expected.institution }),
      );
    });

    test('a return target that is not a local path becomes /', async () => {
      const browser = new HttpBrowser();
      const { deliver } = await loginUntilReturn(browser, '//evil.example/steal');
      const res = await deliver(browser);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/');
    });

    test('state replay: the same answer again is refused with a readable page in zh-CN, and the first sign-in stands', async () => {
      const browser = new HttpBrowser();
      const { deliver } = await loginUntilReturn(browser);
      expect((await deliver(browser)).status).toBe(303);
      const before = lines.length;
      const replay = await deliver(browser, { 'accept-language': 'zh-CN' });
      const page = await replay.text();
      expect(replay.status).toBe(403);
      const reason = /<code>([^<]+)<\/code>/.exec(page)?.[1];
      expect(['state-mismatch', 'unknown-request', 'replayed', 'login-not-started-here']).toContain(reason);
      expect(page).toContain('lang="zh-CN"');
      expect(page).toContain(`href="/auth/${driver.loginId}/login?returnTo=%2F"`);
      expect(page).not.toMatch(/\n\s+at /);
      expect(lines.slice(before)).toContainEqual(expect.objectContaining({ msg: 'sign-in failed', reason }));
      expect(await portal(browser)).toContain(driver.expected.displayName);
    });

    test('browser binding: the answer delivered by another browser is refused, and still finishes in the right one', async () => {
      const attacker = new HttpBrowser();
      const { deliver } = await loginUntilReturn(attacker);
      const victim = new HttpBrowser();
      const res = await deliver(victim);
      const page = await res.text();
      expect({ status: res.status, reason: /<code>([^<]+)<\/code>/.exec(page)?.[1] }).toEqual({ status: 403, reason: 'login-not-started-here' });
      expect(res.headers.getSetCookie().some((c) => c.startsWith('passway_sid='))).toBe(false);
      expect((await deliver(attacker)).status).toBe(303);
    });

    test('sign-out ends the Passway session and the campus sign-in: the page says so, and the next sign-in asks for the password', async () => {
      const browser = new HttpBrowser();
      await signedIn(browser);
      // Signed in at the campus: another start goes through without a password.
      expect((await loginUntilReturn(browser)).askedPassword).toBe(false);
      await signedIn(browser);

      const token = tokenIn(await portal(browser));
      let res = await browser.post(`${base}/logout`, { _csrf: token ?? '' });
      let url = `${base}/logout`;
      for (let hops = 0; !(res.status === 200 && url.startsWith(`${base}/signed-out`)); hops++) {
        if (hops > 12) throw new Error(`sign-out did not come back to the signed-out page: HTTP ${res.status} at ${url}`);
        if (res.status >= 300 && res.status < 400) {
          url = location(res, url);
          res = await browser.request(url, { headers: { 'accept-language': 'en' } });
        } else if (res.status === 200 && url === `${base}/logout`) {
          const refresh = /<meta http-equiv="refresh" content="0;url=([^"]+)">/.exec(await res.text())?.[1];
          if (!refresh) throw new Error('the sign-out page does not move on to the campus');
          url = refresh.replace(/&#38;|&amp;/g, '&');
          res = await browser.request(url, { headers: { 'accept-language': 'en' } });
        } else if (res.status === 200 && !url.startsWith(base)) {
          const form = firstForm(await res.text(), url); // a campus confirmation page
          url = form.action;
          res = await browser.post(url, form.fields);
        } else {
          throw new Error(`sign-out stopped with HTTP ${res.status} at ${url}: ${(await res.text()).slice(0, 500)}`);
        }
      }
      const page = await res.text();
      expect(page).toContain('You are signed out of Passway.');
      expect(page).toContain('was ended too');
      expect(await portal(browser)).not.toContain(driver.expected.displayName);
      const zh = await (await browser.request(url, { headers: { 'accept-language': 'zh-CN' } })).text();
      expect(zh).toContain('您已退出 Passway。');
      expect(zh).toContain('也已退出');
      expect((await loginUntilReturn(browser)).askedPassword).toBe(true);
    });

    test('the signed-out page cannot be made to claim a campus sign-out by a link', async () => {
      const forged = await (await fetch(`${base}/signed-out?o=${encodeURIComponent(`ended:${driver.loginId}.AAAA`)}`, { headers: { 'accept-language': 'en' } })).text();
      expect(forged).toContain('You are signed out of Passway.');
      expect(forged).not.toContain('was ended too');
    });
  });
}
