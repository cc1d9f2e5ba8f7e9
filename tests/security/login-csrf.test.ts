/**
 * Login CSRF (RFC 6749 §10.12; SAML "login CSRF"): an attacker signs in at the campus IdP in their
 * own browser, keeps what the IdP sends back (a SAMLResponse, a CAS ticket callback, an OIDC code
 * callback) and makes a victim's browser deliver it, so the victim works signed in as the attacker.
 * A login must finish only in the browser that started it: every case below delivers a real IdP's
 * answer (samlify demo IdP, CAS server fixture, oidc-provider) to the real gateway from a browser
 * holding the wrong login state cookie, or none.
 */
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Gateway } from '../../gateway/app';
import { startCasServer, type CasServer } from '../fixtures/cas-server';
import { DEMO_USERS, type DemoIdpHandle } from '../../demo';
import { closeServer, listen } from '../../demo/server';
import { startOidcProvider, type TestOidcProvider } from '../fixtures/oidc-provider';
import { testConfig, testGateway } from '../helpers/gateway';
import { HttpBrowser, location } from '../helpers/http-browser';
import { INSTITUTIONS, parseForm, samlLogin, spKeyFiles, startIdp } from '../integration/saml-harness';

type Protocol = 'saml' | 'cas' | 'oidc';
/** What the victim's browser holds when the attacker's answer arrives. */
type VictimCookies =
  | 'none' // never started a login here
  | 'own-login' // started a login of its own (its cookie names another login)
  | 'own-cookie-renamed' // its own login's cookie value, sent under the name of the attacker's login
  | 'forged-value'; // a cookie under the attacker's login's name with a made-up value
type Outcome = 'signed-in' | 'login-not-started-here';

const cases: { name: string; input: { protocol: Protocol; victim: VictimCookies | 'attacker-itself' }; expect: Outcome }[] = [
  { name: 'SAML: the browser that started the login finishes it (baseline)', input: { protocol: 'saml', victim: 'attacker-itself' }, expect: 'signed-in' },
  { name: "SAML: the attacker's response auto-posted in a victim's browser", input: { protocol: 'saml', victim: 'none' }, expect: 'login-not-started-here' },
  { name: "SAML: a victim with a login of its own in progress gets the attacker's response", input: { protocol: 'saml', victim: 'own-login' }, expect: 'login-not-started-here' },
  { name: "SAML: the state cookie of one login presented for another", input: { protocol: 'saml', victim: 'own-cookie-renamed' }, expect: 'login-not-started-here' },
  { name: 'SAML: a state cookie with a forged value', input: { protocol: 'saml', victim: 'forged-value' }, expect: 'login-not-started-here' },
  { name: 'CAS: the browser that started the login finishes it (baseline)', input: { protocol: 'cas', victim: 'attacker-itself' }, expect: 'signed-in' },
  { name: "CAS: the attacker's ticket callback opened in a victim's browser", input: { protocol: 'cas', victim: 'none' }, expect: 'login-not-started-here' },
  { name: 'CAS: the state cookie of one login presented for another', input: { protocol: 'cas', victim: 'own-cookie-renamed' }, expect: 'login-not-started-here' },
  { name: 'OIDC: the browser that started the login finishes it (baseline)', input: { protocol: 'oidc', victim: 'attacker-itself' }, expect: 'signed-in' },
  { name: "OIDC: the attacker's code callback opened in a victim's browser", input: { protocol: 'oidc', victim: 'none' }, expect: 'login-not-started-here' },
  { name: "OIDC: a victim with a login of its own in progress gets the attacker's callback", input: { protocol: 'oidc', victim: 'own-login' }, expect: 'login-not-started-here' },
  { name: 'OIDC: a state cookie with a forged value', input: { protocol: 'oidc', victim: 'forged-value' }, expect: 'login-not-started-here' },
];

const LOGIN_ID: Record<Protocol, string> = { saml: 'demo-idp', cas: 'campus-cas', oidc: 'campus-oidc' };

let stateDir: string;
let server: http.Server;
let base: string;
let gateway: Gateway;
let lines: Record<string, unknown>[];
let idp: DemoIdpHandle;
let cas: CasServer;
let op: TestOidcProvider;

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-login-csrf-'));
  server = http.createServer((req, res) => gateway.handle(req, res));
  base = `http://localhost:${await listen(server, '127.0.0.1', 0)}`;
  idp = await startIdp(stateDir, [`${base}/auth/saml/metadata`], '127.0.0.1'); // another site than the gateway
  cas = await startCasServer();
  cas.autoLogin = 'zhang3';
  op = await startOidcProvider({ redirectUris: [`${base}/auth/campus-oidc/callback`] });
  op.loginAs = 'wang5-sub';
  const config = testConfig({
    server: { publicUrl: base },
    institutions: INSTITUTIONS,
    logins: [
      samlLogin(LOGIN_ID.saml, idp),
      { kind: 'cas', id: LOGIN_ID.cas, institution: 'demo-university', serverUrl: cas.url },
      { kind: 'oidc', id: LOGIN_ID.oidc, institution: 'demo-university', issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret },
    ],
    saml: { signing: await spKeyFiles(stateDir) },
  });
  ({ gateway, lines } = testGateway(config));
});

