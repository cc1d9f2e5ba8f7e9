/**
 * SAML Single Logout with samlify playing the IdP, in both directions and both bindings:
 * the gateway's signed LogoutRequest (Redirect, or POST when the IdP has only a POST endpoint)
 * verified by samlify and answered; the IdP's own LogoutRequest ending the session on every node
 * sharing Redis and answered with a signed LogoutResponse that samlify verifies; and the refusals
 * (unsigned, SHA-1, forged, replayed, misaddressed, unsolicited response), each leaving the
 * session alone.
 */
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import * as samlify from 'samlify';
import type { DemoIdpHandle } from '../../demo';
import { loadOrCreateKeyPair } from '../../demo/keys';
import '../../demo/saml'; // installs samlify's schema validator
import { RedisStore } from '../../gateway/store';
import { deletePrefix, REDIS_URL, testPrefix } from '../helpers/stores';
import { CookieJar, get, INSTITUTIONS, post, samlLogin, signInAtIdp, spKeyFiles, startGatewayNode, startIdp, type GatewayNode, type SpKeyFiles } from './saml-harness';

let stateDir: string;
let keys: SpKeyFiles;
let idp: DemoIdpHandle;
let prefix: string;
let stores: RedisStore[];
let node1: GatewayNode;
let node2: GatewayNode;
/** samlify as the IdP: the demo IdP's entity and key, so it may speak for the sign-ins the demo IdP made. */
let samlIdp: samlify.IdentityProviderInstance;
let sp: samlify.ServiceProviderInstance;
let otherKeyIdp: samlify.IdentityProviderInstance;
let sha1Idp: samlify.IdentityProviderInstance;
/** The gateway as samlify sees it, but with another SLO address: what the IdP would send to another SP. */
let elsewhere: samlify.ServiceProviderInstance;

let idpKeys: { privateKeyPem: string };

const PUBLIC = () => node1.url;

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-saml-slo-'));
  keys = await spKeyFiles(stateDir);
  idp = await startIdp(stateDir, []);
  prefix = testPrefix('saml-slo');
  stores = [new RedisStore({ url: REDIS_URL, keyPrefix: prefix }), new RedisStore({ url: REDIS_URL, keyPrefix: prefix })];
  const input = { institutions: INSTITUTIONS, logins: [samlLogin('demo-idp', idp)], saml: { signing: keys } };
  node1 = await startGatewayNode(input, { store: stores[0] });
  node2 = await startGatewayNode(input, { store: stores[1], publicUrl: node1.url }); // behind one address: one SLO URL
  idp.trustSpMetadataUrl(`${node1.url}/auth/saml/metadata`);

  idpKeys = await loadOrCreateKeyPair(path.join(stateDir, 'demo-idp'), 'Demo University IdP (DEMO)');
  const metadata = await readFile(idp.metadataFile, 'utf8');
  samlIdp = samlify.IdentityProvider({ metadata, privateKey: idpKeys.privateKeyPem, wantLogoutRequestSigned: true, wantLogoutResponseSigned: true });
  const otherKeys = await loadOrCreateKeyPair(path.join(stateDir, 'impostor'), 'Not the demo IdP');
  otherKeyIdp = samlify.IdentityProvider({ metadata, privateKey: otherKeys.privateKeyPem });
  const spMetadata = await (await get(`${node1.url}/auth/saml/metadata`)).text();
  sp = samlify.ServiceProvider({ metadata: spMetadata, wantLogoutRequestSigned: true, wantLogoutResponseSigned: true });
  elsewhere = samlify.ServiceProvider({ metadata: spMetadata.replaceAll(`${node1.url}/auth/saml/slo`, 'https://other-sp.example/slo'), wantLogoutRequestSigned: true });
  sha1Idp = samlify.IdentityProvider({ metadata, privateKey: idpKeys.privateKeyPem, requestSignatureAlgorithm: samlify.Constants.algorithms.signature.RSA_SHA1 });
});

afterAll(async () => {
  await node1?.close();
  await node2?.close();
  await Promise.all((stores ?? []).map((s) => s.close()));
  await deletePrefix(prefix);
  await idp?.close();
  await rm(stateDir, { recursive: true, force: true });
});

const sessionOf = async (node: GatewayNode, jar: CookieJar) => node.gateway.sessions.load({ headers: { cookie: jar.header() } } as IncomingMessage);

async function signedIn(username = 'faculty', node = node1) {
  const jar = new CookieJar();
  const { form } = await signInAtIdp(node.url, 'demo-idp', username, jar);
  expect((await post(form.action, form.fields, jar)).status).toBe(303);
  const campus = (await sessionOf(node, jar))?.data.campus as { nameID: string; sessionIndex: string; nameIDFormat: string };
  return { jar, campus };
}

