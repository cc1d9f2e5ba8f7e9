/** Reading a verified aggregate: nested groups, roles, validUntil at every level, cacheDuration. */
import { durationMs, readAggregate } from '../../idp-adapters/saml/federation-aggregate';

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const CERT = 'MIIBszCCAVmgAwIBAgIUQ'; // only carried through, not parsed here
const NOW = Date.parse('2026-03-01T00:00:00Z');

const idp = (entityID: string, extra = '') =>
  `<md:EntityDescriptor entityID="${entityID}" ${extra}><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
  `<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${CERT}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
  `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${entityID}/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>`;
const sp = '<md:EntityDescriptor entityID="https://sp.example/sp"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>';
const root = (body: string, attrs = 'validUntil="2026-03-08T00:00:00Z" cacheDuration="PT6H"') => `<md:EntitiesDescriptor xmlns:md="${MD}" ID="_a" ${attrs}>${body}</md:EntitiesDescriptor>`;

test('IdPs from the root and nested groups; SPs ignored; expired entities and groups left out', async () => {
  const xml = root(
    idp('https://a/idp') + sp + idp('https://old/idp', 'validUntil="2026-02-01T00:00:00Z"') +
      `<md:EntitiesDescriptor>${idp('https://b/idp')}</md:EntitiesDescriptor>` +
      `<md:EntitiesDescriptor validUntil="2026-01-01T00:00:00Z">${idp('https://c/idp')}</md:EntitiesDescriptor>` +
      `<md:EntityDescriptor entityID="https://broken/idp"><md:IDPSSODescriptor protocolSupportEnumeration="x"/></md:EntityDescriptor>`,
  );
  const aggregate = await readAggregate(xml, NOW);
  expect([...aggregate.idps.keys()]).toEqual(['https://a/idp', 'https://b/idp']);
  expect(aggregate.idps.get('https://b/idp')?.ssoRedirectUrl).toBe('https://b/idp/sso');
  expect(aggregate.skipped.map((s) => s.entityID)).toEqual(['https://old/idp', 'https://broken/idp']);
  expect(aggregate.validUntil?.toISOString()).toBe('2026-03-08T00:00:00.000Z');
  expect(aggregate.cacheDurationMs).toBe(6 * 3_600_000);
});

test('an expired aggregate, a bad validUntil or one without any usable IdP is refused', async () => {
  await expect(readAggregate(root(idp('https://a/idp'), 'validUntil="2026-02-28T23:59:59Z"'), NOW)).rejects.toThrow(/expired at 2026-02-28T23:59:59.000Z/);
  await expect(readAggregate(root(idp('https://a/idp'), 'validUntil="soon"'), NOW)).rejects.toThrow(/not a date/);
  await expect(readAggregate(root(sp, ''), NOW)).rejects.toThrow(/no usable IdP/);
});

test('xs:duration values', () => {
  expect(durationMs('PT1H')).toBe(3_600_000);
  expect(durationMs('P1DT30M')).toBe(86_400_000 + 1_800_000);
  expect(durationMs('PT90.5S')).toBe(90_500);
  expect(durationMs('P')).toBeUndefined();
  expect(durationMs('6 hours')).toBeUndefined();
  expect(durationMs(undefined)).toBeUndefined();
});

test('one md:EntityDescriptor as the root (an MDQ answer): read the same way, its validUntil and cacheDuration kept', async () => {
  const answer = idp('https://a/idp', `xmlns:md="${MD}" ID="_e" validUntil="2026-03-15T00:00:00Z" cacheDuration="PT1H"`);
  const read = await readAggregate(answer, NOW);
  expect([...read.idps.keys()]).toEqual(['https://a/idp']);
  expect(read.validUntil?.toISOString()).toBe('2026-03-15T00:00:00.000Z');
  expect(read.cacheDurationMs).toBe(3_600_000);
  await expect(readAggregate(idp('https://a/idp', `xmlns:md="${MD}" validUntil="2026-02-01T00:00:00Z"`), NOW)).rejects.toThrow(/^the entity expired at 2026-02-01T00:00:00.000Z \(validUntil\)$/);
  const noKey = `<md:EntityDescriptor xmlns:md="${MD}" entityID="https://nokey/idp"><md:IDPSSODescriptor protocolSupportEnumeration="x"/></md:EntityDescriptor>`;
  await expect(readAggregate(noKey, NOW)).rejects.toThrow(/^https:\/\/nokey\/idp is not usable: https:\/\/nokey\/idp has no signing certificate$/);
});
