/**
 * The SAML Response a virtual IdP sends to a vendor's ACS (HTTP-POST binding), built with
 * xmlbuilder (the builder node-saml uses for its own messages) and signed with xml-crypto's
 * SignedXml: RSA-SHA256, SHA-256 digests, exclusive c14n, enveloped, by ID. The Assertion is signed
 * first; when the SP's metadata publishes an encryption key it is then encrypted to it
 * (xml-encryption: AES-256-GCM, RSA-OAEP) as an EncryptedAssertion; the Response is signed last.
 *
 * Audience is the SP entityID; Destination and the bearer Recipient are the ACS URL chosen from
 * the SP's metadata; InResponseTo the request's ID (absent for an unsolicited response);
 * NotOnOrAfter at most idp.assertionLifetimeSeconds (≤ 5 minutes) after now.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import { buildXmlBuilderObject } from '@node-saml/node-saml/lib/xml';
import { SignedXml } from 'xml-crypto';
import { encrypt } from 'xml-encryption';
import type { KeyPairPem } from '../../idp-adapters/saml/sp-config';
import { NS } from '../../idp-adapters/saml/xml';
import { ATTRNAME_URI, type Release } from './release';

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const RESPONDER = 'urn:oasis:names:tc:SAML:2.0:status:Responder';
const NO_PASSIVE = 'urn:oasis:names:tc:SAML:2.0:status:NoPassive';
const REQUESTER = 'urn:oasis:names:tc:SAML:2.0:status:Requester';
const INVALID_NAMEID_POLICY = 'urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const AC_UNSPECIFIED = 'urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified';
const AC_PASSWORD_PROTECTED = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';

const encryptAsync = promisify(encrypt);

export interface ResponseInput {
  idpEntityID: string;
  spEntityID: string;
  acsUrl: string;
  /** The AuthnRequest's ID; absent for an IdP-initiated (unsolicited) response. */
  inResponseTo?: string;
  release: Release;
  /** When the reader signed in at their campus (AuthnInstant). */
  authnInstant?: string;
  /** A SessionIndex for this assertion (opaque). */
  sessionIndex: string;
  signing: KeyPairPem;
  /** The SP's encryption certificate, when its metadata publishes one. */
  encryptTo?: string;
  lifetimeMs: number;
  now?: Date;
}

const issuerOf = (entityID: string) => ({ '@Format': 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity', '#text': entityID });
const samlId = () => `_${randomBytes(20).toString('hex')}`;
const instant = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Sign the element `/…/<local>` (by its ID) and put the signature right after its Issuer. */
function sign(xml: string, elementPath: string, key: KeyPairPem): string {
  const sig = new SignedXml({ privateKey: key.privateKeyPem, publicCert: key.certificatePem, signatureAlgorithm: RSA_SHA256, canonicalizationAlgorithm: EXC_C14N });
  sig.addReference({ xpath: elementPath, transforms: [ENVELOPED, EXC_C14N], digestAlgorithm: SHA256 });
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: `${elementPath}/*[local-name(.)='Issuer']`, action: 'after' } });
  return sig.getSignedXml();
}