afterAll(async () => {
  gateway?.close();
  if (server) await closeServer(server);
  await Promise.all([idp?.close(), cas?.close(), op?.close()]);
  await rm(stateDir, { recursive: true, force: true });
});

/** The browser's login state cookie set by a login start (name and value; empty when there is none). */
function stateCookie(start: Response): { name: string; value: string } {
  const line = start.headers.getSetCookie().find((l) => l.includes('passway_login_'));
  const [pair = ''] = (line ?? '').split(';');
  const eq = pair.indexOf('=');
  return eq < 0 ? { name: 'passway_login_none', value: '' } : { name: pair.slice(0, eq), value: pair.slice(eq + 1) };
}

/** The IdP's answer, to be delivered by some browser (with extra headers, e.g. a hand-made Cookie). */
type Delivery = (browser: HttpBrowser, headers?: Record<string, string>) => Promise<Response>;

/** Run a login in `browser` up to the point where the IdP sends it back to the gateway. */
async function loginUntilReturn(protocol: Protocol, browser: HttpBrowser): Promise<{ deliver: Delivery; cookie: { name: string; value: string } }> {
  const startUrl = `${base}/auth/${LOGIN_ID[protocol]}/login?returnTo=%2F`;
  const start = await browser.get(startUrl);
  const cookie = stateCookie(start);
  let url = location(start, startUrl);
  if (protocol === 'saml') {
    const form = parseForm(await (await browser.get(url)).text());
    const user = DEMO_USERS.find((u) => u.username === 'faculty');
    const answer = await browser.post(new URL(form.action, url).href, { ticket: form.fields.ticket ?? '', username: 'faculty', password: user?.password ?? '' });
    const { action, fields } = parseForm(await answer.text());
    const deliver: Delivery = (b, headers = {}) =>
      b.request(action, { method: 'POST', body: new URLSearchParams(fields), headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'en', ...headers } });
    return { deliver, cookie };
  }
  for (let hops = 0; !url.startsWith(base); hops++) {
    if (hops > 10) throw new Error('too many redirects at the campus server');
    url = location(await browser.get(url), url);
  }
  const callback = url;
  return { deliver: (b, headers = {}) => b.request(callback, { headers: { 'accept-language': 'en', ...headers } }), cookie };
}

describe('a login finishes only in the browser that started it', () => {
  test.each(cases)('$name', async ({ input, expect: outcome }) => {
    const attacker = new HttpBrowser();
    const { deliver, cookie } = await loginUntilReturn(input.protocol, attacker);
    const before = lines.length;
    let res: Response;
    if (input.victim === 'attacker-itself') {
      res = await deliver(attacker);
    } else if (input.victim === 'none') {
      res = await deliver(new HttpBrowser());
    } else if (input.victim === 'own-login') {
      const victim = new HttpBrowser();
      await victim.get(`${base}/auth/${LOGIN_ID[input.protocol]}/login?returnTo=%2F`);
      res = await deliver(victim);
    } else {
      const own = stateCookie(await new HttpBrowser().get(`${base}/auth/${LOGIN_ID[input.protocol]}/login?returnTo=%2F`));
      const value = input.victim === 'forged-value' ? `s:${'A'.repeat(40)}.${'B'.repeat(43)}` : own.value;
      res = await deliver(new HttpBrowser(), { cookie: `${cookie.name}=${value}` });
    }
    const page = await res.text();
    if (outcome === 'signed-in') {
      expect(res.status).toBe(303);
      expect(res.headers.getSetCookie().some((c) => c.startsWith('passway_sid='))).toBe(true);
      return;
    }
    expect({ status: res.status, reason: /<code>([^<]+)<\/code>/.exec(page)?.[1] }).toEqual({ status: 403, reason: outcome });
    expect(res.headers.getSetCookie().some((c) => c.startsWith('passway_sid='))).toBe(false);
    expect(page).toContain('this sign-in was not started in this browser');
    expect(lines.slice(before)).toContainEqual(expect.objectContaining({ msg: 'sign-in failed', reason: outcome }));
    // The attacker's own login was not spent by the refused attempt: it still finishes in the attacker's browser.
    expect((await deliver(attacker)).status).toBe(303);
  });
});
