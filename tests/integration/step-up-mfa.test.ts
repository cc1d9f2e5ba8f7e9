/**
 * Step-up MFA per resource, over real HTTP: a licence with `requireAuthnContext` (REFEDS MFA) is
 * refused by the one authorize() while the session's campus sign-in lacks it; a launch then asks
 * the same IdP again (SAML RequestedAuthnContext + ForceAuthn at the demo IdP, OIDC acr_values +
 * prompt=login at oidc-provider), checks what came back, and explains a refusal in both languages.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { DemoIdpHandle } from '../../demo';
import { createGateway, type Gateway } from '../../gateway/app';
import { startServer, type RunningServer } from '../../gateway/server';
import { MemoryStore } from '../../gateway/store';
import type { ConfigInput } from '../../config';
import type { ResourceInput } from '../../resource-catalog/schema';
import { startCasServer, type CasServer } from '../fixtures/cas-server';
import { startOidcProvider, type TestOidcProvider } from '../fixtures/oidc-provider';
import { capturingLogger, TEST_SECRET, testConfig } from '../helpers/gateway';
import { HttpBrowser, location } from '../helpers/http-browser';
import { get as proxyGet, proxiedHost } from './proxy-harness';
import { CookieJar, get, INSTITUTIONS, parseForm, post, requestXmlOf, samlLogin, signInAtIdp, spKeyFiles, startGatewayNode, startIdp, type GatewayNode, type SpKeyFiles } from './saml-harness';

const MFA = 'https://refeds.org/profile/mfa';
const PASSWORD = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';

const patents = (institution: string): ResourceInput => ({
  id: 'patents',
  title: { en: 'Patent Archive', zh: '专利档案库' },
  vendor: 'Patents Inc.',
  hosts: [{ host: 'patents.example.org' }],
  access: [{ kind: 'direct', url: 'https://patents.example.org/' }],
  licences: [{ institution, requireAuthnContext: MFA }],
});
const proxied = (institution: string): ResourceInput => ({
  id: 'mfa-proxy',
  title: { en: 'Proxied Sensitive DB' },
  vendor: 'Sensitive Ltd.',
  hosts: [{ host: 'mfa-proxy.example.org' }],
  access: [{ kind: 'proxy', start: 'https://mfa-proxy.example.org/' }],
  licences: [{ institution, requireAuthnContext: MFA }],
});
const open = (institution: string): ResourceInput => ({
  id: 'plain',
  title: { en: 'Plain DB' },
  vendor: 'Plain Co.',
  hosts: [{ host: 'plain.example.org' }],
  access: [{ kind: 'direct', url: 'https://plain.example.org/' }],
  licences: [{ institution }],
});

const usage = (lines: Record<string, unknown>[], type: string) => lines.filter((l) => l.usage === true && (l.event as { type?: string } | undefined)?.type === type).map((l) => l.event);

describe('SAML step-up at the demo IdP', () => {
  let stateDir: string;
  let keys: SpKeyFiles;
  let idp: DemoIdpHandle;
  let node: GatewayNode;

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-step-up-'));
    keys = await spKeyFiles(stateDir);
    idp = await startIdp(stateDir, []);
    node = await startGatewayNode({
      institutions: INSTITUTIONS,
      logins: [samlLogin('demo-idp', idp)],
      saml: { signing: keys },
      resources: [patents('demo-university'), proxied('demo-university'), open('demo-university')],
    });
    idp.trustSpMetadataUrl(`${node.url}/auth/saml/metadata`);
  });

  afterAll(async () => {
    await node?.close();
    await idp?.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  /** Signed in with a password only (the demo IdP asserts PasswordProtectedTransport). */
  async function passwordSession(username = 'faculty'): Promise<CookieJar> {
    const jar = new CookieJar();
    const { form } = await signInAtIdp(node.url, 'demo-idp', username, jar);
    expect((await post(form.action, form.fields, jar)).status).toBe(303);
    return jar;
  }

  test('the session records the context the IdP asserted, and a resource without the requirement opens', async () => {
    const jar = await passwordSession();
    const plain = await get(`${node.url}/go/plain`, jar);
    expect(plain.status).toBe(303);
    expect(plain.headers.get('location')).toBe('https://plain.example.org/');
    const portal = await (await get(`${node.url}/`, jar, { 'accept-language': 'en' })).text();
    expect(portal).toContain('Needs two-step sign-in');
    const zh = await (await get(`${node.url}/`, jar, { 'accept-language': 'zh-CN' })).text();
    expect(zh).toContain('需要两步验证登录');
  });

  test('a launch without MFA asks the same IdP again: RequestedAuthnContext exact REFEDS MFA and ForceAuthn', async () => {
    const jar = await passwordSession();
    const launch = await get(`${node.url}/go/patents`, jar);
    expect(launch.status).toBe(303);
    const to = launch.headers.get('location') ?? '';
    expect(to.startsWith(`${idp.ssoUrl}?`)).toBe(true);
    const xml = requestXmlOf(to);
    expect(xml).toContain('ForceAuthn="true"');
    expect(xml).toMatch(/<samlp:RequestedAuthnContext[^>]*Comparison="exact"[^>]*>\s*<saml:AuthnContextClassRef[^>]*>https:\/\/refeds\.org\/profile\/mfa<\/saml:AuthnContextClassRef>/);
  });

  test('with the second step done at the IdP, the resource opens, and opens again without re-authentication', async () => {
    const jar = await passwordSession();
    const launch = await get(`${node.url}/go/patents`, jar);
    const sso = launch.headers.get('location') ?? '';
    const loginPage = await get(sso, jar);
    const { action, fields } = parseForm(await loginPage.text());
    const afterPassword = await post(new URL(action, sso).href, { ticket: fields.ticket ?? '', username: 'faculty', password: 'faculty-demo' }, jar);
    const codePage = await afterPassword.text();
    expect(afterPassword.status).toBe(200);
    const code = /data-demo-code="(\d+)"/.exec(codePage)?.[1];
    expect(code).toBeDefined();
    const codeForm = parseForm(codePage);
    const answered = await post(new URL(codeForm.action, sso).href, { ...codeForm.fields, code: code! }, jar);
    const form = parseForm(await answered.text());
    const acs = await post(form.action, form.fields, jar);
    expect(acs.status).toBe(303);
    expect(acs.headers.get('location')).toBe('/go/patents');
    const opened = await get(`${node.url}/go/patents`, jar);
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe('https://patents.example.org/');
    // Once more: the session's sign-in has MFA now, no trip to the IdP.
    const again = await get(`${node.url}/go/patents`, jar);
    expect(again.headers.get('location')).toBe('https://patents.example.org/');
    expect(usage(node.lines, 'launch')).toContainEqual(expect.objectContaining({ type: 'launch', resource: 'patents', method: 'direct' }));
  });

  test('an answer without MFA is refused with the bilingual page, the launch denied and counted, the session kept', async () => {
    const jar = await passwordSession('staff');
    const launch = await get(`${node.url}/go/patents`, jar);
    const requestId = /ID="([^"]+)"/.exec(requestXmlOf(launch.headers.get('location') ?? ''))?.[1];
    const built = await idp.buildResponse({ spEntityID: `${node.url}/auth/saml/metadata`, username: 'staff', inResponseTo: requestId, authnContextClassRef: PASSWORD });
    const acs = await post(built.acsUrl, { SAMLResponse: built.samlResponse }, jar, { 'accept-language': 'en' });
    expect(acs.status).toBe(403);
    const page = await acs.text();
    expect(page).toContain('Patent Archive needs two-step sign-in');
    expect(page).toContain('did not confirm a second step');
    expect(page).toContain('<code>mfa-required</code>');
    expect(page).toContain('href="/go/patents"');
    expect(usage(node.lines, 'denial')).toContainEqual(expect.objectContaining({ type: 'denial', resource: 'patents', reason: 'mfa-required' }));
    // Still signed in as before (the refused answer did not replace the session), and no loop: the next launch asks again.
    expect(await (await get(`${node.url}/`, jar)).text()).toContain('刘洋 Liu Yang');
    const retry = await get(`${node.url}/go/patents`, jar);
    expect(retry.headers.get('location')?.startsWith(`${idp.ssoUrl}?`)).toBe(true);

    const zhLaunch = await get(`${node.url}/go/patents`, jar);
    const zhId = /ID="([^"]+)"/.exec(requestXmlOf(zhLaunch.headers.get('location') ?? ''))?.[1];
    const zhBuilt = await idp.buildResponse({ spEntityID: `${node.url}/auth/saml/metadata`, username: 'staff', inResponseTo: zhId, authnContextClassRef: PASSWORD });
    const zh = await (await post(zhBuilt.acsUrl, { SAMLResponse: zhBuilt.samlResponse }, jar, { 'accept-language': 'zh-CN' })).text();
    expect(zh).toContain('专利档案库 需要两步验证登录');
  });

  test('an IdP answering NoAuthnContext gets the same page, not a sign-in error', async () => {
    const jar = await passwordSession();
    const launch = await get(`${node.url}/go/patents`, jar);
    const requestId = /ID="([^"]+)"/.exec(requestXmlOf(launch.headers.get('location') ?? ''))?.[1] ?? '';
    const status = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_noctx1" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${node.url}/auth/saml/acs" InResponseTo="${requestId}"><saml:Issuer>${idp.entityID}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext"/></samlp:StatusCode></samlp:Status></samlp:Response>`;
    const acs = await post(`${node.url}/auth/saml/acs`, { SAMLResponse: Buffer.from(status).toString('base64') }, jar, { 'accept-language': 'en' });
    expect(acs.status).toBe(403);
    const page = await acs.text();
    expect(page).toContain('Patent Archive needs two-step sign-in');
    expect(page).toContain('<code>mfa-required</code>');
  });

  test('the proxy refuses by the same rule and hands over to the launch, which steps up', async () => {
    const jar = await passwordSession();
    const port = new URL(node.url).port;
    const res = await proxyGet(Number(port), proxiedHost('mfa--proxy-example-org', Number(port)), '/search?q=x', { cookie: jar.header() });
    await res.body.dump();
    expect(res.statusCode).toBe(303);
    const launch = String(res.headers.location);
    expect(launch).toBe(`${node.url}/go/mfa-proxy?target=${encodeURIComponent('https://mfa-proxy.example.org/search?q=x')}`);
    const stepUp = await get(launch, jar);
    expect(requestXmlOf(stepUp.headers.get('location') ?? '')).toContain('https://refeds.org/profile/mfa');
  });

  test('an IdP that cannot do MFA (supportsMfa: false) gets the page at once, without a trip to the IdP', async () => {
    const noMfa = await startGatewayNode({
      institutions: INSTITUTIONS,
      logins: [{ ...samlLogin('demo-idp', idp), supportsMfa: false }],
      saml: { signing: keys },
      resources: [patents('demo-university')],
    });
    try {
      idp.trustSpMetadataUrl(`${noMfa.url}/auth/saml/metadata`);
      const jar = new CookieJar();
      const { form } = await signInAtIdp(noMfa.url, 'demo-idp', 'faculty', jar);
      await post(form.action, form.fields, jar);
      const res = await get(`${noMfa.url}/go/patents`, jar, { 'accept-language': 'en' });
      expect(res.status).toBe(403);
      const page = await res.text();
      expect(page).toContain('does not offer two-step sign-in');
      expect(page).not.toContain('href="/go/patents"');
      expect(usage(noMfa.lines, 'denial')).toContainEqual(expect.objectContaining({ resource: 'patents', reason: 'mfa-required' }));
    } finally {
      await noMfa.close();
    }
  });
});

