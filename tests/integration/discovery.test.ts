import { createHash } from 'node:crypto';
/**
 * Discovery (/ds): our own WAYF for Passway's sign-in and for SPs on this gateway (OASIS IdP
 * Discovery protocol), the remembered choice, and the client side of an external discovery service.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseSetCookie } from 'cookie';
import request from 'supertest';
import type { ConfigInput } from '../../config';
import type { KeyPairPem } from '../../idp-adapters/saml';
import { loadOrCreateKeyPair } from '../../demo/keys';
import { testConfig, testGateway } from '../helpers/gateway';

const PKU_IDP = 'https://idp.pku.edu.cn/idp/shibboleth';
const THU_IDP = 'https://idp.tsinghua.edu.cn/idp/shibboleth';
const SP_ENTITY = 'http://localhost:8080/auth/saml/metadata';

const federation = {
  contact: { email: 'eresources@lib.example.edu' },
  institutions: [
    { id: 'pku', name: { en: 'Peking University', zh: '北京大学' }, domains: ['pku.edu.cn'] },
    { id: 'tsinghua', name: { en: 'Tsinghua University', zh: '清华大学' }, domains: ['tsinghua.edu.cn'] },
    { id: 'college', name: { en: 'Riverside College', zh: '河畔学院' }, domains: ['river.example.cn'] },
    { id: 'unlisted', name: { en: 'No Login Institute' } },
  ],
  logins: [
    { kind: 'saml' as const, id: 'pku-idp', institution: 'pku', entityID: PKU_IDP, metadataUrl: 'https://idp.pku.edu.cn/metadata', metadataSigningCertSha256: 'AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB' },
    { kind: 'saml' as const, id: 'thu-idp', institution: 'tsinghua', entityID: THU_IDP, metadataUrl: 'https://idp.tsinghua.edu.cn/metadata', metadataSigningCertSha256: 'AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB' },
    { kind: 'cas' as const, id: 'river-cas', institution: 'college', serverUrl: 'https://cas.river.example.cn/cas' },
  ],
};

let stateDir: string;
let samlSigningKey: KeyPairPem;

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-ds-'));
  samlSigningKey = await loadOrCreateKeyPair(path.join(stateDir, 'sp'), 'Passway discovery test SP');
});

afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

function gatewayWith(input: Partial<ConfigInput> = {}) {
  return testGateway(testConfig({ ...federation, ...input }), { samlSigningKey }).gateway.handle;
}

const rememberedCookie = (res: request.Response) =>
  ([] as string[]).concat(res.headers['set-cookie'] ?? []).map((line) => parseSetCookie(line)).find((c) => c.name === 'passway_idp');

/** The visible (not hidden) institution entries of a discovery page. */
function visibleEntries(page: string): string[] {
  return [...page.matchAll(/<li data-search="([^"]*)"[^>]*?( hidden)?>/g)].filter((m) => !m[2]).map((m) => m[1] ?? '');
}

type Handle = ReturnType<typeof gatewayWith>;