/** Sign out at the gateway: the self-advancing page's target at the campus. */
async function signOut(node: GatewayNode, jar: CookieJar): Promise<string> {
  const token = /name="_csrf" value="([^"]+)"/.exec(await (await get(`${node.url}/`, jar)).text())?.[1] ?? '';
  const res = await post(`${node.url}/logout`, { _csrf: token }, jar);
  const page = await res.text();
  const target = /<meta http-equiv="refresh" content="0;url=([^"]+)">/.exec(page)?.[1];
  if (!target) throw new Error(`no way on to the IdP: HTTP ${res.status}\n${page}`);
  return target.replace(/&#38;/g, '&');
}

/** What samlify needs to verify a Redirect-binding message: the query and the signed octet string as sent. */
function redirectRequest(url: string, param: 'SAMLRequest' | 'SAMLResponse') {
  const query = url.slice(url.indexOf('?') + 1);
  const raw = new Map(query.split('&').map((pair) => [pair.split('=', 1)[0]!, pair] as const));
  const octetString = [param, 'RelayState', 'SigAlg'].map((n) => raw.get(n)).filter(Boolean).join('&');
  return { query: Object.fromEntries(new URL(url).searchParams), octetString };
}

/** An IdP-initiated LogoutRequest, as samlify's IdP sends it (Redirect binding), at node `node`. */
function idpLogoutUrl(node: GatewayNode, campus: { nameID: string; sessionIndex?: string }, signer = samlIdp, to = sp): string {
  const { context } = signer.createLogoutRequest(to, 'redirect', { logoutNameID: campus.nameID, sessionIndex: campus.sessionIndex }) as { context: string };
  // samlify addresses it to the public SLO URL; the load balancer may send it to any node.
  return context.replace(`${PUBLIC()}/`, `${node.url}/`).replace('https://other-sp.example/slo', `${node.url}/auth/saml/slo`);
}

describe('SP metadata', () => {
  test('lists the SingleLogoutService for both bindings', async () => {
    const xml = await (await get(`${node1.url}/auth/saml/metadata`)).text();
    expect(xml).toContain(`<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${node1.url}/auth/saml/slo"/>`);
    expect(xml).toContain(`<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${node1.url}/auth/saml/slo"/>`);
  });
});