/** A gateway on a real port, its config made once the port is known (OIDC redirect URIs name it). */
async function gatewayOnPort(input: (base: string) => Promise<ConfigInput>): Promise<{ server: RunningServer; base: string; lines: Record<string, unknown>[] }> {
  let handler: Gateway['handle'] = (_req, res) => res.end();
  const server = await startServer((req, res) => handler(req, res), { host: '127.0.0.1', port: 0, shutdownGraceMs: 100, logger: pino({ level: 'silent' }) });
  const base = `http://127.0.0.1:${server.port}`;
  const config = testConfig({ ...(await input(base)), server: { publicUrl: base } });
  const { logger, lines } = capturingLogger();
  handler = createGateway({ config, store: new MemoryStore(), logger, sessionSecret: TEST_SECRET }).handle;
  return { server, base, lines };
}

describe('OIDC step-up at oidc-provider', () => {
  let op: TestOidcProvider;
  let server: RunningServer;
  let base: string;
  let lines: Record<string, unknown>[];

  beforeAll(async () => {
    ({ server, base, lines } = await gatewayOnPort(async (origin) => {
      op = await startOidcProvider({ redirectUris: [`${origin}/auth/campus-oidc/callback`], acrValues: [MFA, 'urn:example:password'] });
      return {
        institutions: [{ id: 'example-u', name: { en: 'Example University', zh: '示例大学' } }],
        logins: [{ kind: 'oidc', id: 'campus-oidc', institution: 'example-u', issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, scopes: ['profile', 'email', 'eduperson'] }],
        resources: [patents('example-u')],
      };
    }));
  });

  afterAll(async () => {
    await server.shutdown();
    await op.close();
  });

  /** Follow redirects through the OP until the gateway's callback; returns the OP authorization URL and the callback URL. */
  async function throughOp(browser: HttpBrowser, start: string): Promise<{ authorization: URL; callback: string }> {
    const authorization = new URL(location(await browser.get(start), start));
    let url = authorization.href;
    for (let hops = 0; !url.startsWith(`${base}/auth/`); hops++) {
      if (hops > 10) throw new Error('too many redirects at the OP');
      url = location(await browser.get(url), url);
    }
    return { authorization, callback: url };
  }

  it('sends acr_values with prompt=login, checks the acr it gets, and a session with MFA opens without re-authentication', async () => {
    const browser = new HttpBrowser();
    op.loginAcr = 'urn:example:password';
    const first = await throughOp(browser, `${base}/auth/campus-oidc/login?returnTo=%2F`);
    expect(first.authorization.searchParams.get('acr_values')).toBeNull();
    expect((await browser.get(first.callback)).status).toBe(303);

    op.loginAcr = MFA;
    const stepUp = await throughOp(browser, `${base}/go/patents`);
    expect(stepUp.authorization.searchParams.get('acr_values')).toBe(MFA);
    expect(stepUp.authorization.searchParams.get('prompt')).toBe('login');
    const back = await browser.get(stepUp.callback);
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toBe('/go/patents');
    const interactions = op.interactions;
    const opened = await browser.get(`${base}/go/patents`);
    expect(opened.headers.get('location')).toBe('https://patents.example.org/');
    expect(op.interactions).toBe(interactions);
  });

  it('an ID token whose acr is not MFA is refused with the page', async () => {
    const browser = new HttpBrowser();
    op.loginAcr = 'urn:example:password';
    const first = await throughOp(browser, `${base}/auth/campus-oidc/login?returnTo=%2F`);
    await browser.get(first.callback);
    const stepUp = await throughOp(browser, `${base}/go/patents`);
    const refused = await browser.request(stepUp.callback, { headers: { 'accept-language': 'en' } });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('did not confirm a second step');
    expect(usage(lines, 'denial')).toContainEqual(expect.objectContaining({ resource: 'patents', reason: 'mfa-required' }));
  });
});

