/**
 * The ACS attack corpus: responses signed by real demo IdPs (samlify) and then edited, replayed
 * or misaddressed. Each is refused with its reason code in the log and a readable page.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BuildResponseOptions, DemoIdpHandle } from '../../demo';
import { CookieJar, get, INSTITUTIONS, post, requestXmlOf, samlLogin, spKeyFiles, startGatewayNode, startIdp, type GatewayNode } from './saml-harness';

let stateDir: string;
let idpA: DemoIdpHandle;
let idpB: DemoIdpHandle;
/** Claims idpA's entityID but signs with its own key. */
let impostor: DemoIdpHandle;
/** Configured nowhere. */
let stranger: DemoIdpHandle;
let gw: GatewayNode;
let spEntityID: string;
let acsUrl: string;
/** The browser that starts every login here (so each case reaches the check it is about). */
const browser = new CookieJar();

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-saml-attacks-'));
  const keys = await spKeyFiles(stateDir);
  idpA = await startIdp(path.join(stateDir, 'a'), []);
  idpB = await startIdp(path.join(stateDir, 'b'), []);
  impostor = await startIdp(path.join(stateDir, 'impostor'), [], `localhost:${idpA.port}`);
  stranger = await startIdp(path.join(stateDir, 'stranger'), [], 'stranger.localhost');
  gw = await startGatewayNode({
    institutions: INSTITUTIONS,
    logins: [samlLogin('demo-idp', idpA), samlLogin('idp-b', idpB, { allowIdpInitiated: true })],
    saml: { signing: keys },
  });
  spEntityID = `${gw.url}/auth/saml/metadata`;
  acsUrl = `${gw.url}/auth/saml/acs`;
  for (const idp of [idpA, idpB, impostor, stranger]) idp.trustSpMetadataUrl(spEntityID);
});

afterAll(async () => {
  await gw?.close();
  await Promise.all([idpA, idpB, impostor, stranger].map((idp) => idp?.close()));
  await rm(stateDir, { recursive: true, force: true });
});

/** Start a login at the gateway (as a browser would) and return the pending AuthnRequest id. */
async function pendingRequest(loginId = 'demo-idp'): Promise<string> {
  const res = await get(`${gw.url}/auth/${loginId}/login?returnTo=%2Fdone`, browser);
  expect(res.status).toBe(303);
  const id = /ID="([^"]+)"/.exec(requestXmlOf(res.headers.get('location') ?? ''))?.[1];
  if (!id) throw new Error('no AuthnRequest ID');
  return id;
}

async function signed(idp: DemoIdpHandle, opts: Partial<BuildResponseOptions> = {}): Promise<string> {
  const built = await idp.buildResponse({ spEntityID, username: 'faculty', ...opts });
  return built.xml;
}

const b64 = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');

async function postAcs(samlResponse: string, lang = 'en') {
  const before = gw.lines.length;
  const res = await post(acsUrl, { SAMLResponse: samlResponse }, browser, { 'accept-language': lang });
  return { res, text: await res.text(), logs: gw.lines.slice(before) };
}

async function expectRefused(samlResponse: string, reason: string, status = 403) {
  const { res, text, logs } = await postAcs(samlResponse);
  expect({ status: res.status, reason: /<code>([^<]+)<\/code>/.exec(text)?.[1] }).toEqual({ status, reason });
  expect(res.headers.get('set-cookie')).toBeNull();
  expect(text).toContain('Sign-in did not complete');
  expect(text).toContain('Try signing in again');
  expect(text).not.toMatch(/Error:|\bat .+:\d+:\d+/);
  expect(logs).toContainEqual(expect.objectContaining({ msg: 'sign-in failed', reason }));
}

describe('ACS accepts what it should', () => {
  test('a good solicited response signs the user in (baseline for the corpus)', async () => {
    const { res } = await postAcs(b64(await signed(idpA, { inResponseTo: await pendingRequest() })));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/done');
    expect(res.headers.get('set-cookie')).toContain('passway_sid=');
  });

  test('an unsolicited response from an IdP that allows them signs in, once', async () => {
    const xml = await signed(idpB, { username: 'student' });
    const first = await postAcs(b64(xml));
    expect(first.res.status).toBe(303);
    expect(first.res.headers.get('location')).toBe('/');
    await expectRefused(b64(xml), 'replayed');
  });

  test('a value scoped to another domain is dropped and logged; the rest signs in', async () => {
    const xml = await signed(idpA, {
      inResponseTo: await pendingRequest(),
      attributes: { eduPersonScopedAffiliation: ['faculty@evil.example', 'member@demo.edu.cn'] },
    });
    const { res, logs } = await postAcs(b64(xml));
    expect(res.status).toBe(303);
    expect(logs).toContainEqual(expect.objectContaining({ reason: 'out-of-scope', attribute: 'eduPersonScopedAffiliation', value: 'faculty@evil.example' }));
  });
});

