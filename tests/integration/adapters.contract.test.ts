/**
 * The one adapter contract (adapter-contract.ts) against every adapter: SAML with the demo IdP
 * (what demo mode signs in with; there is no separate demo adapter), CAS with the CAS fixture,
 * OIDC with oidc-provider.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEMO_USERS, type DemoIdpHandle } from '../../demo';
import { startCasServer, type CasServer } from '../fixtures/cas-server';
import { startOidcProvider, type TestOidcProvider } from '../fixtures/oidc-provider';
import { location, type HttpBrowser } from '../helpers/http-browser';
import { INSTITUTIONS, spKeyFiles, startIdp } from './saml-harness';
import { describeAdapterContract, firstForm, type AdapterDriver } from './adapter-contract';

describeAdapterContract('SAML (demo IdP)', async () => {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-contract-saml-'));
  const signing = await spKeyFiles(stateDir);
  // Another site than the gateway (127.0.0.1, not localhost): the ACS POST is cross-site, as in production.
  const idp: DemoIdpHandle = await startIdp(stateDir, [], '127.0.0.1');
  const user = DEMO_USERS.find((u) => u.username === 'faculty')!;
  const driver: AdapterDriver = {
    loginId: 'demo-idp',
    config: {
      institutions: INSTITUTIONS,
      logins: [{ kind: 'saml', id: 'demo-idp', institution: 'demo-university', entityID: idp.entityID, metadataFile: idp.metadataFile }],
      saml: { signing },
    },
    expected: { institution: 'demo-university', affiliations: ['faculty', 'member'], displayName: '张伟 Zhang Wei', adapter: 'saml' },
    started: (base) => idp.trustSpMetadataUrl(`${base}/auth/saml/metadata`),
    atCampus: async (browser, url) => {
      let page = await (await browser.get(url)).text();
      const askedPassword = page.includes('name="password"');
      if (askedPassword) {
        const form = firstForm(page, url);
        page = await (await browser.post(form.action, { ...form.fields, username: user.username, password: user.password })).text();
      }
      const { action, fields } = firstForm(page, url);
      return {
        askedPassword,
        deliver: (b, headers = {}) => b.request(action, { method: 'POST', body: new URLSearchParams(fields), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } }),
      };
    },
    close: async () => {
      await idp.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
  return driver;
});

/** Follow the campus's redirects until they lead back to the gateway; that callback is the delivery. */
async function redirectsBack(browser: HttpBrowser, url: string, base: string) {
  let at = url;
  for (let hops = 0; !at.startsWith(base); hops++) {
    if (hops > 10) throw new Error('too many redirects at the campus server');
    at = location(await browser.get(at), at);
  }
  const callback = at;
  return (b: HttpBrowser, headers: Record<string, string> = {}) => b.request(callback, { headers });
}

describeAdapterContract('CAS (CAS fixture)', async () => {
  const cas: CasServer = await startCasServer();
  const driver: AdapterDriver = {
    loginId: 'campus-cas',
    config: {
      institutions: [{ id: 'example-u', name: { en: 'Example University', zh: '示例大学' } }],
      logins: [{ kind: 'cas', id: 'campus-cas', institution: 'example-u', serverUrl: cas.url }],
    },
    expected: { subject: 'zhang3', institution: 'example-u', affiliations: ['faculty'], displayName: '张三', adapter: 'cas' },
    atCampus: async (browser, url, base) => {
      const res = await browser.get(url);
      if (res.status !== 200) return { askedPassword: false, deliver: await redirectsBack(browser, location(res, url), base) };
      const service = new URL(url).searchParams.get('service') ?? '';
      const answer = await browser.post(`${cas.url}/login`, { service, username: 'zhang3', password: 'teacher-pass' });
      return { askedPassword: true, deliver: await redirectsBack(browser, location(answer, url), base) };
    },
    close: () => cas.close(),
  };
  return driver;
});

describeAdapterContract('OIDC (oidc-provider)', async (base) => {
  const op: TestOidcProvider = await startOidcProvider({ redirectUris: [`${base}/auth/campus-oidc/callback`], postLogoutRedirectUris: [`${base}/signed-out`] });
  const driver: AdapterDriver = {
    loginId: 'campus-oidc',
    config: {
      institutions: [{ id: 'example-u', name: { en: 'Example University', zh: '示例大学' } }],
      logins: [{ kind: 'oidc', id: 'campus-oidc', institution: 'example-u', issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, scopes: ['profile', 'email', 'eduperson'] }],
    },
    expected: { subject: 'wang5-sub', institution: 'example-u', affiliations: ['faculty', 'member'], displayName: '王五', adapter: 'oidc' },
    atCampus: async (browser, url, gatewayBase) => {
      const before = op.interactions;
      const deliver = await redirectsBack(browser, url, gatewayBase);
      return { askedPassword: op.interactions > before, deliver };
    },
    close: () => op.close(),
  };
  return driver;
});
