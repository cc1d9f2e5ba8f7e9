/**
 * Issue 14: sign-ins started from a launch link count for that database, and a failed SAML
 * response counts for the login and institution it answered (not login="saml", no institution).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DemoIdpHandle } from '../../demo';
import { CookieJar, INSTITUTIONS, post, samlLogin, signInAtIdp, spKeyFiles, startGatewayNode, startIdp, type GatewayNode } from './saml-harness';

let stateDir: string;
let idp: DemoIdpHandle;
let node: GatewayNode;

const resources = [
  { id: 'journals', title: { en: 'Journals' }, vendor: 'J', hosts: [{ host: 'journals.example.com' }], access: [{ kind: 'wayfless' as const, template: 'https://journals.example.com/sso?entityID={entityID}&target={target}' }], licences: [{ institution: 'demo-university' }] },
];

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-usage-attribution-'));
  const keys = await spKeyFiles(stateDir);
  idp = await startIdp(stateDir, []);
  node = await startGatewayNode({ institutions: INSTITUTIONS, logins: [samlLogin('demo-idp', idp)], saml: { signing: keys }, resources });
  idp.trustSpMetadataUrl(`${node.url}/auth/saml/metadata`);
});

afterAll(async () => {
  await node?.close();
  await idp?.close();
  await rm(stateDir, { recursive: true, force: true });
});

const usage = () => node.lines.filter((l) => l.usage === true).map((l) => l.event as Record<string, unknown>);

test.each([
  ['/go/journals', 'journals'],
  ['/go/journals?target=https%3A%2F%2Fjournals.example.com%2Fa%2F1', 'journals'],
  ['/login?url=https%3A%2F%2Fjournals.example.com%2Fa%2F2', 'journals'],
  ['/login?qurl=https%3A%2F%2Fjournals.example.com%2Fa%2F3', 'journals'],
  ['/?from=portal', undefined],
  ['/go/not-in-catalog', undefined],
])('a sign-in continuing to %s counts for %s', async (returnTo, resource) => {
  const jar = new CookieJar();
  const { form } = await signInAtIdp(node.url, 'demo-idp', 'faculty', jar, returnTo);
  const before = usage().length;
  expect((await post(form.action, form.fields, jar)).status).toBe(303);
  const login = usage().slice(before).find((e) => e.type === 'login-success')!;
  expect(login).toMatchObject({ login: 'demo-idp', adapter: 'saml', institution: 'demo-university' });
  expect(login.resource).toBe(resource);
});

test('a SAML response that fails after it is matched to its sign-in counts for that login and institution', async () => {
  const jar = new CookieJar();
  const { form } = await signInAtIdp(node.url, 'demo-idp', 'faculty', jar, '/');
  const xml = Buffer.from(form.fields.SAMLResponse!, 'base64').toString('utf8');
  const tampered = xml.replace(/(<saml:AttributeValue[^>]*>)([^<]+)/, '$1tampered');
  expect(tampered).not.toBe(xml);
  const before = usage().length;
  const res = await post(form.action, { ...form.fields, SAMLResponse: Buffer.from(tampered).toString('base64') }, jar);
  expect(res.status).toBe(403);
  const failure = usage().slice(before).find((e) => e.type === 'login-failure')!;
  expect(failure).toMatchObject({ login: 'demo-idp', adapter: 'saml', institution: 'demo-university' });
});

test('a response matched to no sign-in counts for no login and no institution', async () => {
  const before = usage().length;
  const res = await post(`${node.url}/auth/saml/acs`, { SAMLResponse: Buffer.from('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" InResponseTo="_nope"/>').toString('base64') });
  expect(res.status).toBe(403);
  const failure = usage().slice(before).find((e) => e.type === 'login-failure')!;
  expect(failure).toMatchObject({ reason: 'unknown-request', adapter: 'saml' });
  expect(failure.login).toBeUndefined();
  expect(failure.institution).toBeUndefined();
});
