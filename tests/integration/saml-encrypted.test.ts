/** Encrypted assertions: decrypted with the SP's encryption key, refused without it or when tampered. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as samlify from 'samlify';
import type { DemoIdpHandle } from '../fixtures/demo';
import { CookieJar, get, INSTITUTIONS, post, requestXmlOf, samlLogin, spKeyFiles, startGatewayNode, startIdp, type GatewayNode } from './saml-harness';

let stateDir: string;
let idp: DemoIdpHandle;
let withKey: GatewayNode;
let withoutKey: GatewayNode;

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-saml-enc-'));
  const signing = await spKeyFiles(stateDir);
  const encryption = await spKeyFiles(stateDir, 'sp-enc');
  idp = await startIdp(stateDir, []);
  const input = { institutions: INSTITUTIONS, logins: [samlLogin('demo-idp', idp)] };
  withKey = await startGatewayNode({ ...input, saml: { signing, encryption } });
  withoutKey = await startGatewayNode({ ...input, saml: { signing } });
  idp.trustSpMetadataUrl(`${withKey.url}/auth/saml/metadata`);
  idp.trustSpMetadataUrl(`${withoutKey.url}/auth/saml/metadata`);
});

afterAll(async () => {
  await withKey?.close();
  await withoutKey?.close();
  await idp?.close();
  await rm(stateDir, { recursive: true, force: true });
});

/** A signed response from the demo IdP (to a login `browser` started) whose assertion samlify then encrypts to `encryptTo`'s metadata. */
async function encryptedResponse(node: GatewayNode, encryptTo: GatewayNode, browser: CookieJar): Promise<string> {
  const start = await get(`${node.url}/auth/demo-idp/login?returnTo=%2Fenc`, browser);
  const requestId = /ID="([^"]+)"/.exec(requestXmlOf(start.headers.get('location') ?? ''))?.[1];
  const built = await idp.buildResponse({ spEntityID: `${node.url}/auth/saml/metadata`, username: 'student', inResponseTo: requestId });
  const source = samlify.IdentityProvider({
    metadata: await (await get(idp.metadataUrl)).text(),
    isAssertionEncrypted: true,
  });
  const target = samlify.ServiceProvider({ metadata: await (await get(`${encryptTo.url}/auth/saml/metadata`)).text() });
  return samlify.SamlLib.encryptAssertion(source, target, built.xml);
}

test('an encrypted assertion is decrypted, verified and signs the user in', async () => {
  const jar = new CookieJar();
  const samlResponse = await encryptedResponse(withKey, withKey, jar);
  expect(Buffer.from(samlResponse, 'base64').toString()).toContain('EncryptedAssertion');
  expect(Buffer.from(samlResponse, 'base64').toString()).not.toContain('李娜');
  const res = await post(`${withKey.url}/auth/saml/acs`, { SAMLResponse: samlResponse }, jar);
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe('/enc');
  expect(await (await get(`${withKey.url}/`, jar)).text()).toContain('李娜 Li Na');
});

test('an encrypted assertion reaching an SP without an encryption key is refused with decryption-failed', async () => {
  const jar = new CookieJar();
  const samlResponse = await encryptedResponse(withoutKey, withKey, jar);
  const res = await post(`${withoutKey.url}/auth/saml/acs`, { SAMLResponse: samlResponse }, jar, { 'accept-language': 'en' });
  expect(res.status).toBe(403);
  expect(await res.text()).toContain('<code>decryption-failed</code>');
  expect(withoutKey.lines).toContainEqual(expect.objectContaining({ msg: 'sign-in failed', reason: 'decryption-failed' }));
});

test('a tampered ciphertext is refused', async () => {
  const jar = new CookieJar();
  const xml = Buffer.from(await encryptedResponse(withKey, withKey, jar), 'base64').toString();
  const at = xml.indexOf('<xenc:CipherValue>') + '<xenc:CipherValue>'.length + 40;
  const tampered = xml.slice(0, at) + (xml[at] === 'A' ? 'B' : 'A') + xml.slice(at + 1);
  expect(tampered).not.toBe(xml);
  const res = await post(`${withKey.url}/auth/saml/acs`, { SAMLResponse: Buffer.from(tampered).toString('base64') }, jar, { 'accept-language': 'en' });
  expect([400, 403]).toContain(res.status);
  expect(await res.text()).toContain('Sign-in did not complete');
});
