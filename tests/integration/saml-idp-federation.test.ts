/**
 * A vendor SP trusted through a federation's signed aggregate (as CARSI or eduGAIN publish their
 * SPs): the aggregate's signature is checked against the pinned certificate and the SP is read from
 * what was signed; an SP the aggregate does not list, or an aggregate signed by another key, is not
 * trusted. With `idp.requireSignedRequests`, every unsigned AuthnRequest is refused.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { MemoryStore } from '../../gateway/store';
import { startCasServer, type CasServer } from '../fixtures/cas-server';
import { HttpBrowser } from '../helpers/http-browser';
import { aggregateOf, sign } from '../helpers/signed-metadata';
import { startGatewayNode, type GatewayNode } from './saml-harness';
import { follow, pemPair, postedResponse, type PemPair } from './saml-idp-harness';

const certBody = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, '');

let dir: string;
let cas: CasServer;
let gateway: GatewayNode;
let idpKey: PemPair;
let spKey: PemPair;
const sps: Record<'listed' | 'forged' | 'unsigned', { entityID: string; acsUrl: string }> = {
  listed: { entityID: 'https://listed.example.com/sp', acsUrl: 'https://listed.example.com/acs' },
  forged: { entityID: 'https://forged.example.com/sp', acsUrl: 'https://forged.example.com/acs' },
  unsigned: { entityID: 'https://unsigned.example.com/sp', acsUrl: 'https://unsigned.example.com/acs' },
};

const spOf = (which: keyof typeof sps, signed = true) =>
  new SAML({
    entryPoint: `${gateway.url}/idp/example-u/sso`,
    issuer: sps[which].entityID,
    callbackUrl: sps[which].acsUrl,
    audience: sps[which].entityID,
    idpCert: idpKey.cert,
    ...(signed ? { privateKey: spKey.key, publicCert: spKey.cert } : {}),
    signatureAlgorithm: 'sha256',
    digestAlgorithm: 'sha256',
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: true,
    validateInResponseTo: ValidateInResponseTo.always,
    disableRequestedAuthnContext: true,
    identifierFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent', // node-saml would ask for an e-mail address, which this IdP does not release
  });

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'passway-idp-fed-'));
  idpKey = await pemPair(dir, 'idp');
  spKey = await pemPair(dir, 'sp');
  const federationKey = await pemPair(dir, 'federation');
  const otherKey = await pemPair(dir, 'other');
  cas = await startCasServer();
  cas.autoLogin = 'zhang3';
  // A campus IdP too: an aggregate lists IdPs and SPs alike
  const campusIdp = `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://idp.some-campus.edu.cn/idp"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certBody(otherKey.cert)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.some-campus.edu.cn/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>`;
  // node-saml's metadata for the listed SP (and for the unsigned one, which signs nothing)
  gateway = { url: 'http://placeholder' } as GatewayNode;
  const listed = spOf('listed').generateServiceProviderMetadata(null, spKey.cert);
  const unsigned = spOf('unsigned', false).generateServiceProviderMetadata(null);
  const aggregate = sign(aggregateOf([campusIdp, listed, unsigned]), { privateKeyPem: federationKey.key, certificatePem: federationKey.cert, certificateBase64: '' });
  writeFileSync(path.join(dir, 'fed.xml'), aggregate);
  // The "forged" federation file: an SP signed by a key the federation config does not pin
  const forged = sign(aggregateOf([campusIdp, spOf('forged').generateServiceProviderMetadata(null, spKey.cert)]), { privateKeyPem: otherKey.key, certificatePem: otherKey.cert, certificateBase64: '' });
  writeFileSync(path.join(dir, 'forged.xml'), forged);

  const resource = (id: string, which: keyof typeof sps, federation: string) => ({
    id,
    title: { en: id },
    vendor: id,
    hosts: [{ host: new URL(sps[which].acsUrl).host }],
    access: [{ kind: 'idp' as const, entityID: sps[which].entityID, federation }],
    licences: [{ institution: 'example-u' }],
  });
  gateway = await startGatewayNode(
    {
      institutions: [{ id: 'example-u', name: { en: 'Example University' }, domains: ['example.edu.cn'] }],
      logins: [{ kind: 'cas', id: 'campus-cas', institution: 'example-u', serverUrl: cas.url }],
      federations: [
        { id: 'test-fed', metadataFile: path.join(dir, 'fed.xml'), signingCertFile: federationKey.certFile, cacheDir: path.join(dir, 'cache') },
        { id: 'bad-fed', metadataFile: path.join(dir, 'forged.xml'), signingCertFile: federationKey.certFile, cacheDir: path.join(dir, 'cache') },
      ],
      idp: { enabled: true, requireSignedRequests: true, signing: { keyFile: idpKey.keyFile, certFile: idpKey.certFile } },
      resources: [resource('listed', 'listed', 'test-fed'), resource('forged', 'forged', 'bad-fed'), resource('unsigned', 'unsigned', 'test-fed')],
    },
    { store: new MemoryStore() },
  );
});
afterAll(async () => {
  await gateway.close();
  await cas.close();
});

test('an SP listed in the verified aggregate is answered', async () => {
  const sp = spOf('listed');
  const page = await follow(new HttpBrowser(), await sp.getAuthorizeUrlAsync('', undefined, {}));
  const { profile } = await sp.validatePostResponseAsync({ SAMLResponse: postedResponse(page.text).SAMLResponse });
  expect(profile!['urn:oasis:names:tc:SAML:attribute:pairwise-id']).toMatch(/@example\.edu\.cn$/);
});

test('an aggregate signed by a key the federation does not pin lends the SP no trust', async () => {
  const page = await follow(new HttpBrowser(), await spOf('forged').getAuthorizeUrlAsync('', undefined, {}));
  expect(page.res.status).toBe(503);
  expect(page.text).toContain('<code>sp-metadata-unavailable</code>');
  expect(page.text).not.toContain('SAMLResponse');
});

test('with idp.requireSignedRequests an unsigned request is refused even when the SP metadata does not ask for signing', async () => {
  const xml = readFileSync(path.join(dir, 'fed.xml'), 'utf8');
  expect(xml).toMatch(/entityID="https:\/\/unsigned\.example\.com\/sp"[^]*AuthnRequestsSigned="false"/);
  const page = await follow(new HttpBrowser(), await spOf('unsigned', false).getAuthorizeUrlAsync('', undefined, {}));
  expect(page.text).toContain('<code>unsigned</code>');
  expect(page.text).not.toContain('SAMLResponse');
});