describe('ACS refuses', () => {
  test('a tampered attribute (signature no longer verifies)', async () => {
    const xml = await signed(idpA, { inResponseTo: await pendingRequest() });
    expect(xml).toContain('张伟 Zhang Wei');
    await expectRefused(b64(xml.replace('张伟 Zhang Wei', 'Mallory')), 'signature-invalid');
  });

  test('a wrong audience', async () => {
    await expectRefused(b64(await signed(idpA, { inResponseTo: await pendingRequest(), audience: 'https://other.example/sp' })), 'audience-mismatch');
  });

  test('a wrong Destination', async () => {
    const xml = await signed(idpA, { inResponseTo: await pendingRequest() });
    // Only the Response signature covers Destination; the signed assertion still verifies.
    await expectRefused(b64(xml.replace(`Destination="${acsUrl}"`, 'Destination="https://evil.example/acs"')), 'destination-mismatch');
  });

  test('a wrong SubjectConfirmationData Recipient', async () => {
    const xml = await signed(idpA, { inResponseTo: await pendingRequest(), acsUrl: 'https://evil.example/acs' });
    expect(xml).toContain('Recipient="https://evil.example/acs"');
    await expectRefused(b64(xml.replace('Destination="https://evil.example/acs"', `Destination="${acsUrl}"`)), 'recipient-mismatch');
  });

  test('an unknown InResponseTo', async () => {
    await expectRefused(b64(await signed(idpA, { inResponseTo: '_0123456789abcdef' })), 'unknown-request');
  });

  test('the same response twice: the pending request is consumed by the first', async () => {
    const xml = await signed(idpA, { inResponseTo: await pendingRequest() });
    expect((await postAcs(b64(xml))).res.status).toBe(303);
    await expectRefused(b64(xml), 'unknown-request');
  });

  test('an expired response', async () => {
    const issueInstant = new Date(Date.now() - 60 * 60 * 1000);
    await expectRefused(b64(await signed(idpA, { inResponseTo: await pendingRequest(), issueInstant })), 'expired');
  });

  test('a response not yet valid', async () => {
    const issueInstant = new Date(Date.now() + 60 * 60 * 1000);
    await expectRefused(b64(await signed(idpA, { inResponseTo: await pendingRequest(), issueInstant })), 'not-yet-valid');
  });

  test('an unsolicited response from an IdP that does not allow them', async () => {
    await expectRefused(b64(await signed(idpA)), 'unsolicited');
  });

  test('an unsolicited response from an IdP nobody configured', async () => {
    await expectRefused(b64(await signed(stranger)), 'idp-unknown');
  });

  test('a response signed by another key than the IdP\'s metadata names', async () => {
    const xml = await signed(impostor, { inResponseTo: await pendingRequest() });
    expect(xml).toContain(`<saml:Issuer>${idpA.entityID}</saml:Issuer>`);
    await expectRefused(b64(xml), 'signature-invalid');
  });

  test('a response from IdP B to a request sent to IdP A', async () => {
    await expectRefused(b64(await signed(idpB, { inResponseTo: await pendingRequest('demo-idp') })), 'issuer-mismatch');
  });

  test('signature wrapping: an unsigned forged assertion beside the signed one', async () => {
    const xml = await signed(idpA, { inResponseTo: await pendingRequest(), username: 'alum' });
    const assertion = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(xml)?.[0] ?? '';
    const forged = assertion
      .replace(/ ID="[^"]+"/, ' ID="_forged"')
      .replace(/<ds:Signature[\s\S]*?<\/ds:Signature>/, '')
      .replace('王芳 Wang Fang', '张伟 Zhang Wei');
    await expectRefused(b64(xml.replace(assertion, forged + assertion)), 'signature-invalid');
  });

  test('signature wrapping: the signed assertion hidden in Extensions, a forged one carrying its signature', async () => {
    const xml = await signed(idpA, { inResponseTo: await pendingRequest(), username: 'alum' });
    const assertion = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(xml)?.[0] ?? '';
    const forged = assertion.replace('王芳 Wang Fang', '张伟 Zhang Wei');
    const wrapped = xml.replace(assertion, `<samlp:Extensions>${assertion}</samlp:Extensions>${forged}`);
    await expectRefused(b64(wrapped), 'signature-invalid');
  });

  test('comment injection in the NameID (canonicalisation would keep the signature valid)', async () => {
    const xml = await signed(idpA, { inResponseTo: await pendingRequest() });
    const injected = xml.replace(/(<saml:NameID[^>]*>)([^<]{4})/, '$1$2<!-- injected -->');
    expect(injected).toContain('<!-- injected -->');
    await expectRefused(b64(injected), 'malformed', 400);
  });

  test('malformed base64 and malformed XML', async () => {
    await expectRefused('%%% not base64 %%%', 'malformed', 400);
    await expectRefused(b64('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><unclosed>'), 'malformed', 400);
    await expectRefused(b64('<hello/>'), 'malformed', 400);
  });

  test('the refusal page speaks Chinese to a Chinese browser', async () => {
    const { res, text } = await postAcs(b64(await signed(idpA)), 'zh-CN');
    expect(res.status).toBe(403);
    expect(text).toContain('登录未完成');
    expect(text).toContain('重新登录');
  });
});
