/**
 * The demo federation servers over real HTTP on 127.0.0.1: WAYFless sign-in through the demo SAML
 * vendor and the demo IdP, response checks, key reuse, and the plain vendor's proxy-hostile artefacts.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { deflateRawSync, gunzipSync, inflateRawSync } from 'node:zlib';
import * as samlify from 'samlify';
import { loadOrCreateKeyPair } from '../../demo/keys';
import {
  DEMO_PDF,
  DEMO_USERS,
  type DemoFederation,
  OID,
  PLAIN_VENDOR_COOKIE,
  startDemoFederation,
  startDemoIdp,
  startDemoSamlVendor,
} from '../../demo';

/** A browser's cookie store for one host: all demo servers are on localhost, and cookies ignore ports. */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const expired = attrs.some((a) => /^\s*expires=.*1970/i.test(a));
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1).trim());
    }
  }

  has(name: string): boolean {
    return this.cookies.has(name);
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

async function get(url: string, jar?: CookieJar, headers: Record<string, string> = {}): Promise<Response> {
  const res = await fetch(url, { redirect: 'manual', headers: { ...headers, ...(jar ? { cookie: jar.header() } : {}) } });
  jar?.store(res);
  return res;
}

async function post(url: string, form: Record<string, string>, jar?: CookieJar): Promise<Response> {
  const res = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams(form),
    headers: jar ? { cookie: jar.header() } : {},
  });
  jar?.store(res);
  return res;
}

/** Raw bytes and headers, without fetch's transparent decompression. */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

function unescapeHtml(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** The first form of a page: its action and its hidden fields. */
function parseForm(html: string): { action: string; fields: Record<string, string> } {
  const action = /<form[^>]*action="([^"]*)"/.exec(html)?.[1];
  if (action === undefined) throw new Error(`no form in page:\n${html}`);
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields[unescapeHtml(m[1] ?? '')] = unescapeHtml(m[2] ?? '');
  }
  return { action: unescapeHtml(action), fields };
}

function decodeRedirectRequest(location: string): string {
  const encoded = new URL(location).searchParams.get('SAMLRequest') ?? '';
  return inflateRawSync(Buffer.from(encoded, 'base64')).toString('utf8');
}

function attributeValues(xml: string, oid: string): string[] {
  const attr = new RegExp(`<saml:Attribute Name="${oid.replace(/\./g, '\\.')}"[^>]*>(.*?)</saml:Attribute>`).exec(xml)?.[1] ?? '';
  return [...attr.matchAll(/<saml:AttributeValue[^>]*>([^<]*)<\/saml:AttributeValue>/g)].map((m) => m[1] ?? '');
}

let fed: DemoFederation;
let stateDir: string;

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-demo-'));
  fed = await startDemoFederation({ host: '127.0.0.1', stateDir });
});

afterAll(async () => {
  await fed?.close();
  await rm(stateDir, { recursive: true, force: true });
});

function wayflessUrl(target: string, idpEntityID = fed.idp.entityID): string {
  return fed.samlVendor.wayflessTemplate
    .replace('{entityID}', encodeURIComponent(idpEntityID))
    .replace('{targetEncoded}', encodeURIComponent(target));
}

/** Follow a WAYFless link to the IdP; returns the IdP's page and the AuthnRequest it answers. */
async function startSignIn(jar: CookieJar, target: string): Promise<{ idpPage: Response; requestXml: string; requestId: string }> {
  const toIdp = await get(wayflessUrl(target), jar);
  expect(toIdp.status).toBe(302);
  const location = toIdp.headers.get('location') ?? '';
  const requestXml = decodeRedirectRequest(location);
  const requestId = /<samlp:AuthnRequest[^>]* ID="([^"]+)"/.exec(requestXml)?.[1] ?? '';
  return { idpPage: await get(location, jar), requestXml, requestId };
}

