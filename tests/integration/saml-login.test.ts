/**
 * Campus sign-in through the SAML SP hub over real HTTP: gateway → demo IdP → ACS → signed in;
 * a login started on one node and completed on another (shared Redis); the SP metadata.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createGateway } from '../../gateway/app';
import { MemoryStore, RedisStore } from '../../gateway/store';
import type { DemoIdpHandle } from '../../demo';
import { capturingLogger, TEST_SECRET, testConfig } from '../helpers/gateway';
import { deletePrefix, REDIS_URL, testPrefix } from '../helpers/stores';
import { CookieJar, get, INSTITUTIONS, post, requestXmlOf, samlLogin, signInAtIdp, spKeyFiles, startGatewayNode, startIdp, type GatewayNode, type SpKeyFiles } from './saml-harness';

let stateDir: string;
let keys: SpKeyFiles;
let idp: DemoIdpHandle;
let node: GatewayNode;

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-saml-login-'));
  keys = await spKeyFiles(stateDir);
  idp = await startIdp(stateDir, []);
  node = await startGatewayNode({ institutions: INSTITUTIONS, logins: [samlLogin('demo-idp', idp)], saml: { signing: keys } });
  idp.trustSpMetadataUrl(`${node.url}/auth/saml/metadata`);
});

afterAll(async () => {
  await node?.close();
  await idp?.close();
  await rm(stateDir, { recursive: true, force: true });
});

describe('SAML sign-in round trip', () => {
  test('faculty signs in at the demo IdP and the portal shows 张伟 Zhang Wei', async () => {
    const jar = new CookieJar();
    expect(await (await get(`${node.url}/`, jar)).text()).not.toContain('张伟 Zhang Wei');
    const { form, location } = await signInAtIdp(node.url, 'demo-idp', 'faculty', jar, '/?from=test');

    const redirect = new URL(location);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(idp.ssoUrl);
    expect(redirect.searchParams.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    expect(redirect.searchParams.get('Signature')).toBeTruthy();
    const requestXml = requestXmlOf(location);
    expect(requestXml).toContain(`AssertionConsumerServiceURL="${node.url}/auth/saml/acs"`);
    expect(requestXml).toContain('urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
    expect(requestXml).not.toContain('emailAddress');
    expect(requestXml).toContain(`>${node.url}/auth/saml/metadata</saml:Issuer>`);

    expect(form.action).toBe(`${node.url}/auth/saml/acs`);
    const acs = await post(form.action, form.fields, jar);
    expect(acs.status).toBe(303);
    expect(acs.headers.get('location')).toBe('/?from=test');

    const portal = await get(`${node.url}/`, jar, { 'accept-language': 'en' });
    const html = await portal.text();
    expect(html).toContain('张伟 Zhang Wei');
    expect(node.lines.filter((l) => l.usage === true).map((l) => l.event)).toContainEqual({
      type: 'login-success',
      login: 'demo-idp',
      adapter: 'saml',
      institution: 'demo-university',
      affiliations: ['faculty', 'member'],
    });
  });

  test('a returnTo that is not a local path becomes /', async () => {
    const jar = new CookieJar();
    const { form } = await signInAtIdp(node.url, 'demo-idp', 'student', jar, '//evil.example/steal');
    const acs = await post(form.action, form.fields, jar);
    expect(acs.status).toBe(303);
    expect(acs.headers.get('location')).toBe('/');
  });

  test('with one login configured, /ds goes straight to it and keeps the return target', async () => {
    const res = await get(`${node.url}/ds?returnTo=${encodeURIComponent('/x?y=1')}`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/auth/demo-idp/login?returnTo=%2Fx%3Fy%3D1');
  });

  test('an unknown login id is a bilingual 404, not a crash', async () => {
    const res = await get(`${node.url}/auth/nowhere/login`, undefined, { 'accept-language': 'zh-CN' });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('没有名为 nowhere 的校园登录方式');
  });
});

describe('two gateway nodes sharing Redis', () => {
  test('a login started on node 1 completes at the ACS of node 2', async () => {
    const prefix = testPrefix('saml-two-node');
    const store1 = new RedisStore({ url: REDIS_URL, keyPrefix: prefix });
    const store2 = new RedisStore({ url: REDIS_URL, keyPrefix: prefix });
    const input = { institutions: INSTITUTIONS, logins: [samlLogin('demo-idp', idp)], saml: { signing: keys } };
    const node1 = await startGatewayNode(input, { store: store1 });
    // Behind one load balancer both nodes publish the same address, hence the same ACS.
    const node2 = await startGatewayNode(input, { store: store2, publicUrl: node1.url });
    try {
      idp.trustSpMetadataUrl(`${node1.url}/auth/saml/metadata`);
      const jar = new CookieJar();
      const { form } = await signInAtIdp(node1.url, 'demo-idp', 'staff', jar, '/after');
      expect(form.action).toBe(`${node1.url}/auth/saml/acs`);
      const acs = await post(`${node2.url}/auth/saml/acs`, form.fields, jar);
      expect(acs.status).toBe(303);
      expect(acs.headers.get('location')).toBe('/after');
      expect(await (await get(`${node2.url}/`, jar)).text()).toContain('刘洋 Liu Yang');
      expect(await (await get(`${node1.url}/`, jar)).text()).toContain('刘洋 Liu Yang');
    } finally {
      await node1.close();
      await node2.close();
      await store1.close();
      await store2.close();
      await deletePrefix(prefix);
    }
  });
});

describe('SP metadata', () => {
  test('both rollover certificates, the encryption key, ACS, RequestedAttributes and zh+en names', async () => {
    const previous = await spKeyFiles(stateDir, 'sp-old');
    const encryption = await spKeyFiles(stateDir, 'sp-enc');
    const meta = await startGatewayNode({
      institutions: INSTITUTIONS,
      logins: [samlLogin('demo-idp', idp)],
      saml: { signing: keys, previousSigning: previous, encryption, displayName: { en: 'Test Library Gateway', zh: '测试图书馆网关' } },
    });
    try {
      const res = await get(`${meta.url}/auth/saml/metadata`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('application/samlmetadata+xml');
      const xml = await res.text();
      const { readFile } = await import('node:fs/promises');
      const body = async (file: string) => (await readFile(file, 'utf8')).replace(/-----[^-]+-----|\s/g, '');
      expect(xml).toContain(`entityID="${meta.url}/auth/saml/metadata"`);
      expect(xml).toContain('AuthnRequestsSigned="true"');
      const signing = [...xml.matchAll(/<md:KeyDescriptor use="signing">.*?<ds:X509Certificate>([^<]+)</g)].map((m) => m[1]);
      expect(signing).toEqual([await body(keys.certFile), await body(previous.certFile)]);
      expect(xml).toMatch(new RegExp(`<md:KeyDescriptor use="encryption">.*?${(await body(encryption.certFile)).slice(0, 40).replace(/[+/]/g, '\\$&')}`));
      expect(xml).toContain(`<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${meta.url}/auth/saml/acs"`);
      for (const name of ['eduPersonScopedAffiliation', 'eduPersonTargetedID', 'eduPersonEntitlement', 'eduPersonPrincipalName', 'pairwise-id', 'subject-id', 'displayName', 'mail']) {
        expect(xml).toContain(`FriendlyName="${name}"`);
      }
      expect(xml).toContain('Name="urn:oasis:names:tc:SAML:attribute:pairwise-id"');
      expect(xml).toContain('<mdui:DisplayName xml:lang="en">Test Library Gateway</mdui:DisplayName>');
      expect(xml).toContain('<mdui:DisplayName xml:lang="zh">测试图书馆网关</mdui:DisplayName>');
    } finally {
      await meta.close();
    }
  });
});

describe('configuration and metadata problems', () => {
  test('outside demo mode a SAML login without an SP signing key is a config problem naming the key', () => {
    const config = testConfig({ institutions: INSTITUTIONS, logins: [samlLogin('demo-idp', idp)] });
    const { logger } = capturingLogger();
    expect(() => createGateway({ config, store: new MemoryStore(), logger, sessionSecret: TEST_SECRET })).toThrow(/^saml\.signing: required/);
  });

  test('an unreadable key file is named by its key path', () => {
    const config = testConfig({ institutions: INSTITUTIONS, logins: [samlLogin('demo-idp', idp)], saml: { signing: { keyFile: '/nonexistent/key.pem', certFile: keys.certFile } } });
    const { logger } = capturingLogger();
    expect(() => createGateway({ config, store: new MemoryStore(), logger, sessionSecret: TEST_SECRET })).toThrow(/^saml\.signing\.keyFile: cannot read/);
  });

  test('unreachable IdP metadata: a readable page with metadata-unavailable, no redirect', async () => {
    const dead = await startGatewayNode({
      institutions: INSTITUTIONS,
      logins: [{ kind: 'saml', id: 'gone', institution: 'demo-university', entityID: 'https://gone.example/idp', metadataUrl: 'https://127.0.0.1:9/metadata', metadataSigningCertSha256: 'AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB' }],
      saml: { signing: keys },
    });
    try {
      const res = await get(`${dead.url}/auth/gone/login`, undefined, { 'accept-language': 'en' });
      expect(res.status).toBe(503);
      const html = await res.text();
      expect(html).toContain('cannot be reached right now');
      expect(html).toContain('href="/auth/gone/login?returnTo=%2F"');
      expect(html).not.toMatch(/at .*\.(ts|js):\d+/);
      expect(dead.lines.some((l) => l.reason === 'metadata-unavailable' && l.msg === 'sign-in failed')).toBe(true);
    } finally {
      await dead.close();
    }
  });
});
