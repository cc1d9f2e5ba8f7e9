/** IdP metadata loading: parsed fields, the last good copy kept when a refresh fails, never an empty trust. */
import { IdpRegistry } from '../../idp-adapters/saml';
import { LoginError } from '../../idp-adapters/types';
import { idpMetadataXml } from '../../demo/idp-messages';
import { loadOrCreateKeyPair } from '../../demo/keys';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const login = { kind: 'saml' as const, id: 'campus', institution: 'uni', entityID: 'https://idp.example.edu.cn/idp', metadataUrl: 'https://idp.example.edu.cn/md', allowIdpInitiated: false, wantAssertionsSigned: false, supportsMfa: true };
let dir: string;
let good: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'passway-saml-registry-'));
  const keys = await loadOrCreateKeyPair(dir, 'registry test');
  good = idpMetadataXml(login.entityID, 'https://idp.example.edu.cn/sso', keys.certificateBase64);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

test('reads signing certificate, Redirect SSO endpoint, shibmd:Scope and mdui names', async () => {
  const registry = new IdpRegistry([login], async () => good);
  const md = await registry.metadata(login);
  expect(md.ssoRedirectUrl).toBe('https://idp.example.edu.cn/sso');
  expect(md.signingCerts).toHaveLength(1);
  expect(md.signingCerts[0]).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
  expect(md.scopes).toEqual([{ value: 'demo.edu.cn', regexp: false }]);
  expect(md.displayName).toEqual({ zh: '演示大学', en: 'Demo University' });
});

test('a failed or unusable refresh keeps the last good copy; with none, metadata-unavailable', async () => {
  let now = 0;
  let answer: () => Promise<string> = async () => good;
  const failures: string[] = [];
  const registry = new IdpRegistry([login], () => answer(), { refreshMs: 1000, now: () => now, onRefreshFailed: (_l, e) => failures.push(e.message) });
  const first = await registry.metadata(login);

  now = 5000;
  answer = async () => { throw new Error('connection refused'); };
  expect(await registry.metadata(login)).toBe(first);
  now = 200_000;
  answer = async () => good.replace(/<md:KeyDescriptor[\s\S]*?<\/md:KeyDescriptor>/, '');
  expect(await registry.metadata(login)).toBe(first);
  expect(failures).toEqual(['connection refused', `${login.entityID} has no signing certificate`]);

  const empty = new IdpRegistry([login], async () => { throw new Error('timeout'); });
  await expect(empty.metadata(login)).rejects.toEqual(expect.objectContaining({ reason: 'metadata-unavailable' }));
  await expect(empty.metadata(login)).rejects.toBeInstanceOf(LoginError);
});

test('metadata for another entity is not accepted for this login', async () => {
  const registry = new IdpRegistry([login], async () => good.replace(login.entityID, 'https://other.example/idp'));
  await expect(registry.metadata(login)).rejects.toEqual(expect.objectContaining({ reason: 'metadata-unavailable' }));
});
