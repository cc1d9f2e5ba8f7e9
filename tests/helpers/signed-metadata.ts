/**
 * SAML metadata signed as a federation signs it (xml-crypto: enveloped, exclusive c14n, the
 * signature the first child of the root), for the federation and MDQ suites.
 */
import { createHash, randomBytes } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import type { DemoKeyPair } from '../../demo/keys';

export const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
export const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
export const SHA1 = 'http://www.w3.org/2000/09/xmldsig#sha1';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
export const DAY = 86_400_000;

export function sign(xml: string, key: DemoKeyPair, algorithms: { signature: string; digest: string } = { signature: RSA_SHA256, digest: SHA256 }): string {
  const sig = new SignedXml({ privateKey: key.privateKeyPem, publicCert: key.certificatePem, signatureAlgorithm: algorithms.signature, canonicalizationAlgorithm: EXC_C14N });
  sig.addReference({ xpath: '/*', transforms: [ENVELOPED, EXC_C14N], digestAlgorithm: algorithms.digest });
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: '/*', action: 'prepend' } });
  return sig.getSignedXml();
}

export const withoutXmlDecl = (xml: string) => xml.replace(/<\?xml[^>]*\?>\s*/, '');

/** One md:EntityDescriptor (as an IdP publishes it) made the root of an MDQ answer: an ID, validUntil and cacheDuration. */
export function entityAnswer(entityXml: string, opts: { validUntil?: Date; cacheDuration?: string } = {}): string {
  const validUntil = (opts.validUntil ?? new Date(Date.now() + 7 * DAY)).toISOString();
  return withoutXmlDecl(entityXml).replace('<md:EntityDescriptor ', `<md:EntityDescriptor ID="_e${randomBytes(8).toString('hex')}" validUntil="${validUntil}" cacheDuration="${opts.cacheDuration ?? 'PT1H'}" `);
}

/** An md:EntitiesDescriptor holding these entities (each without its XML declaration). */
export function aggregateOf(entities: string[], opts: { validUntil?: Date } = {}): string {
  const validUntil = (opts.validUntil ?? new Date(Date.now() + 7 * DAY)).toISOString();
  return `<md:EntitiesDescriptor xmlns:md="${MD}" ID="_fed${randomBytes(8).toString('hex')}" Name="urn:passway:test-federation" validUntil="${validUntil}" cacheDuration="PT1H">\n${entities.map(withoutXmlDecl).join('\n')}\n</md:EntitiesDescriptor>\n`;
}

export const sha1Hex = (entityID: string) => createHash('sha1').update(entityID, 'utf8').digest('hex');