describe('our own discovery page', () => {
  let handle: Handle;
  beforeAll(() => (handle = gatewayWith()));

  test('lists the institutions that have a login, grouped, bilingual, with the kind of login in words', async () => {
    const en = await request(handle).get('/ds?returnTo=/x').set('Accept-Language', 'en');
    expect(en.status).toBe(200);
    expect(en.text).toContain('<h1>Choose your institution</h1>');
    expect(en.text).toContain('<strong>Peking University</strong> <span class="ds-other" lang="zh-CN">北京大学</span>');
    expect(en.text).toContain('CARSI / Shibboleth campus sign-in');
    expect(en.text).toContain('Campus unified sign-in (CAS)');
    expect(en.text).not.toContain('No Login Institute');
    expect(en.text).toContain('href="/ds?returnTo=%2Fx&#38;login=pku-idp"');
    expect(en.text).toContain('<label for="ds-q">');
    expect(en.text).toContain('<input type="hidden" name="returnTo" value="/x">');
    expect(en.text).toMatch(/<script type="module" src="\/assets\/[0-9a-f]{12}\/client\/discovery.js" integrity="sha384-[^"]+"><\/script>/);
    // Sorted by name in the page's language.
    expect(visibleEntries(en.text).map((h) => h.split(' ')[0])).toEqual(['peking', 'riverside', 'tsinghua']);

    const zh = await request(handle).get('/ds').set('Accept-Language', 'zh-CN');
    expect(zh.text).toContain('<h1>选择您的学校或机构</h1>');
    expect(zh.text).toContain('<strong>北京大学</strong> <span class="ds-other" lang="en">Peking University</span>');
    expect(zh.text).toContain('统一身份认证（CAS）');
  });

  test.each([
    ['a Chinese name', '清华', ['tsinghua']],
    ['an English name, any case', 'peking', ['pku']],
    ['a domain', 'river.example.cn', ['college']],
    ['an e-mail address', 'li.lei@pku.edu.cn', ['pku']],
    ['a subdomain of a listed domain', 'mails.tsinghua.edu.cn', ['tsinghua']],
    ['a shared word', 'university', ['pku', 'tsinghua']],
  ])('search by %s works without JavaScript (?q=)', async (_label, q, expected) => {
    const res = await request(handle).get(`/ds?q=${encodeURIComponent(q)}`).set('Accept-Language', 'en');
    expect(res.status).toBe(200);
    const ids = visibleEntries(res.text).map((haystack) => ['pku', 'tsinghua', 'college'].find((id) => haystack.split(' ').includes(id)));
    expect(ids.sort()).toEqual([...expected].sort());
    expect(res.text).toMatch(/<p id="ds-none"[^>]* hidden>/);
    expect(res.text).toContain(`value="${q}"`);
  });

  test('a search that matches nothing says so, and offers the whole list again', async () => {
    const res = await request(handle).get('/ds?q=oxford&returnTo=/x').set('Accept-Language', 'en');
    expect(visibleEntries(res.text)).toEqual([]);
    expect(res.text).toContain('No institution matches “oxford”');
    expect(res.text).not.toMatch(/<p id="ds-none"[^>]* hidden>/);
    expect(res.text).toContain('<a href="/ds?returnTo=%2Fx">Show all institutions</a>');
  });

  test('choosing goes to that login with the return target, and is remembered in a cookie', async () => {
    const res = await request(handle).get('/ds?returnTo=%2Fgo%2Fcnki%3Ftarget%3Dx&login=river-cas');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/auth/river-cas/login?returnTo=%2Fgo%2Fcnki%3Ftarget%3Dx');
    const cookie = rememberedCookie(res);
    expect(cookie).toMatchObject({ name: 'passway_idp', value: 'river-cas', httpOnly: true, sameSite: 'lax', path: '/', maxAge: 90 * 86_400 });
    expect(cookie?.secure).toBeFalsy();
  });

  test('the remembered choice is offered first as "Continue with …", and the list stays to change it', async () => {
    const res = await request(handle).get('/ds?returnTo=/y').set('Cookie', 'passway_idp=thu-idp').set('Accept-Language', 'en');
    expect(res.status).toBe(200);
    const continueAt = res.text.indexOf('Continue with Tsinghua University');
    expect(continueAt).toBeGreaterThan(0);
    expect(res.text).toContain('<a class="button" href="/ds?returnTo=%2Fy&#38;login=thu-idp">Continue with Tsinghua University</a>');
    expect(res.text.indexOf('Or choose another institution')).toBeGreaterThan(continueAt);
    expect(visibleEntries(res.text)).toHaveLength(3);
    // A remembered login that is no longer configured is ignored.
    const stale = await request(handle).get('/ds').set('Cookie', 'passway_idp=gone').set('Accept-Language', 'en');
    expect(stale.text).not.toContain('Continue with');
  });

  test('?entityID= naming one of our IdPs skips the page', async () => {
    const res = await request(handle).get(`/ds?entityID=${encodeURIComponent(PKU_IDP)}&returnTo=/z`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/auth/pku-idp/login?returnTo=%2Fz');
    expect(rememberedCookie(res)?.value).toBe('pku-idp');
  });

  test('?login= skips the page', async () => {
    const res = await request(handle).get('/ds?login=thu-idp');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/auth/thu-idp/login?returnTo=%2F');
  });

  test('an unknown entityID or login shows the page with a notice', async () => {
    const idp = await request(handle).get('/ds?entityID=https%3A%2F%2Fidp.nowhere.example%2Fidp').set('Accept-Language', 'en');
    expect(idp.status).toBe(200);
    expect(idp.text).toContain('The institution you were sent with (https://idp.nowhere.example/idp) is not set up in Passway');
    expect(visibleEntries(idp.text)).toHaveLength(3);
    const login = await request(handle).get('/ds?login=%3Cb%3Eghost').set('Accept-Language', 'en');
    expect(login.status).toBe(200);
    expect(login.text).toContain('There is no campus sign-in called &#60;b&#62;ghost');
  });

  test('returnTo is never an open redirect', async () => {
    for (const evil of ['//evil.example', 'https://evil.example/x', '/\\evil.example', '/\r\nLocation: x']) {
      const res = await request(handle).get(`/ds?login=pku-idp&returnTo=${encodeURIComponent(evil)}`);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/auth/pku-idp/login?returnTo=%2F');
    }
    const page = await request(handle).get('/ds?returnTo=%2F%2Fevil.example');
    expect(page.text).toContain('<input type="hidden" name="returnTo" value="/">');
    // The only mention left is inside the language switch's link back to this very page (a local path).
    expect(page.text.replace(/href="\/lang\/zh\?returnTo=[^"]*"/, '')).not.toContain('evil.example');
  });

  test('the filtering script and styles are same-origin files (CSP allows no inline script), the script with its integrity hash', async () => {
    const page = await request(handle).get('/ds');
    const [, src, integrity] = /<script type="module" src="(\/assets\/[0-9a-f]{12}\/client\/discovery\.js)" integrity="(sha384-[^"]+)"><\/script>/.exec(page.text) ?? [];
    const js = await request(handle).get(src!);
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toContain('text/javascript');
    expect(js.headers['cache-control']).toContain('immutable');
    expect(`sha384-${createHash('sha384').update(js.text).digest('base64')}`).toBe(integrity);
    // the match rule is the server's own module, imported, not a copy
    expect(js.text).toContain("from '../search-matches.js'");
    const rule = await request(handle).get(src!.replace('client/discovery.js', 'search-matches.js'));
    expect(rule.text).toContain('export function searchMatches');
    expect((await request(handle).get('/assets/000000000000/client/discovery.js')).status).toBe(404);
    const css = await request(handle).get('/ds/discovery.css');
    expect(css.headers['content-type']).toContain('text/css');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.text).not.toMatch(/<script>/);
  });
});