/** WAYFless link → IdP login form → correct password; returns the auto-POST form for the vendor. */
async function signInAtIdp(jar: CookieJar, username: string, target: string) {
  const { idpPage, requestId } = await startSignIn(jar, target);
  const user = DEMO_USERS.find((u) => u.username === username);
  const { fields } = parseForm(await idpPage.text());
  const answer = await post(`${fed.idp.url}/login`, { ticket: fields.ticket ?? '', username, password: user?.password ?? '' }, jar);
  expect(answer.status).toBe(200);
  const form = parseForm(await answer.text());
  return { ...form, requestId, xml: Buffer.from(form.fields.SAMLResponse ?? '', 'base64').toString('utf8') };
}

describe('WAYFless sign-in through the demo SAML vendor and the demo IdP', () => {
  test('a faculty member signs in: signed AuthnRequest, login form, signed response, vendor session', async () => {
    const jar = new CookieJar();
    const target = `${fed.samlVendor.url}/article/1`;

    const before = await (await get(target, jar)).text();
    expect(before).toContain('Sign in through your institution');
    expect(before).not.toContain('id="full-text"');

    // Vendor → IdP: signed HTTP-Redirect AuthnRequest carrying the target as RelayState.
    const toIdp = await get(wayflessUrl(target), jar);
    expect(toIdp.status).toBe(302);
    const location = new URL(toIdp.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(fed.idp.ssoUrl);
    expect(location.searchParams.get('RelayState')).toBe(target);
    expect(location.searchParams.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    expect(location.searchParams.get('Signature')).toBeTruthy();
    const requestXml = decodeRedirectRequest(location.href);
    expect(requestXml).toContain(`<saml:Issuer>${fed.samlVendor.entityID}</saml:Issuer>`);
    expect(requestXml).toContain(`AssertionConsumerServiceURL="${fed.samlVendor.url}/Shibboleth.sso/SAML2/POST"`);
    const requestId = /ID="([^"]+)"/.exec(requestXml)?.[1];

    // IdP login form, listing the demo accounts.
    const loginPage = await get(location.href, jar);
    expect(loginPage.status).toBe(200);
    const loginHtml = await loginPage.text();
    expect(loginHtml).toContain('name="viewport"');
    expect(loginHtml).toContain('DEMO');
    expect(loginHtml).toContain('faculty-demo');
    expect(loginHtml).toContain('张伟 Zhang Wei');
    expect(loginHtml).toContain(fed.samlVendor.entityID);
    const loginForm = parseForm(loginHtml);
    const loginUrl = new URL(loginForm.action, location).href;
    expect(loginUrl).toBe(`${fed.idp.url}/login`);
    const ticket = loginForm.fields.ticket ?? '';
    expect(ticket).not.toBe('');

    // Wrong password: the form again, no response, no IdP session.
    const wrong = await post(loginUrl, { ticket, username: 'faculty', password: 'student-demo' }, jar);
    expect(wrong.status).toBe(401);
    const wrongHtml = await wrong.text();
    expect(wrongHtml).toContain('Wrong username or password');
    expect(wrongHtml).toContain('name="password"');
    expect(wrongHtml).not.toContain('SAMLResponse');
    expect(jar.has('demo_idp_session')).toBe(false);

    // Right password: an auto-submitting form to the vendor's ACS.
    const right = await post(loginUrl, { ticket, username: 'faculty', password: 'faculty-demo' }, jar);
    expect(right.status).toBe(200);
    expect(jar.has('demo_idp_session')).toBe(true);
    const form = parseForm(await right.text());
    expect(form.action).toBe(`${fed.samlVendor.url}/Shibboleth.sso/SAML2/POST`);
    expect(form.fields.RelayState).toBe(target);
    const xml = Buffer.from(form.fields.SAMLResponse ?? '', 'base64').toString('utf8');

    // The response itself.
    expect(xml.match(/<ds:Signature /g)).toHaveLength(2); // response and assertion
    expect(xml).toContain('Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"');
    expect(xml).toMatch(new RegExp(`^<samlp:Response [^>]*Destination="${form.action}" InResponseTo="${requestId}"`));
    expect(xml).toContain(`<saml:Audience>${fed.samlVendor.entityID}</saml:Audience>`);
    expect(xml).toContain(`Recipient="${form.action}" InResponseTo="${requestId}"`);
    expect(xml).toContain('Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"');
    expect(xml).toMatch(/<saml:AuthnStatement AuthnInstant="[^"]+" SessionIndex="_[0-9a-f]+">/);
    const notBefore = Date.parse(/NotBefore="([^"]+)"/.exec(xml)?.[1] ?? '');
    const notOnOrAfter = Date.parse(/<saml:Conditions [^>]*NotOnOrAfter="([^"]+)"/.exec(xml)?.[1] ?? '');
    expect(notOnOrAfter - notBefore).toBe(5 * 60 * 1000);
    expect(attributeValues(xml, OID.eduPersonScopedAffiliation)).toEqual(['faculty@demo.edu.cn', 'member@demo.edu.cn']);
    expect(attributeValues(xml, OID.eduPersonAffiliation)).toEqual(['faculty', 'member']);
    expect(attributeValues(xml, OID.eduPersonEntitlement)).toEqual(['urn:mace:dir:entitlement:common-lib-terms']);
    expect(attributeValues(xml, OID.eduPersonPrincipalName)).toEqual(['faculty@demo.edu.cn']);
    expect(attributeValues(xml, OID.displayName)).toEqual(['张伟 Zhang Wei']);
    expect(attributeValues(xml, OID.mail)).toEqual(['zhang.wei@demo.edu.cn']);
    expect(xml).toContain('NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"');

    // POST to the vendor's ACS: session cookie, redirect to the target, signed-in page.
    const acs = await post(form.action, form.fields, jar);
    expect(acs.status).toBe(302);
    expect(acs.headers.get('location')).toBe(target);
    expect(jar.has('demo_journal_session')).toBe(true);
    const article = await (await get(target, jar)).text();
    const nameID = /<saml:NameID [^>]*>([^<]+)<\/saml:NameID>/.exec(xml)?.[1] ?? '';
    expect(article).toContain(
      `Signed in through <code>${fed.idp.entityID}</code> as <strong>faculty@demo.edu.cn, member@demo.edu.cn</strong> (<code>${nameID}</code>)`,
    );
    expect(article).toContain('id="full-text"');
  });

  test('the IdP keeps an SSO session and issues a stable persistent NameID per user and SP', async () => {
    const jar = new CookieJar();
    const first = await signInAtIdp(jar, 'student', `${fed.samlVendor.url}/article/2`);
    // Second WAYFless launch: no login form, the IdP answers at once.
    const { idpPage, requestId } = await startSignIn(jar, `${fed.samlVendor.url}/article/3`);
    const again = parseForm(await idpPage.text());
    expect(again.fields.ticket).toBeUndefined();
    const xml = Buffer.from(again.fields.SAMLResponse ?? '', 'base64').toString('utf8');
    expect(xml).toContain(`InResponseTo="${requestId}"`);
    const nameIdOf = (x: string): string => /<saml:NameID [^>]*>([^<]+)</.exec(x)?.[1] ?? '';
    expect(nameIdOf(xml)).toBe(nameIdOf(first.xml));
    expect(nameIdOf(xml)).not.toContain('student');

    const other = await signInAtIdp(new CookieJar(), 'staff', `${fed.samlVendor.url}/`);
    expect(nameIdOf(other.xml)).not.toBe(nameIdOf(xml));
  });

  test('a tampered response is refused with 403; the genuine one is accepted once, then refused as a replay', async () => {
    const jar = new CookieJar();
    const target = `${fed.samlVendor.url}/article/2`;
    const { action, fields, xml } = await signInAtIdp(jar, 'student', target);
    const tamperedXml = xml.replace('>student@demo.edu.cn<', '>faculty@demo.edu.cn<');
    expect(tamperedXml).not.toBe(xml);

    const tampered = await post(action, { ...fields, SAMLResponse: Buffer.from(tamperedXml).toString('base64') }, jar);
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain('FAILED_TO_VERIFY_SIGNATURE');
    expect(jar.has('demo_journal_session')).toBe(false);

    const genuine = await post(action, fields, jar);
    expect(genuine.status).toBe(302);
    expect(await (await get(target, jar)).text()).toContain('as <strong>student@demo.edu.cn, member@demo.edu.cn</strong>');

    const replay = await post(action, fields, new CookieJar());
    expect(replay.status).toBe(403);
    expect(await replay.text()).toContain('InResponseTo');
  });

  test('the vendor checks audience and InResponseTo of correctly signed responses', async () => {
    const jar = new CookieJar();
    const { requestId } = await startSignIn(jar, `${fed.samlVendor.url}/`);
    const acs = `${fed.samlVendor.url}/Shibboleth.sso/SAML2/POST`;

    const wrongAudience = await fed.idp.buildResponse({
      spEntityID: fed.samlVendor.entityID, username: 'faculty', inResponseTo: requestId, audience: 'https://elsewhere.example/shibboleth',
    });
    const res1 = await post(acs, { SAMLResponse: wrongAudience.samlResponse }, jar);
    expect(res1.status).toBe(403);
    expect(await res1.text()).toContain('https://elsewhere.example/shibboleth');

    const unsolicited = await fed.idp.buildResponse({ spEntityID: fed.samlVendor.entityID, username: 'faculty' });
    expect(unsolicited.xml).not.toContain('InResponseTo');
    const res2 = await post(acs, { SAMLResponse: unsolicited.samlResponse }, jar);
    expect(res2.status).toBe(403);

    // The same request ID with a proper response still works (the failures did not consume it).
    const good = await fed.idp.buildResponse({ spEntityID: fed.samlVendor.entityID, username: 'alum', inResponseTo: requestId });
    expect(attributeValues(good.xml, OID.eduPersonEntitlement)).toEqual([]);
    expect(attributeValues(good.xml, OID.eduPersonScopedAffiliation)).toEqual(['alum@demo.edu.cn']);
    const res3 = await post(acs, { SAMLResponse: good.samlResponse, RelayState: `${fed.samlVendor.url}/article/3` }, jar);
    expect(res3.status).toBe(302);
    expect(await (await get(`${fed.samlVendor.url}/article/3`, jar)).text()).toContain('as <strong>alum@demo.edu.cn</strong>');
  });

  test('the vendor refuses unknown IdPs and off-site targets', async () => {
    const unknown = await get(wayflessUrl(`${fed.samlVendor.url}/`, 'https://idp.unknown.example/idp/shibboleth'));
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('https://idp.unknown.example/idp/shibboleth');

    const offsite = await get(wayflessUrl('https://evil.example/steal'));
    expect(offsite.status).toBe(302);
    expect(new URL(offsite.headers.get('location') ?? '').searchParams.get('RelayState')).toBe(`${fed.samlVendor.url}/`);
  });

  test('the IdP refuses unknown SPs and unsigned AuthnRequests with a readable 400 page', async () => {
    const authnRequest = (issuer: string): string =>
      `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_test1" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${fed.idp.ssoUrl}"><saml:Issuer>${issuer.replace(/</g, '&lt;').replace(/>/g, '&gt;')}</saml:Issuer></samlp:AuthnRequest>`;

    const unknown = await post(fed.idp.ssoUrl, { SAMLRequest: Buffer.from(authnRequest('https://sp.unknown.example/<sp>')).toString('base64') });
    expect(unknown.status).toBe(400);
    const unknownHtml = await unknown.text();
    expect(unknownHtml).toContain('Unknown service provider');
    expect(unknownHtml).toContain('https://sp.unknown.example/&lt;sp&gt;');

    const unsigned = deflateRawSync(authnRequest(fed.samlVendor.entityID)).toString('base64');
    const res = await get(`${fed.idp.ssoUrl}?SAMLRequest=${encodeURIComponent(unsigned)}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('ERR_MISSING_SIG_ALG');
  });
});

describe('demo IdP trust and bindings', () => {
  test('a signed HTTP-POST AuthnRequest from an SP trusted by metadata XML; RelayState comes back unchanged', async () => {
    const keys = await loadOrCreateKeyPair(path.join(stateDir, 'test-sp'), 'Test SP');
    const sp = samlify.ServiceProvider({
      entityID: 'https://sp.post.example/sp',
      privateKey: keys.privateKeyPem,
      signingCert: keys.certificatePem,
      authnRequestsSigned: true,
      assertionConsumerService: [{ Binding: samlify.Constants.namespace.binding.post, Location: 'https://sp.post.example/acs' }],
    });
    fed.idp.trustSpMetadataXml(sp.getMetadata());
    const idpEntity = samlify.IdentityProvider({ metadata: await (await get(fed.idp.metadataUrl)).text() });
    const relayState = 'ss:mem:a&b=c <"x">';
    const request = sp.createLoginRequest(idpEntity, 'post', { relayState }) as { context: string; entityEndpoint: string };
    expect(request.entityEndpoint).toBe(fed.idp.ssoUrl);

    const jar = new CookieJar();
    const loginPage = await post(request.entityEndpoint, { SAMLRequest: request.context, RelayState: relayState }, jar);
    expect(loginPage.status).toBe(200);
    const { fields } = parseForm(await loginPage.text());
    const answer = await post(`${fed.idp.url}/login`, { ticket: fields.ticket ?? '', username: 'staff', password: 'staff-demo' }, jar);
    const form = parseForm(await answer.text());
    expect(form.action).toBe('https://sp.post.example/acs');
    expect(form.fields.RelayState).toBe(relayState);
    const xml = Buffer.from(form.fields.SAMLResponse ?? '', 'base64').toString('utf8');
    // The SP's metadata does not ask for signed assertions; the IdP signs them anyway (and the response).
    expect(xml.match(/<ds:Signature /g)).toHaveLength(2);
    expect(attributeValues(xml, OID.eduPersonScopedAffiliation)).toEqual(['staff@demo.edu.cn', 'member@demo.edu.cn']);
    // ...and the SP can verify it.
    const parsed = await sp.parseLoginResponse(idpEntity, 'post', { body: { SAMLResponse: form.fields.SAMLResponse } });
    expect(parsed.extract.audience).toBe('https://sp.post.example/sp');
  });

  test('SP metadata URLs are fetched lazily, so an SP may start after the IdP', async () => {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const spEntityID = `http://localhost:${port}/shibboleth`;

    const idp = await startDemoIdp({ host: '127.0.0.1', port: 0, stateDir, trustedSpMetadataUrls: [`http://localhost:${port}/Shibboleth.sso/Metadata`] });
    try {
      const early = `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_early" Version="2.0" IssueInstant="${new Date().toISOString()}"><saml:Issuer>${spEntityID}</saml:Issuer></samlp:AuthnRequest>`;
      const before = await post(idp.ssoUrl, { SAMLRequest: Buffer.from(early).toString('base64') });
      expect(before.status).toBe(400);
      expect(await before.text()).toContain('Unknown service provider');

      const vendor = await startDemoSamlVendor({ host: '127.0.0.1', port, stateDir, idpMetadataUrls: [idp.metadataUrl] });
      try {
        expect(vendor.entityID).toBe(spEntityID);
        const toIdp = await get(vendor.wayflessTemplate.replace('{entityID}', encodeURIComponent(idp.entityID)).replace('{targetEncoded}', ''));
        const loginPage = await get(toIdp.headers.get('location') ?? '');
        expect(loginPage.status).toBe(200);
        expect(await loginPage.text()).toContain('name="ticket"');
      } finally {
        await vendor.close();
      }
    } finally {
      await idp.close();
    }
  });

  test('publicUrl changes the URLs the IdP publishes', async () => {
    const idp = await startDemoIdp({ host: '127.0.0.1', port: 0, stateDir, publicUrl: 'http://idp.demo.test:9443/' });
    try {
      expect(idp.entityID).toBe('http://idp.demo.test:9443/idp');
      const xml = await (await get(`http://127.0.0.1:${idp.port}/metadata`)).text();
      expect(xml).toContain('Location="http://idp.demo.test:9443/sso"');
    } finally {
      await idp.close();
    }
  });

  test('a federation on public URLs only browsers resolve still links up: the servers fetch metadata locally', async () => {
    const other = await startDemoFederation({
      stateDir,
      publicUrls: { idp: 'http://idp.demo.test:1', samlVendor: 'http://journals.demo.test:2', plainVendor: 'http://demo:8083' },
    });
    try {
      expect(other.samlVendor.entityID).toBe('http://journals.demo.test:2/shibboleth');
      // The vendor's WAYFless login fetches the IdP's metadata (from 127.0.0.1) and redirects there (by its public URL).
      const login = await get(`http://127.0.0.1:${other.samlVendor.port}/Shibboleth.sso/Login?entityID=${encodeURIComponent(other.idp.entityID)}`);
      expect(login.status).toBe(302);
      expect(login.headers.get('location')).toMatch(/^http:\/\/idp\.demo\.test:1\/sso\?SAMLRequest=/);
      const home = await get(`http://127.0.0.1:${other.plainVendor.port}/`);
      expect(await home.text()).toContain('href="http://demo:8083/article/1"');
      expect(home.headers.get('content-security-policy')).toContain("img-src 'self' http://demo:8083");
      const js = await (await get(`http://127.0.0.1:${other.plainVendor.port}/static/app.js`)).text();
      expect(js).not.toContain('demo:8083');
      expect(js).toContain("var host = 'demo:' + '8083';");
    } finally {
      await other.close();
    }
  });

  test('SAML schema validation leaves no process listeners behind', async () => {
    const exceptionListeners = process.listenerCount('uncaughtException');
    const drainListeners = process.stdout.listenerCount('drain');
    await signInAtIdp(new CookieJar(), 'faculty', `${fed.samlVendor.url}/`); // validates an AuthnRequest
    expect(process.listenerCount('uncaughtException')).toBe(exceptionListeners);
    expect(process.stdout.listenerCount('drain')).toBe(drainListeners);
  });
});