describe('CAS step-up', () => {
  let cas: CasServer;
  let server: RunningServer;
  let base: string;
  let lines: Record<string, unknown>[];

  beforeAll(async () => {
    cas = await startCasServer();
    cas.autoLogin = 'zhang3';
    ({ server, base, lines } = await gatewayOnPort(async () => ({
      institutions: [{ id: 'example-college', name: { en: 'Example College', zh: '示例学院' } }],
      logins: [{ kind: 'cas', id: 'campus-cas', institution: 'example-college', serverUrl: cas.url, supportsMfa: true }],
      resources: [patents('example-college')],
    })));
  });

  afterAll(async () => {
    await server.shutdown();
    await cas.close();
  });

  /** Gateway → CAS (auto sign-in) → the gateway's callback, answered. */
  async function viaCas(browser: HttpBrowser, start: string, headers: Record<string, string> = {}): Promise<{ casLogin: URL; answer: Response }> {
    const casLogin = new URL(location(await browser.get(start), start));
    const callback = location(await browser.get(casLogin.href), casLogin.href);
    return { casLogin, answer: await browser.request(callback, { headers }) };
  }

  it('asks CAS again with renew=true and reads the context from the authnContextClass attribute', async () => {
    const browser = new HttpBrowser();
    cas.extraAttributes = {};
    const first = await viaCas(browser, `${base}/auth/campus-cas/login?returnTo=%2F`);
    expect(first.casLogin.searchParams.get('renew')).toBeNull();

    const refused = await viaCas(browser, `${base}/go/patents`, { 'accept-language': 'en' });
    expect(refused.casLogin.searchParams.get('renew')).toBe('true');
    expect(refused.answer.status).toBe(403);
    expect(await refused.answer.text()).toContain('did not confirm a second step');
    expect(usage(lines, 'denial')).toContainEqual(expect.objectContaining({ resource: 'patents', reason: 'mfa-required' }));

    cas.extraAttributes = { authnContextClass: [MFA] };
    const stepped = await viaCas(browser, `${base}/go/patents`);
    expect(stepped.answer.status).toBe(303);
    expect(stepped.answer.headers.get('location')).toBe('/go/patents');
    expect((await browser.get(`${base}/go/patents`)).headers.get('location')).toBe('https://patents.example.org/');
  });
});