describe('SP-initiated: the gateway signs out at the IdP', () => {
  test('Redirect binding: a LogoutRequest samlify verifies (NameID, SessionIndex), its LogoutResponse ends at the signed-out page', async () => {
    const { jar, campus } = await signedIn();
    expect(campus.sessionIndex).toMatch(/^_/);
    const target = await signOut(node1, jar);
    expect(target.startsWith(`${idp.url}/slo?SAMLRequest=`)).toBe(true);
    expect(new URL(target).searchParams.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    const parsed = await samlIdp.parseLogoutRequest(sp, 'redirect', redirectRequest(target, 'SAMLRequest'));
    expect(parsed.extract).toMatchObject({ nameID: campus.nameID, sessionIndex: campus.sessionIndex, issuer: `${node1.url}/auth/saml/metadata` });
    // Passway's own session ended before the IdP was asked.
    expect(await sessionOf(node1, jar)).toBeUndefined();

    const { context } = samlIdp.createLogoutResponse(sp, { extract: parsed.extract }, 'redirect', '') as { context: string };
    const back = await get(context.replace(`${PUBLIC()}/`, `${node2.url}/`), jar); // answered on the other node
    expect(back.status).toBe(303);
    const signedOut = await get(new URL(back.headers.get('location') ?? '', node1.url).href, jar, { 'accept-language': 'en' });
    expect(await signedOut.text()).toContain('Your campus sign-in at Demo University was ended too');
    // The pending request was used once.
    expect((await get(context.replace(`${PUBLIC()}/`, `${node1.url}/`), jar)).status).toBe(403);
  });

  test('a signed LogoutResponse that is not Success: the signed-out page says the campus sign-in may still be active and links to it', async () => {
    const { jar } = await signedIn();
    const target = await signOut(node1, jar);
    const parsed = await samlIdp.parseLogoutRequest(sp, 'redirect', redirectRequest(target, 'SAMLRequest'));
    const responder = 'urn:oasis:names:tc:SAML:2.0:status:Responder'; // the IdP could not end its sign-in
    const { context } = samlIdp.createLogoutResponse(sp, { extract: parsed.extract }, 'redirect', {
      customTagReplacement: (template: string) => {
        const id = `_${'f'.repeat(40)}`;
        const values = { ID: id, Destination: `${PUBLIC()}/auth/saml/slo`, Issuer: samlIdp.entityMeta.getEntityID(), IssueInstant: new Date().toISOString(), StatusCode: responder, InResponseTo: String(parsed.extract.request?.id) };
        return { id, context: samlify.SamlLib.replaceTagsByValue(template, values) };
      },
    }) as { context: string };
    expect(inflateRawSync(Buffer.from(new URL(context).searchParams.get('SAMLResponse') ?? '', 'base64')).toString()).toContain(responder);
    const back = await get(context.replace(`${PUBLIC()}/`, `${node2.url}/`), jar);
    expect(back.status).toBe(303);
    const page = await (await get(new URL(back.headers.get('location') ?? '', node1.url).href, jar, { 'accept-language': 'en' })).text();
    expect(page).toContain('Your campus sign-in at Demo University could not be ended from here and may still be active');
    expect(page).toContain(`href="${idp.url}`);
    expect(await sessionOf(node1, jar)).toBeUndefined(); // Passway's own session ended all the same
  });

  test('POST binding, when the IdP has only a POST SingleLogoutService: a signed LogoutRequest in a form, a POSTed LogoutResponse', async () => {
    const metadata = (await readFile(idp.metadataFile, 'utf8')).replace(/\s*<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"[^>]*\/>/, '');
    const postOnlyFile = path.join(stateDir, 'idp-post-only.xml');
    await writeFile(postOnlyFile, metadata);
    const postOnly = await startGatewayNode({ institutions: INSTITUTIONS, logins: [{ ...samlLogin('demo-idp', idp), metadataFile: postOnlyFile }], saml: { signing: keys } });
    try {
      idp.trustSpMetadataUrl(`${postOnly.url}/auth/saml/metadata`);
      const postSp = samlify.ServiceProvider({ metadata: await (await get(`${postOnly.url}/auth/saml/metadata`)).text(), wantLogoutRequestSigned: true, wantLogoutResponseSigned: true });
      const postIdp = samlify.IdentityProvider({ metadata, privateKey: idpKeys.privateKeyPem, wantLogoutRequestSigned: true });
      const { jar } = await signedIn('staff', postOnly);
      const token = /name="_csrf" value="([^"]+)"/.exec(await (await get(`${postOnly.url}/`, jar)).text())?.[1] ?? '';
      const form = await post(`${postOnly.url}/logout`, { _csrf: token }, jar);
      // Submitting it must not be blocked by the page's own CSP.
      expect(form.headers.get('content-security-policy')).toContain(`form-action 'self' ${new URL(idp.url).origin}`);
      const page = await form.text();
      expect(page).not.toContain('action="/logout"'); // nobody signed in any more
      const action = /<form method="post" action="([^"]+)">/.exec(page)?.[1]?.replace(/&#(\d+);/g, (_m, c: string) => String.fromCharCode(Number(c)));
      const samlRequest = /name="SAMLRequest" value="([^"]+)"/.exec(page)?.[1] ?? '';
      expect(action).toBe(`${idp.url}/slo`);
      const xml = Buffer.from(samlRequest, 'base64').toString('utf8');
      expect(xml).toContain('<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>');
      const parsed = await postIdp.parseLogoutRequest(postSp, 'post', { body: { SAMLRequest: samlRequest } });
      expect(parsed.extract.sessionIndex).toBeTruthy();
      const answer = postIdp.createLogoutResponse(postSp, { extract: parsed.extract }, 'post', '') as { context: string };
      const back = await post(`${postOnly.url}/auth/saml/slo`, { SAMLResponse: answer.context }, jar);
      expect(back.status).toBe(303);
      expect(back.headers.get('location')).toMatch(/^http:\/\/localhost:\d+\/signed-out\?o=ended/);
    } finally {
      await postOnly.close();
    }
  });
  test('an IdP without SingleLogoutService: signed out of Passway, and the page says the campus sign-in may still be active, with a link to it', async () => {
    const metadata = (await readFile(idp.metadataFile, 'utf8')).replace(/\s*<md:SingleLogoutService [^>]*\/>/g, '');
    const noSloFile = path.join(stateDir, 'idp-no-slo.xml');
    await writeFile(noSloFile, metadata);
    const noSlo = await startGatewayNode({ institutions: INSTITUTIONS, logins: [{ ...samlLogin('demo-idp', idp), metadataFile: noSloFile }], saml: { signing: keys } });
    try {
      idp.trustSpMetadataUrl(`${noSlo.url}/auth/saml/metadata`);
      const { jar } = await signedIn('staff', noSlo);
      const token = /name="_csrf" value="([^"]+)"/.exec(await (await get(`${noSlo.url}/`, jar)).text())?.[1] ?? '';
      const out = await post(`${noSlo.url}/logout`, { _csrf: token }, jar);
      expect(out.status).toBe(303);
      expect(await sessionOf(noSlo, jar)).toBeUndefined();
      const page = await (await get(out.headers.get('location') ?? '', jar, { 'accept-language': 'zh-CN' })).text();
      expect(page).toContain('无法从这里退出您在演示大学的校园统一身份认证登录');
      expect(page).toContain(`href="${new URL(idp.ssoUrl).origin}"`);
      expect(noSlo.lines).toContainEqual(expect.objectContaining({ msg: 'campus sign-in not ended', why: 'the IdP metadata lists no SingleLogoutService' }));
    } finally {
      await noSlo.close();
    }
  });
});

