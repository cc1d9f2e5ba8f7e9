/**
 * The SP metadata IdPs and federations fetch (issue 16 item 6): signed with the SP key or a key of
 * its own (checked by Passway's own metadata verifier and read by samlify, third-party SAML code),
 * valid for a bounded time with a cacheDuration, made again before it expires, and asserting the
 * REFEDS entity category whose attribute bundle it requests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { samlify } from '../../demo/saml';
import { loadOrCreateKeyPair, type DemoKeyPair } from '../../demo/keys';
import { MetadataSignatureError, spMetadataSource, spMetadataXml, spSettings, verifyMetadataSignature } from '../../idp-adapters/saml';
import { testConfig } from '../helpers/gateway';

let dir: string;
let spKey: DemoKeyPair;
let otherKey: DemoKeyPair;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'passway-sp-metadata-'));
  spKey = await loadOrCreateKeyPair(path.join(dir, 'sp'), 'sp');
  otherKey = await loadOrCreateKeyPair(path.join(dir, 'other'), 'federation-registered');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const NOW = new Date('2026-12-02T08:00:00Z');
const settings = (saml: Record<string, unknown> = {}, metadataSigning?: DemoKeyPair) =>
  spSettings(testConfig({ saml: saml as never }).saml, new URL('https://gw.lib.example.edu.cn'), { signing: spKey, metadataSigning });
const attr = (xml: string, name: string) => new RegExp(`<md:EntityDescriptor[^>]* ${name}="([^"]+)"`).exec(xml)?.[1];
const requested = (xml: string) => [...xml.matchAll(/<md:RequestedAttribute [^>]*FriendlyName="([^"]+)"/g)].map((m) => m[1]);

describe('SP metadata', () => {
  test('signed by default with the SP signing key, RSA-SHA256 over the whole EntityDescriptor; valid 10 days, cached 6 hours', async () => {
    const xml = spMetadataXml(settings(), NOW);
    await expect(verifyMetadataSignature(xml, spKey.certificatePem, ['EntityDescriptor'])).resolves.toContain('entityID="https://gw.lib.example.edu.cn/auth/saml/metadata"');
    expect(xml).toContain('<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>');
    expect(attr(xml, 'validUntil')).toBe('2026-12-12T08:00:00Z');
    expect(attr(xml, 'cacheDuration')).toBe('PT21600S');
    expect(attr(xml, 'ID')).toMatch(/^_[0-9a-f]{32}$/);
  });

  test.each([
    ['a changed ACS location', (xml: string) => xml.replace('/auth/saml/acs', '/evil/acs')],
    ['a later validUntil', (xml: string) => xml.replace(/validUntil="[^"]+"/, 'validUntil="2099-01-01T00:00:00Z"')],
    ['an added encryption key', (xml: string) => xml.replace('<md:SingleLogoutService', `<md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${otherKey.certificateBase64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleLogoutService`)],
  ])('%s breaks the signature', async (_name, tamper) => {
    const xml = tamper(spMetadataXml(settings(), NOW));
    await expect(verifyMetadataSignature(xml, spKey.certificatePem, ['EntityDescriptor'])).rejects.toThrow(MetadataSignatureError);
  });

  test('a metadata key of its own signs instead of the SP key; sign: false leaves it unsigned', async () => {
    const own = spMetadataXml(settings({}, otherKey), NOW);
    await expect(verifyMetadataSignature(own, otherKey.certificatePem, ['EntityDescriptor'])).resolves.toBeDefined();
    await expect(verifyMetadataSignature(own, spKey.certificatePem, ['EntityDescriptor'])).rejects.toThrow(MetadataSignatureError);
    expect(spMetadataXml(settings({ metadata: { sign: false } }), NOW)).not.toContain('ds:Signature');
  });

  test.each([
    ['anonymous', ['eduPersonScopedAffiliation', 'schacHomeOrganization', 'eduPersonEntitlement']],
    ['pseudonymous', ['eduPersonScopedAffiliation', 'schacHomeOrganization', 'eduPersonEntitlement', 'pairwise-id', 'eduPersonAssurance']],
    ['personalized', ['eduPersonScopedAffiliation', 'schacHomeOrganization', 'eduPersonEntitlement', 'subject-id', 'eduPersonAssurance', 'displayName', 'givenName', 'sn', 'mail']],
  ])('entity category %s: asserted, and exactly its REFEDS bundle (plus entitlement) requested', async (category, bundle) => {
    const xml = spMetadataXml(settings({ entityCategory: category }), NOW);
    expect(xml).toContain(`<saml:Attribute xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" Name="http://macedir.org/entity-category" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"><saml:AttributeValue>https://refeds.org/category/${category}</saml:AttributeValue></saml:Attribute>`);
    expect(requested(xml)).toEqual(bundle);
    await expect(verifyMetadataSignature(xml, spKey.certificatePem, ['EntityDescriptor'])).resolves.toBeDefined();
  });

  test('no category by default: nothing asserted', () => {
    const xml = spMetadataXml(settings(), NOW);
    expect(xml).not.toContain('entity-category');
    expect(requested(xml)).toContain('eduPersonEntitlement');
  });

  test('samlify (third-party SAML code) reads the signed metadata: entityID, ACS, signing certificate', () => {
    const xml = spMetadataXml(settings({ entityCategory: 'pseudonymous' }), NOW);
    const sp = samlify.ServiceProvider({ metadata: xml });
    expect(sp.entityMeta.getEntityID()).toBe('https://gw.lib.example.edu.cn/auth/saml/metadata');
    expect((sp.entityMeta as unknown as { meta: { assertionConsumerService: unknown } }).meta.assertionConsumerService).toMatchObject({ binding: samlify.Constants.namespace.binding.post, location: 'https://gw.lib.example.edu.cn/auth/saml/acs' });
    expect(String(sp.entityMeta.getX509Certificate('signing'))).toContain(spKey.certificateBase64.slice(0, 40));
  });

  test('as served, every node makes the same document, and a new one each half of its validity, so it never expires at the IdP', () => {
    const period = 5 * 86_400_000; // half of validDays 10
    const start = Math.ceil(NOW.getTime() / period) * period;
    let now = new Date(start + 1000);
    const nodeA = spMetadataSource(settings(), () => now);
    const first = nodeA();
    const nodeB = spMetadataSource(settings(), () => new Date(start + period - 1000)); // another node, later in the same period
    expect(nodeB()).toBe(first);
    expect(Date.parse(attr(first, 'validUntil')!)).toBe(start + 2 * period);
    now = new Date(start + period + 1000);
    const second = nodeA();
    expect(second).not.toBe(first);
    expect(Date.parse(attr(second, 'validUntil')!)).toBe(start + 3 * period);
  });
});
