/**
 * Cross-site request forgery: sign-out and admin actions only with the session's own token, from
 * a Passway page. A token seen before sign-in (the admin login form, a planted session) is
 * worthless after it, whichever way the sign-in went; GET never signs out.
 */
import request from 'supertest';
import { hashPassword } from '../../gateway/admin/password';
import { startCasServer, type CasServer } from '../fixtures/cas-server';
import { HttpBrowser, location } from '../helpers/http-browser';
import { signIn, testConfig, testGateway } from '../helpers/gateway';
import { member, startGateway, type RunningGateway } from '../integration/proxy-harness';

const tokenIn = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
const PASSWORD = 'csrf test admin password';

describe('sign-out', () => {
  const { gateway } = testGateway(testConfig({ institutions: [{ id: 'demo-university', name: { en: 'Demo University' } }] }));
  const signedIn = async () => {
    const { cookie, session } = await signIn(gateway.sessions, member());
    const home = await request(gateway.handle).get('/').set('Cookie', cookie);
    return { cookie, session, token: tokenIn(home.text)! };
  };
  const stillSignedIn = async (cookie: string) => (await request(gateway.handle).get('/').set('Cookie', cookie)).text.includes('action="/logout"');

  type Attempt = { method: 'GET' | 'POST'; token: 'none' | 'wrong' | 'another session\'s' | 'right'; origin?: string };
  const CASES: { name: string; input: Attempt; expect: 'refused' | 'signed out' }[] = [
    { name: 'GET /logout (a link or <img> on any page)', input: { method: 'GET', token: 'none' }, expect: 'refused' },
    { name: 'GET /logout with the right token in the query', input: { method: 'GET', token: 'right' }, expect: 'refused' },
    { name: 'POST without a token', input: { method: 'POST', token: 'none' }, expect: 'refused' },
    { name: 'POST with a made-up token', input: { method: 'POST', token: 'wrong' }, expect: 'refused' },
    { name: 'POST with another session\'s token', input: { method: 'POST', token: 'another session\'s' }, expect: 'refused' },
    { name: 'cross-origin form post', input: { method: 'POST', token: 'none', origin: 'https://evil.example' }, expect: 'refused' },
    { name: 'form post from a proxied vendor page (same site)', input: { method: 'POST', token: 'none', origin: 'http://www-vendor-com.p.localhost:8080' }, expect: 'refused' },
    { name: 'POST from our own page with the session\'s token', input: { method: 'POST', token: 'right' }, expect: 'signed out' },
  ];

  test.each(CASES)('$name → $expect', async ({ input, expect: expected }) => {
    const me = await signedIn();
    const token = { none: undefined, wrong: 'x'.repeat(43), 'another session\'s': (await signedIn()).token, right: me.token }[input.token];
    const headers: Record<string, string> = { Cookie: me.cookie, ...(input.origin ? { Origin: input.origin } : {}) };
    const res = input.method === 'GET'
      ? await request(gateway.handle).get(`/logout${token ? `?_csrf=${token}` : ''}`).set(headers)
      : await request(gateway.handle).post('/logout').set(headers).type('form').send(token ? { _csrf: token } : {});
    if (expected === 'signed out') {
      expect(res.status).toBe(303);
      expect(await stillSignedIn(me.cookie)).toBe(false);
      return;
    }
    expect(res.status).toBe(input.method === 'GET' ? 200 : 403);
    expect(await stillSignedIn(me.cookie)).toBe(true);
    // The page offers the real thing: a POST form with this session's token, in both languages.
    expect(tokenIn(res.text)).toBe(me.token);
    const zh = await request(gateway.handle).get('/logout').set({ Cookie: me.cookie, 'Accept-Language': 'zh-CN' });
    expect(zh.text).toContain('退出登录');
  });

  test('every page\'s sign-out button is a POST form with the session\'s token', async () => {
    const me = await signedIn();
    const home = await request(gateway.handle).get('/').set('Cookie', me.cookie);
    expect(home.text).toMatch(/<form method="post" action="\/logout">[\s\S]*name="_csrf" value="[^"]+"/);
    expect(home.text).not.toMatch(/href="\/logout"/);
  });
});

describe('tokens seen before sign-in are worthless after it', () => {
  let cas: CasServer;
  let gw: RunningGateway;

  beforeAll(async () => {
    cas = await startCasServer();
    cas.autoLogin = 'zhang3';
    gw = await startGateway(() => ({
      institutions: [{ id: 'uni', name: { en: 'Example University' } }],
      logins: [{ kind: 'cas', id: 'campus', institution: 'uni', serverUrl: cas.url }],
      resources: [{ id: 'books', title: { en: 'Books' }, vendor: 'V', hosts: [{ host: 'books.example.com' }], access: [{ kind: 'proxy', start: 'https://books.example.com/' }], licences: [{ institution: 'uni' }] }],
      admin: { roles: { admins: { subjects: ['uni:zhang3'] } }, bootstrap: { username: 'root', passwordHash: hashPassword(PASSWORD) } },
    }));
  });
  afterAll(async () => {
    await gw?.close();
    await cas?.close();
  });

  const adminAct = (browser: HttpBrowser, token: string) => browser.post(`${gw.base}/admin/suspensions/lift`, { _csrf: token, resource: 'books', user: 'someone' });

  const CASES: { name: string; input: 'campus sign-in' | 'bootstrap admin sign-in'; expect: 403 }[] = [
    { name: 'the admin login form\'s token, then a campus sign-in', input: 'campus sign-in', expect: 403 },
    { name: 'the admin login form\'s token, then the bootstrap admin sign-in', input: 'bootstrap admin sign-in', expect: 403 },
  ];

  test.each(CASES)('$name → $expect', async ({ input, expect: status }) => {
    const browser = new HttpBrowser();
    const form = await browser.get(`${gw.base}/admin/login`);
    const before = tokenIn(await form.text())!;
    if (input === 'campus sign-in') {
      const start = await browser.get(`${gw.base}/auth/campus/login?returnTo=%2Fadmin`);
      const atCas = await browser.get(location(start, gw.base));
      expect((await browser.get(location(atCas, cas.url))).status).toBe(303);
    } else {
      expect((await browser.post(`${gw.base}/admin/login`, { _csrf: before, username: 'root', password: PASSWORD })).status).toBe(303);
    }
    const home = await browser.get(`${gw.base}/admin`);
    expect(home.status).toBe(200);
    const after = tokenIn(await home.text())!;
    expect(after).not.toBe(before);
    expect((await adminAct(browser, before)).status).toBe(status);
    expect((await adminAct(browser, after)).status).toBe(303);
  });
});