describe('OASIS discovery requests from a service provider on this gateway', () => {
  let handle: Handle;
  beforeAll(() => (handle = gatewayWith()));
  const ret = 'http://localhost:8080/Shibboleth.sso/Login?SAMLDS=1&target=%2Fx';
  const oasis = (extra: Record<string, string> = {}) => `/ds?${new URLSearchParams({ entityID: SP_ENTITY, return: ret, ...extra })}`;

  test('shows the SAML IdPs only, and choosing one returns with entityID=<IdP>', async () => {
    const page = await request(handle).get(oasis()).set('Accept-Language', 'en');
    expect(page.status).toBe(200);
    expect(visibleEntries(page.text)).toHaveLength(2);
    expect(page.text).not.toContain('Riverside College');
    expect(page.text).toContain('<input type="hidden" name="return" value="http://localhost:8080/Shibboleth.sso/Login?SAMLDS=1&#38;target=%2Fx">');

    const chosen = await request(handle).get(oasis({ login: 'pku-idp' }));
    expect(chosen.status).toBe(303);
    const location = new URL(chosen.headers.location ?? '');
    expect(location.origin + location.pathname).toBe('http://localhost:8080/Shibboleth.sso/Login');
    expect(location.searchParams.get('SAMLDS')).toBe('1');
    expect(location.searchParams.get('target')).toBe('/x');
    expect(location.searchParams.get('entityID')).toBe(PKU_IDP);
    expect(rememberedCookie(chosen)?.value).toBe('pku-idp');
  });

  test('returnIDParam names the parameter; the single policy is accepted', async () => {
    const res = await request(handle).get(oasis({ login: 'thu-idp', returnIDParam: 'idp', policy: 'urn:oasis:names:tc:SAML:profiles:SSO:idp-discovery-protocol:single' }));
    expect(res.status).toBe(303);
    const location = new URL(res.headers.location ?? '');
    expect(location.searchParams.get('idp')).toBe(THU_IDP);
    expect(location.searchParams.has('entityID')).toBe(false);
  });

  test('a return URL on another origin is refused with a readable 400', async () => {
    for (const evil of ['https://evil.example/Shibboleth.sso/Login', '//evil.example/x', 'http://localhost:8081/x', 'javascript:alert(1)', '']) {
      const res = await request(handle).get(`/ds?${new URLSearchParams({ entityID: SP_ENTITY, return: evil, login: 'pku-idp' })}`).set('Accept-Language', 'en');
      expect(res.status).toBe(400);
      expect(res.headers.location).toBeUndefined();
      expect(res.text).toContain('is not part of this gateway, so Passway will not send you there');
    }
  });

  test('a request without entityID, or with an unknown policy, is refused', async () => {
    const noEntity = await request(handle).get(`/ds?${new URLSearchParams({ return: ret })}`).set('Accept-Language', 'en');
    expect(noEntity.status).toBe(400);
    expect(noEntity.text).toContain('missing the parameter entityID');
    const policy = await request(handle).get(oasis({ policy: 'urn:example:other' })).set('Accept-Language', 'en');
    expect(policy.status).toBe(400);
    expect(policy.text).toContain('urn:example:other is not supported');
  });

  test('isPassive=true answers at once: with the remembered IdP, or without the parameter', async () => {
    const known = await request(handle).get(oasis({ isPassive: 'true' })).set('Cookie', 'passway_idp=thu-idp');
    expect(known.status).toBe(303);
    expect(new URL(known.headers.location ?? '').searchParams.get('entityID')).toBe(THU_IDP);

    const unknown = await request(handle).get(oasis({ isPassive: 'true' }));
    expect(unknown.status).toBe(303);
    expect(unknown.headers.location).toBe(ret);

    // A remembered CAS login names no SAML IdP: passive discovery returns without one.
    const cas = await request(handle).get(oasis({ isPassive: 'true' })).set('Cookie', 'passway_idp=river-cas');
    expect(cas.headers.location).toBe(ret);
  });
});

