/**
 * Signed, IdP-initiated (unsolicited) SAML 2.0 responses as a Shibboleth IdP sends them: the
 * Assertion and the Response each carry an enveloped RSA-SHA256 signature (xml-crypto, exclusive
 * c14n) after their Issuer; any attributes by name (NameFormat uri). For interop tests and bench/acs,
 * where the demo IdP's fixed attribute set does not reach (pairwise-id) or its signing is too slow.
 */
import { randomBytes } from 'node:crypto';
import { SignedXml } from 'xml-crypto';

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const URI = 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri';

export const ATTRIBUTE = {
  pairwiseId: 'urn:oasis:names:tc:SAML:attribute:pairwise-id',
  subjectId: 'urn:oasis:names:tc:SAML:attribute:subject-id',
  eduPersonEntitlement: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.7',
  eduPersonScopedAffiliation: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.9',
  eduPersonPrincipalName: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.6',
} as const;

export interface ResponseOptions {
  idpEntityID: string;
  /** The IdP's signing key and certificate (PEM). */
  key: { privateKeyPem: string; certificatePem: string };
  spEntityID: string;
  acsUrl: string;
  /** Persistent NameID value (qualified with both entityIDs). */
  nameID: string;
  /** Values by attribute name (an OID or SAML URN). */
  attributes: Record<string, readonly string[]>;
  /** Default now; validity is 5 minutes from it. */
  now?: Date;
}

const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const id = () => `_${randomBytes(16).toString('hex')}`;

function signAfterIssuer(xml: string, key: ResponseOptions['key'], element: 'Response' | 'Assertion'): string {
  const sig = new SignedXml({ privateKey: key.privateKeyPem, publicCert: key.certificatePem, signatureAlgorithm: RSA_SHA256, canonicalizationAlgorithm: EXC_C14N });
  const target = `//*[local-name(.)='${element}']`;
  sig.addReference({ xpath: target, transforms: [ENVELOPED, EXC_C14N], digestAlgorithm: SHA256 });
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: `${target}/*[local-name(.)='Issuer']`, action: 'after' } });
  return sig.getSignedXml();
}

/** A signed unsolicited response (fresh Response and Assertion IDs each call); returns its XML. */
export function signedResponse(o: ResponseOptions): string {
  const now = o.now ?? new Date();
  const instant = now.toISOString();
  const until = new Date(now.getTime() + 5 * 60 * 1000).toISOString();
  const idp = esc(o.idpEntityID);
  const attributes = Object.entries(o.attributes)
    .filter(([, values]) => values.length > 0)
    .map(([name, values]) => `<saml:Attribute Name="${esc(name)}" NameFormat="${URI}">${values.map((v) => `<saml:AttributeValue xsi:type="xs:string">${esc(v)}</saml:AttributeValue>`).join('')}</saml:Attribute>`)
    .join('');
  const xml =
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id()}" Version="2.0" IssueInstant="${instant}" Destination="${esc(o.acsUrl)}">` +
    `<saml:Issuer>${idp}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    `<saml:Assertion xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="${id()}" Version="2.0" IssueInstant="${instant}">` +
    `<saml:Issuer>${idp}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="${PERSISTENT}" NameQualifier="${idp}" SPNameQualifier="${esc(o.spEntityID)}">${esc(o.nameID)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${until}" Recipient="${esc(o.acsUrl)}"/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${instant}" NotOnOrAfter="${until}"><saml:AudienceRestriction><saml:Audience>${esc(o.spEntityID)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${instant}" SessionIndex="${id()}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    `<saml:AttributeStatement>${attributes}</saml:AttributeStatement></saml:Assertion></samlp:Response>`;
  return signAfterIssuer(signAfterIssuer(xml, o.key, 'Assertion'), o.key, 'Response');
}