describe('IdP-initiated: the IdP ends the sign-in', () => {
  test('a Redirect-binding LogoutRequest at node 2 ends the session made on node 1, answered with a LogoutResponse samlify verifies', async () => {
    const { jar, campus } = await signedIn();
    const other = await signedIn('student'); // another reader, not named by the request
    const res = await get(idpLogoutUrl(node2, campus));
    expect(res.status).toBe(303);
    const answer = res.headers.get('location') ?? '';
    expect(answer.startsWith(`${idp.url}/slo?SAMLResponse=`)).toBe(true);
    const parsed = await samlIdp.parseLogoutResponse(sp, 'redirect', redirectRequest(answer, 'SAMLResponse'));
    expect(inflateRawSync(Buffer.from(new URL(answer).searchParams.get('SAMLResponse') ?? '', 'base64')).toString()).toContain('urn:oasis:names:tc:SAML:2.0:status:Success');
    expect(parsed.extract.response).toBeTruthy();
    expect(await sessionOf(node1, jar)).toBeUndefined();
    expect(await (await get(`${node1.url}/`, jar, { 'accept-language': 'en' })).text()).not.toContain('张伟');
    expect(await sessionOf(node1, other.jar)).toBeDefined();
  });

  test('a POST-binding LogoutRequest without SessionIndex ends every session of that NameID', async () => {
    const first = await signedIn();
    const second = await signedIn(); // a new browser: a second IdP session of the same person
    const { context } = samlIdp.createLogoutRequest(sp, 'post', { logoutNameID: first.campus.nameID }) as { context: string };
    expect(Buffer.from(context, 'base64').toString()).not.toContain('SessionIndex>_');
    const res = await post(`${node2.url}/auth/saml/slo`, { SAMLRequest: context });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toContain(`${idp.url}/slo?SAMLResponse=`);
    expect(await sessionOf(node1, first.jar)).toBeUndefined();
    expect(await sessionOf(node1, second.jar)).toBeUndefined();
  });

  type Refusal = { name: string; input: (campus: { nameID: string; sessionIndex: string }) => string | Promise<Response>; expect: string };
  const refusals: Refusal[] = [
    { name: 'unsigned (Signature and SigAlg stripped)', input: (c) => idpLogoutUrl(node1, c).replace(/&SigAlg=[^&]*/, '').replace(/&Signature=[^&]*/, ''), expect: 'unsigned' },
    { name: 'signed with RSA-SHA1', input: (c) => idpLogoutUrl(node1, c, sha1Idp), expect: 'algorithm-refused' },
    { name: 'signed with a key not in the IdP metadata', input: (c) => idpLogoutUrl(node1, c, otherKeyIdp), expect: 'signature-invalid' },
    { name: 'signed by the IdP but addressed to another SP', input: (c) => idpLogoutUrl(node1, c, samlIdp, elsewhere), expect: 'destination-mismatch' },
    {
      name: 'a LogoutResponse answering no sign-out of ours',
      input: () => {
        const { context } = samlIdp.createLogoutResponse(sp, { extract: { request: { id: `_${'0'.repeat(40)}` } } }, 'redirect', '') as { context: string };
        return context.replace(`${PUBLIC()}/`, `${node1.url}/`);
      },
      expect: 'unknown-request',
    },
  ];

  test.each(refusals)('refused: $name → $expect, the session stays', async ({ input, expect: reason }) => {
    const { jar, campus } = await signedIn();
    const before = node1.lines.length;
    const attempt = await input(campus);
    const res = typeof attempt === 'string' ? await get(attempt, undefined, { 'accept-language': 'en' }) : attempt;
    const page = await res.text();
    expect({ status: res.status, reason: /<code>([^<]+)<\/code>/.exec(page)?.[1] }).toEqual({ status: 403, reason });
    expect(page).toContain('A sign-out message from your campus could not be accepted');
    expect(node1.lines.slice(before)).toContainEqual(expect.objectContaining({ msg: 'campus sign-out message refused', reason }));
    expect(await sessionOf(node1, jar)).toBeDefined();
  });

  test('replayed: the same LogoutRequest twice is handled once', async () => {
    const { campus } = await signedIn();
    const url = idpLogoutUrl(node1, campus);
    expect((await get(url)).status).toBe(303);
    const again = await get(url.replace(`${node1.url}/`, `${node2.url}/`), undefined, { 'accept-language': 'en' });
    expect(again.status).toBe(403);
    expect(await again.text()).toContain('<code>replayed</code>');
  });
});