/** The base64 SAMLResponse form value. */
export async function buildResponse(input: ResponseInput): Promise<string> {
  const now = input.now ?? new Date();
  const notOnOrAfter = instant(new Date(now.getTime() + input.lifetimeMs));
  const issueInstant = instant(now);
  const issuer = issuerOf(input.idpEntityID);
  const inResponseTo = input.inResponseTo ? { '@InResponseTo': input.inResponseTo } : {};
  const { nameID, attributes } = input.release;

  const assertion = buildXmlBuilderObject(
    {
      'saml:Assertion': {
        '@xmlns:saml': NS.saml,
        '@ID': samlId(),
        '@Version': '2.0',
        '@IssueInstant': issueInstant,
        'saml:Issuer': issuer,
        'saml:Subject': {
          'saml:NameID': {
            '@Format': nameID.format,
            '@NameQualifier': input.idpEntityID,
            '@SPNameQualifier': input.spEntityID,
            '#text': nameID.value,
          },
          'saml:SubjectConfirmation': {
            '@Method': BEARER,
            'saml:SubjectConfirmationData': { '@NotOnOrAfter': notOnOrAfter, '@Recipient': input.acsUrl, ...inResponseTo },
          },
        },
        'saml:Conditions': {
          '@NotBefore': issueInstant,
          '@NotOnOrAfter': notOnOrAfter,
          'saml:AudienceRestriction': { 'saml:Audience': input.spEntityID },
        },
        'saml:AuthnStatement': {
          '@AuthnInstant': input.authnInstant ?? issueInstant,
          '@SessionIndex': input.sessionIndex,
          'saml:AuthnContext': { 'saml:AuthnContextClassRef': input.authnInstant ? AC_PASSWORD_PROTECTED : AC_UNSPECIFIED },
        },
        ...(attributes.length > 0
          ? {
              'saml:AttributeStatement': {
                'saml:Attribute': attributes.map((attribute) => ({
                  '@Name': attribute.name,
                  '@NameFormat': ATTRNAME_URI,
                  '@FriendlyName': attribute.friendlyName,
                  'saml:AttributeValue': attribute.values,
                })),
              },
            }
          : {}),
      },
    },
    false,
  );
  const signedAssertion = withoutDeclaration(sign(withoutDeclaration(assertion), "/*[local-name(.)='Assertion']", input.signing));
  const carried = input.encryptTo ? await encryptedAssertion(signedAssertion, input.encryptTo) : signedAssertion;

  return signedResponse(input, now, { 'samlp:StatusCode': { '@Value': SUCCESS } }, carried);
}

/** What a Response without an assertion needs: who sends it, where, in answer to what. */
export type StatusResponseInput = Pick<ResponseInput, 'idpEntityID' | 'acsUrl' | 'inResponseTo' | 'signing' | 'now'>;

/**
 * A signed Response with no assertion (SAML core 3.4.1.1): Responder/NoPassive when the vendor
 * asked for a passive sign-in (IsPassive) this IdP cannot give without the reader;
 * Requester/InvalidNameIDPolicy when it asked for a NameID format this IdP does not release to it.
 */
export function buildStatusResponse(input: StatusResponseInput, status: 'NoPassive' | 'InvalidNameIDPolicy'): string {
  const [top, second] = status === 'NoPassive' ? [RESPONDER, NO_PASSIVE] : [REQUESTER, INVALID_NAMEID_POLICY];
  return signedResponse(input, input.now ?? new Date(), { 'samlp:StatusCode': { '@Value': top, 'samlp:StatusCode': { '@Value': second } } }, undefined);
}

/** The Response around an assertion (or none), signed last; the base64 form value. */
function signedResponse(input: StatusResponseInput, now: Date, status: Record<string, unknown>, carried: string | undefined): string {
  const response = buildXmlBuilderObject(
    {
      'samlp:Response': {
        '@xmlns:samlp': NS.samlp,
        '@xmlns:saml': NS.saml,
        '@ID': samlId(),
        '@Version': '2.0',
        '@IssueInstant': instant(now),
        '@Destination': input.acsUrl,
        ...(input.inResponseTo ? { '@InResponseTo': input.inResponseTo } : {}),
        'saml:Issuer': issuerOf(input.idpEntityID),
        'samlp:Status': status,
        ...(carried ? { '#raw': carried } : {}),
      },
    },
    false,
  );
  const signed = sign(withoutDeclaration(response), "/*[local-name(.)='Response']", input.signing);
  return Buffer.from(signed, 'utf8').toString('base64');
}

async function encryptedAssertion(assertion: string, certificatePem: string): Promise<string> {
  const publicKey = new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const encryptedData = await encryptAsync(assertion, {
    rsa_pub: publicKey,
    pem: certificatePem,
    encryptionAlgorithm: 'http://www.w3.org/2009/xmlenc11#aes256-gcm',
    keyEncryptionAlgorithm: 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
    disallowEncryptionWithInsecureAlgorithm: true,
  });
  return `<saml:EncryptedAssertion xmlns:saml="${NS.saml}">${encryptedData}</saml:EncryptedAssertion>`;
}

const withoutDeclaration = (xml: string) => xml.replace(/^<\?xml[^>]*\?>\s*/, '');