describe('demo IdP keys and metadata', () => {
  test('metadata carries the scope, display names, endpoints and the signing certificate', async () => {
    const res = await get(fed.idp.metadataUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/samlmetadata+xml');
    const xml = await res.text();
    expect(xml).toContain(`entityID="${fed.idp.entityID}"`);
    expect(xml).toContain('<shibmd:Scope regexp="false">demo.edu.cn</shibmd:Scope>');
    expect(xml).toContain('<mdui:DisplayName xml:lang="zh">演示大学</mdui:DisplayName>');
    expect(xml).toContain('<mdui:DisplayName xml:lang="en">Demo University</mdui:DisplayName>');
    expect(xml).toContain(`Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${fed.idp.ssoUrl}"`);
    expect(xml).toContain(`Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${fed.idp.ssoUrl}"`);
    const certBody = fed.idp.certificatePem.replace(/-----[^-]+-----|\s/g, '');
    expect(xml).toContain(`<ds:X509Certificate>${certBody}</ds:X509Certificate>`);
    // samlify (as Passway's SP will) reads it.
    const parsed = samlify.IdentityProvider({ metadata: xml });
    expect(parsed.entityMeta.getEntityID()).toBe(fed.idp.entityID);
    expect(parsed.entityMeta.isWantAuthnRequestsSigned()).toBe(true);
  });

  test('keys are generated once into the state directory and reused on the next start', async () => {
    expect(existsSync(path.join(stateDir, 'demo-idp', 'key.pem'))).toBe(true);
    expect(existsSync(path.join(stateDir, 'demo-idp', 'cert.pem'))).toBe(true);
    expect(existsSync(path.join(stateDir, 'demo-saml-vendor', 'key.pem'))).toBe(true);

    const again = await startDemoIdp({ host: '127.0.0.1', port: 0, stateDir });
    const vendorAgain = await startDemoSamlVendor({ host: '127.0.0.1', port: 0, stateDir, idpMetadataUrls: [] });
    const otherDir = await mkdtemp(path.join(os.tmpdir(), 'passway-demo-other-'));
    const fresh = await startDemoIdp({ host: '127.0.0.1', port: 0, stateDir: otherDir });
    try {
      expect(again.port).not.toBe(fed.idp.port);
      expect(again.certificatePem).toBe(fed.idp.certificatePem);
      expect(fresh.certificatePem).not.toBe(fed.idp.certificatePem);
      const certOf = async (url: string): Promise<string> => /<ds:X509Certificate>([^<]+)</.exec(await (await get(url)).text())?.[1] ?? '';
      expect(await certOf(vendorAgain.metadataUrl)).toBe(await certOf(fed.samlVendor.metadataUrl));
    } finally {
      await Promise.all([again.close(), vendorAgain.close(), fresh.close()]);
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  test('persistent NameIDs differ between SPs for the same user', async () => {
    const otherSp = samlify.ServiceProvider({
      entityID: 'https://sp.other.example/shibboleth',
      assertionConsumerService: [{ Binding: samlify.Constants.namespace.binding.post, Location: 'https://sp.other.example/acs' }],
    });
    expect(fed.idp.trustSpMetadataXml(otherSp.getMetadata())).toBe('https://sp.other.example/shibboleth');
    const here = await fed.idp.buildResponse({ spEntityID: fed.samlVendor.entityID, username: 'faculty' });
    const there = await fed.idp.buildResponse({ spEntityID: 'https://sp.other.example/shibboleth', username: 'faculty', relayState: 'x' });
    expect(there.acsUrl).toBe('https://sp.other.example/acs');
    expect(there.relayState).toBe('x');
    expect(there.nameID).not.toBe(here.nameID);
    expect((await fed.idp.buildResponse({ spEntityID: fed.samlVendor.entityID, username: 'faculty' })).nameID).toBe(here.nameID);
  });
});

describe('demo plain vendor artefacts', () => {
  test('home page: links of every kind, srcset, stylesheet, scripts, JSON-escaped URL and a session cookie', async () => {
    const { url, port } = fed.plainVendor;
    const res = await get(`${url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([`${PLAIN_VENDOR_COOKIE.name}=${PLAIN_VENDOR_COOKIE.value}; Path=/; HttpOnly; SameSite=Lax`]);
    const html = await res.text();
    expect(html).toContain(`href="${url}/article/1"`);
    expect(html).toContain('href="article/2"');
    expect(html).toContain('href="/article/3"');
    expect(html).toContain(`srcset="/static/cover.png 1x, ${url}/static/cover.png 2x"`);
    expect(html).toContain('<link rel="stylesheet" href="/static/style.css">');
    expect(html).toContain('<script src="/static/app.js" defer></script>');
    expect(html).toContain(`"searchApi":"http:\\/\\/localhost:${port}\\/api\\/search"`);
    expect(html).toContain('<form id="search" method="post" action="/search">');
    expect(await (await get(`${url}/`)).text()).toBe(html); // deterministic
  });

  test('CSS, image, script and JSON endpoints', async () => {
    const { url, port } = fed.plainVendor;
    const css = await (await get(`${url}/static/style.css`)).text();
    expect(css).toContain('@import url("extra.css");');
    expect(css).toContain('url(/static/bg.png)');
    expect(await (await get(`${url}/static/extra.css`)).text()).toContain('url(../static/bg.png)');
    const png = await get(`${url}/static/bg.png`);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await png.arrayBuffer()).subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    const js = await (await get(`${url}/static/app.js`)).text();
    expect(js).not.toContain(`localhost:${port}`); // assembled from parts at run time
    expect(js).toMatch(/var host = 'local[a-z]*' \+ '[a-z]*:\d+';/);
    const data = (await (await get(`${url}/api/data.json`)).json()) as { article: string };
    expect(data.article).toBe(`${url}/article/42`);
    const search = (await (await get(`${url}/api/search?q=x`)).json()) as { results: { url: string }[] };
    expect(search.results[0]?.url).toBe(`${url}/article/1`);
  });

  test('redirect, meta refresh, cookie echo and the POST search form', async () => {
    const { url } = fed.plainVendor;
    const redirect = await get(`${url}/go-to-article`);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe(`${url}/article/42`);
    expect(await (await get(`${url}/refresh`)).text()).toContain(`<meta http-equiv="refresh" content="1; url=${url}/article/1">`);

    const jar = new CookieJar();
    expect(await (await get(`${url}/whoami`, jar)).text()).toContain('No vendor_session cookie came back.');
    await get(`${url}/`, jar);
    expect(await (await get(`${url}/whoami`, jar)).text()).toContain(`vendor_session cookie came back: ${PLAIN_VENDOR_COOKIE.value}`);

    const results = await post(`${url}/search`, { q: '<script>alert("x")</script> & 期刊' });
    expect(results.status).toBe(200);
    const html = await results.text();
    expect(html).toContain('<q id="query">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 期刊</q>');
    expect(html).not.toContain('<script>alert');
  });

  test('the PDF is valid and served with Range support', async () => {
    const { url } = fed.plainVendor;
    const full = await rawGet(`${url}/article/42.pdf`);
    expect(full.status).toBe(200);
    expect(full.headers['content-type']).toBe('application/pdf');
    expect(full.headers['accept-ranges']).toBe('bytes');
    expect(full.body.equals(DEMO_PDF)).toBe(true);
    const text = full.body.toString('latin1');
    expect(text.startsWith('%PDF-1.4\n')).toBe(true);
    expect(text.endsWith('%%EOF\n')).toBe(true);
    // Every xref offset points at its object, and startxref at the table.
    const startxref = Number(/startxref\n(\d+)\n/.exec(text)?.[1]);
    expect(text.slice(startxref, startxref + 4)).toBe('xref');
    const offsets = [...text.slice(startxref).matchAll(/^(\d{10}) 00000 n $/gm)].map((m) => Number(m[1]));
    expect(offsets).toHaveLength(5);
    offsets.forEach((offset, i) => expect(text.slice(offset, offset + `${i + 1} 0 obj`.length)).toBe(`${i + 1} 0 obj`));

    const head = await rawGet(`${url}/article/42.pdf`, { range: 'bytes=0-7' });
    expect(head.status).toBe(206);
    expect(head.headers['content-range']).toBe(`bytes 0-7/${DEMO_PDF.length}`);
    expect(head.body.toString('latin1')).toBe('%PDF-1.4');
    const tail = await rawGet(`${url}/article/42.pdf`, { range: 'bytes=-6' });
    expect(tail.status).toBe(206);
    expect(tail.body.toString('latin1')).toBe('%%EOF\n');
    const beyond = await rawGet(`${url}/article/42.pdf`, { range: `bytes=${DEMO_PDF.length}-` });
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${DEMO_PDF.length}`);
  });

  test('/big is gzip-compressed only when the client accepts gzip', async () => {
    const { url } = fed.plainVendor;
    const zipped = await rawGet(`${url}/big`, { 'accept-encoding': 'gzip, deflate' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toBe('Accept-Encoding');
    const html = gunzipSync(zipped.body).toString('utf8');
    expect(html.length).toBeGreaterThan(90_000);
    expect(zipped.body.length).toBeLessThan(html.length / 4);
    expect(html).toContain(`<a href="${url}/article/900">`);

    const plain = await rawGet(`${url}/big`);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString('utf8')).toBe(html);
  });

  test('/gbk is served as GBK bytes', async () => {
    const res = await rawGet(`${fed.plainVendor.url}/gbk`);
    expect(res.headers['content-type']).toBe('text/html; charset=GBK');
    expect(res.body.includes(Buffer.from('d1ddcabec6dabfaf', 'hex'))).toBe(true); // 演示期刊
    expect(res.body.toString('utf8')).not.toContain('演示');
    const decoded = new TextDecoder('gbk').decode(res.body);
    expect(decoded).toContain('<meta charset="GBK">');
    expect(decoded).toContain('欢迎访问演示期刊。本页使用 GBK 编码。');
    expect(decoded).toContain(`<a href="${fed.plainVendor.url}/article/42">阅读全文</a>`);
  });
});