describe('as a client of an external discovery service', () => {
  let handle: Handle;
  beforeAll(() => (handle = gatewayWith({ discovery: { externalServiceUrl: 'https://ds.carsi.edu.cn/ds/index.html?lang=zh' } })));

  test('/ds sends the user to the external service with our entityID and a /ds/return that keeps returnTo', async () => {
    const res = await request(handle).get('/ds?returnTo=%2Fgo%2Fcnki');
    expect(res.status).toBe(303);
    const location = new URL(res.headers.location ?? '');
    expect(location.origin + location.pathname).toBe('https://ds.carsi.edu.cn/ds/index.html');
    expect(location.searchParams.get('lang')).toBe('zh');
    expect(location.searchParams.get('entityID')).toBe(SP_ENTITY);
    expect(location.searchParams.get('returnIDParam')).toBe('entityID');
    expect(location.searchParams.get('return')).toBe('http://localhost:8080/ds/return?returnTo=%2Fgo%2Fcnki');
  });

  test('the SP entityID is saml.entityID when configured', async () => {
    const own = gatewayWith({ discovery: { externalServiceUrl: 'https://ds.example.org/ds' }, saml: { entityID: 'https://gw.lib.example.edu/shibboleth' } });
    const res = await request(own).get('/ds');
    expect(new URL(res.headers.location ?? '').searchParams.get('entityID')).toBe('https://gw.lib.example.edu/shibboleth');
  });

  test('/ds/return maps the chosen IdP to its login and continues there', async () => {
    const res = await request(handle).get(`/ds/return?returnTo=%2Fgo%2Fcnki&entityID=${encodeURIComponent(THU_IDP)}`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/auth/thu-idp/login?returnTo=%2Fgo%2Fcnki');
    expect(rememberedCookie(res)?.value).toBe('thu-idp');
  });

  test('an IdP not configured in Passway gets a readable page with the contact', async () => {
    const res = await request(handle).get(`/ds/return?returnTo=%2Fx&entityID=${encodeURIComponent('https://idp.fudan.edu.cn/idp/shibboleth')}`).set('Accept-Language', 'en');
    expect(res.status).toBe(404);
    expect(res.text).toContain('<h1>Institution not set up</h1>');
    expect(res.text).toContain('(https://idp.fudan.edu.cn/idp/shibboleth) is not set up in Passway');
    expect(res.text).toContain('href="mailto:eresources@lib.example.edu"');
    expect(res.text).toContain('href="/ds?returnTo=%2Fx"');
    const zh = await request(handle).get('/ds/return?entityID=x').set('Accept-Language', 'zh-CN');
    expect(zh.text).toContain('尚未在 Passway 中开通');
  });

  test('/ds/return without a choice, or with a foreign returnTo, stays on this gateway', async () => {
    const none = await request(handle).get('/ds/return?returnTo=%2F%2Fevil.example').set('Accept-Language', 'en');
    expect(none.status).toBe(400);
    expect(none.text).toContain('No institution was chosen.');
    const evil = await request(handle).get(`/ds/return?returnTo=%2F%2Fevil.example&entityID=${encodeURIComponent(PKU_IDP)}`);
    expect(evil.headers.location).toBe('/auth/pku-idp/login?returnTo=%2F');
  });

  test('?login= and a known ?entityID= still skip the external service', async () => {
    const res = await request(handle).get('/ds?login=river-cas');
    expect(res.headers.location).toBe('/auth/river-cas/login?returnTo=%2F');
  });
});

describe('cookie and single-login settings', () => {
  test('with one login configured the page is skipped', async () => {
    const handle = gatewayWith({ logins: [federation.logins[2]!] });
    const res = await request(handle).get('/ds?returnTo=%2Fx%3Fy%3D1');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/auth/river-cas/login?returnTo=%2Fx%3Fy%3D1');
  });

  test('the cookie is Secure behind https, and not set at all with rememberDays: 0', async () => {
    const https = gatewayWith({ server: { publicUrl: 'https://gw.lib.example.edu' }, discovery: { rememberDays: 7 } });
    const secure = rememberedCookie(await request(https).get('/ds?login=pku-idp'));
    expect(secure).toMatchObject({ secure: true, maxAge: 7 * 86_400 });
    const forgetful = gatewayWith({ discovery: { rememberDays: 0 } });
    expect(rememberedCookie(await request(forgetful).get('/ds?login=pku-idp'))).toBeUndefined();
  });

  test('the portal sign-in link carries the current page as returnTo', async () => {
    const res = await request(gatewayWith()).get('/?subject=law');
    expect(res.text).toContain('href="/ds?returnTo=%2F%3Fsubject%3Dlaw"');
  });
});
