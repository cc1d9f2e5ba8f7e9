/**
 * What a SAML response must be signed with, and where: RSA-SHA256 or better (never SHA-1), on the
 * Response or on the Assertion as SAML2int permits (or on the Assertion, for an IdP configured
 * with `wantAssertionsSigned`). And a refused response never spends the pending request it names:
 * after every refusal the genuine response to the same request, from the same browser, signs in.
 * Responses are made by a real samlify IdP (the demo IdP), then edited where a case says so.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BuildResponseOptions, DemoIdpHandle } from '../../demo';
import { CookieJar, get, INSTITUTIONS, post, requestXmlOf, samlLogin, spKeyFiles, startGatewayNode, startIdp, type GatewayNode } from '../integration/saml-harness';

type Login = 'default' | 'wants-signed-assertions';
interface Input {
  login: Login;
  signed?: BuildResponseOptions['signed'];
  signatureAlgorithm?: BuildResponseOptions['signatureAlgorithm'];
  /** How the response is spoiled after the IdP signed it. */
  edit?: 'strip-signatures' | 'change-attribute';
}

const cases: { name: string; input: Input; expect: 'signed-in' | string }[] = [
  { name: 'signed response and assertion, RSA-SHA256', input: { login: 'default' }, expect: 'signed-in' },
  { name: 'only the Response signed (SAML2int permits it)', input: { login: 'default', signed: 'response' }, expect: 'signed-in' },
  { name: 'only the Assertion signed', input: { login: 'default', signed: 'assertion' }, expect: 'signed-in' },
  { name: 'only the Response signed, for an IdP set to wantAssertionsSigned', input: { login: 'wants-signed-assertions', signed: 'response' }, expect: 'assertion-unsigned' },
  { name: 'only the Assertion signed, for an IdP set to wantAssertionsSigned', input: { login: 'wants-signed-assertions', signed: 'assertion' }, expect: 'signed-in' },
  { name: 'signed with RSA-SHA1 and SHA-1 digests', input: { login: 'default', signatureAlgorithm: 'rsa-sha1' }, expect: 'algorithm-refused' },
  { name: 'only the Response signed, with RSA-SHA1', input: { login: 'default', signed: 'response', signatureAlgorithm: 'rsa-sha1' }, expect: 'algorithm-refused' },
  { name: "unsigned (signatures removed), naming the victim's request", input: { login: 'default', edit: 'strip-signatures' }, expect: 'unsigned' },
  { name: "an attribute changed after signing, naming the victim's request", input: { login: 'default', edit: 'change-attribute' }, expect: 'signature-invalid' },
  { name: 'an attribute changed in a Response-only-signed response', input: { login: 'default', signed: 'response', edit: 'change-attribute' }, expect: 'signature-invalid' },
];

let stateDir: string;
let idp: DemoIdpHandle;
let gw: GatewayNode;
let spEntityID: string;

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-saml-signatures-'));
  idp = await startIdp(stateDir, []);
  gw = await startGatewayNode({
    institutions: INSTITUTIONS,
    logins: [samlLogin('default', idp), { ...samlLogin('wants-signed-assertions', idp), wantAssertionsSigned: true }],
    saml: { signing: await spKeyFiles(stateDir) },
  });
  spEntityID = `${gw.url}/auth/saml/metadata`;
  idp.trustSpMetadataUrl(spEntityID);
});

afterAll(async () => {
  await gw?.close();
  await idp?.close();
  await rm(stateDir, { recursive: true, force: true });
});

const b64 = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');

function spoil(xml: string, edit: Input['edit']): string {
  if (edit === 'strip-signatures') return xml.replace(/<ds:Signature[\s\S]*?<\/ds:Signature>/g, '');
  if (edit === 'change-attribute') return xml.replace('张伟 Zhang Wei', 'Mallory');
  return xml;
}

describe('SAML response signatures', () => {
  test.each(cases)('$name', async ({ input, expect: outcome }) => {
    const browser = new CookieJar(); // the victim's own browser, which started the login
    const start = await get(`${gw.url}/auth/${input.login}/login?returnTo=%2Fdone`, browser);
    const requestId = /ID="([^"]+)"/.exec(requestXmlOf(start.headers.get('location') ?? ''))?.[1];
    const built = await idp.buildResponse({ spEntityID, username: 'faculty', inResponseTo: requestId, signed: input.signed, signatureAlgorithm: input.signatureAlgorithm });
    expect(built.xml).toContain('张伟 Zhang Wei');
    const before = gw.lines.length;
    const res = await post(`${gw.url}/auth/saml/acs`, { SAMLResponse: b64(spoil(built.xml, input.edit)) }, browser, { 'accept-language': 'en' });
    const page = await res.text();
    if (outcome === 'signed-in') {
      expect({ status: res.status, location: res.headers.get('location') }).toEqual({ status: 303, location: '/done' });
      return;
    }
    expect({ status: res.status, reason: /<code>([^<]+)<\/code>/.exec(page)?.[1] }).toEqual({ status: 403, reason: outcome });
    expect(page).toContain('Sign-in did not complete');
    expect(gw.lines.slice(before)).toContainEqual(expect.objectContaining({ msg: 'sign-in failed', reason: outcome }));
    // The refused response did not spend the request: the genuine answer still signs the victim in.
    const genuine = await idp.buildResponse({ spEntityID, username: 'faculty', inResponseTo: requestId, signed: 'assertion' });
    const retry = await post(`${gw.url}/auth/saml/acs`, { SAMLResponse: genuine.samlResponse }, browser);
    expect({ status: retry.status, location: retry.headers.get('location') }).toEqual({ status: 303, location: '/done' });
  });
});
