/**
 * An AuthnRequest arriving at a virtual IdP's SSO endpoint (HTTP-Redirect: deflated, with an
 * optional detached signature; HTTP-POST: base64, with an optional enveloped signature), checked
 * before anyone is asked to sign in:
 *
 * 1. well-formed samlp:AuthnRequest, SAML 2.0, an ID, no XML comments, at most 100 kB inflated;
 * 2. the Issuer is an SP of a catalog resource (`access: idp`), its metadata from the metadata
 *    file or a verified federation aggregate only;
 * 3. signed when its metadata says AuthnRequestsSigned, the resource or `idp.requireSignedRequests`
 *    demands it, and any signature present is verified with the SP's metadata keys only
 *    (RSA-SHA256 or better); the fields are then read from what was signed;
 * 4. Destination, when given (required when signed), is this IdP's SSO URL;
 * 5. IssueInstant within the clock skew, and not older than the replay window;
 * 6. the ACS: AssertionConsumerServiceURL must be one of the metadata's HTTP-POST ACS URLs,
 *    AssertionConsumerServiceIndex one of its indexes, else the default ACS; ProtocolBinding, when
 *    given, HTTP-POST;
 * 7. the ID is used once (remembered in the store for the replay window).
 */
import { createHash, createVerify } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { getVerifiedXml } from '@node-saml/node-saml/lib/xml';
import { refusedAlgorithm } from '../../idp-adapters/saml/algorithms';
import { BINDING_POST } from '../../idp-adapters/saml/metadata';
import type { SpMetadata } from '../../idp-adapters/saml/sp-metadata';
import { attr, child, hasComments, NS, parseXml, text } from '../../idp-adapters/saml/xml';
import type { Store } from '../store/types';
import type { SpTrust, TrustedSp } from './sp-trust';
import { SpMetadataUnavailable } from './sp-trust';

/** A request older than this is refused, so its ID need be remembered no longer. */
export const REQUEST_WINDOW_MS = 10 * 60_000;
const MAX_MESSAGE_BYTES = 100_000;
const BASE64 = /^[A-Za-z0-9+/=\s]+$/;
const SAML_ID = /^[A-Za-z_][\w.-]{0,255}$/;
/** Detached (Redirect-binding) signatures: what node's crypto verifies, within the one algorithm policy. */
const REDIRECT_ALGORITHMS: Record<string, string> = {
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': 'sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512': 'sha512',
};

/** Why a request is refused: a stable code for the log and the reader's page. */
export type RequestRefusal =
  | 'malformed'
  | 'sp-unknown'
  | 'sp-metadata-unavailable'
  | 'unsigned'
  | 'signature-invalid'
  | 'algorithm-refused'
  | 'destination-mismatch'
  | 'stale'
  | 'acs-not-in-metadata'
  | 'binding-unsupported'
  | 'replayed';

export class AuthnRequestError extends Error {
  override readonly name = 'AuthnRequestError';
  constructor(
    readonly reason: RequestRefusal,
    message: string,
    /** The SP, once known (its name goes on the page). */
    readonly sp?: TrustedSp,
  ) {
    super(message);
  }
}

/** What a verified AuthnRequest asks for. */
export interface AuthnRequest {
  id: string;
  sp: TrustedSp;
  /** Where the response goes: an ACS URL from the SP's metadata. */
  acsUrl: string;
  relayState?: string;
  forceAuthn: boolean;
  isPassive: boolean;
  /** NameIDPolicy's Format, when the request names one. */
  nameIDFormat?: string;
  signed: boolean;
}

export interface IncomingSso {
  binding: 'redirect' | 'post';
  /** Query (Redirect) or form body (POST). */
  params: Record<string, unknown>;
  /** The raw query string, as received (the Redirect signature covers its exact bytes). */
  rawQuery: string;
}

export interface RequestChecks {
  trust: SpTrust;
  store: Store;
  /** This virtual IdP's SSO URL (the only acceptable Destination). */
  ssoUrl: string;
  requireSigned: boolean;
  clockSkewMs: number;
  now?: () => number;
}

const fail = (reason: RequestRefusal, message: string, sp?: TrustedSp): never => {
  throw new AuthnRequestError(reason, message, sp);
};

/** Decode, verify and check one AuthnRequest; throws AuthnRequestError with the reason. */
export async function receiveAuthnRequest(incoming: IncomingSso, checks: RequestChecks): Promise<AuthnRequest> {
  const now = (checks.now ?? Date.now)();
  const encoded = incoming.params.SAMLRequest;
  if (typeof encoded !== 'string' || encoded === '' || !BASE64.test(encoded)) return fail('malformed', 'no SAMLRequest');
  const xml = decode(encoded, incoming.binding);
  const doc = await parseXml(xml).catch(() => fail('malformed', 'the AuthnRequest is not well-formed XML'));
  const root = doc.documentElement;
  if (!root || root.namespaceURI !== NS.samlp || root.localName !== 'AuthnRequest') return fail('malformed', 'SAMLRequest is not a samlp:AuthnRequest');
  if (hasComments(doc)) return fail('malformed', 'SAML messages must not contain XML comments');

  const issuer = text(child(root, NS.saml, 'Issuer'));
  if (!issuer) return fail('malformed', 'the AuthnRequest names no Issuer');
  let sp: TrustedSp | undefined;
  try {
    sp = await checks.trust.find(issuer);
  } catch (error) {
    if (error instanceof SpMetadataUnavailable) return fail('sp-metadata-unavailable', error.message);
    throw error;
  }
  if (!sp) return fail('sp-unknown', `${issuer} is not the SP of any catalog resource`);

  const relayState = typeof incoming.params.RelayState === 'string' ? incoming.params.RelayState : undefined;
  const mustSign = checks.requireSigned || sp.method.requireSignedRequests || sp.metadata.authnRequestsSigned;
  let request: Element = root;
  let signed = false;
  if (incoming.binding === 'redirect') {
    signed = verifyRedirectSignature(incoming, sp);
  } else if (child(root, NS.ds, 'Signature')) {
    request = await verifyPostSignature(xml, root, sp);
    signed = true;
  }
  if (mustSign && !signed) return fail('unsigned', `${issuer} must sign its AuthnRequests (${sp.metadata.authnRequestsSigned ? 'its metadata says AuthnRequestsSigned' : 'configured'})`, sp);

  const id = attr(request, 'ID') ?? '';
  if (!SAML_ID.test(id)) return fail('malformed', 'the AuthnRequest has no usable ID', sp);
  if (attr(request, 'Version') !== '2.0') return fail('malformed', 'not a SAML 2.0 AuthnRequest', sp);
  const destination = attr(request, 'Destination');
  if (destination !== undefined ? destination !== checks.ssoUrl : signed) {
    return fail('destination-mismatch', `the AuthnRequest is addressed to ${destination ?? '(no Destination)'}, not ${checks.ssoUrl}`, sp);
  }
  const issued = Date.parse(attr(request, 'IssueInstant') ?? '');
  if (!Number.isFinite(issued) || issued > now + checks.clockSkewMs || issued < now - REQUEST_WINDOW_MS) {
    return fail('stale', `IssueInstant ${attr(request, 'IssueInstant') ?? '(none)'} is outside the accepted window`, sp);
  }
  const binding = attr(request, 'ProtocolBinding');
  if (binding !== undefined && binding !== BINDING_POST) return fail('binding-unsupported', `responses go by HTTP-POST only, not ${binding}`, sp);
  const acsUrl = chooseAcs(sp.metadata, attr(request, 'AssertionConsumerServiceURL'), attr(request, 'AssertionConsumerServiceIndex'), sp);

  // One use: remembered for the window in which it would still be accepted.
  const seen = `idp:authn-seen:${createHash('sha256').update(`${issuer}\n${id}`).digest('base64url')}`;
  if (!(await checks.store.setIfAbsent(seen, '1', REQUEST_WINDOW_MS + 2 * checks.clockSkewMs))) return fail('replayed', `AuthnRequest ${id} was already used`, sp);

  const nameIDFormat = attr(child(request, NS.samlp, 'NameIDPolicy'), 'Format');
  return { id, sp, acsUrl, relayState, forceAuthn: attr(request, 'ForceAuthn') === 'true', isPassive: attr(request, 'IsPassive') === 'true', ...(nameIDFormat ? { nameIDFormat } : {}), signed };
}

/** The ACS a response may go to: named by URL or index, else the default; always one of the metadata's. */
export function chooseAcs(metadata: SpMetadata, url: string | undefined, index: string | undefined, sp?: TrustedSp): string {
  if (url !== undefined && index !== undefined) return fail('malformed', 'AssertionConsumerServiceURL and AssertionConsumerServiceIndex are mutually exclusive', sp);
  if (url !== undefined) {
    if (!metadata.acs.some((acs) => acs.location === url)) return fail('acs-not-in-metadata', `${url} is not an HTTP-POST AssertionConsumerService in the SP's metadata`, sp);
    return url;
  }
  if (index !== undefined) {
    const byIndex = metadata.acs.find((acs) => acs.index !== undefined && String(acs.index) === index);
    if (!byIndex) return fail('acs-not-in-metadata', `AssertionConsumerServiceIndex ${index} is not in the SP's metadata`, sp);
    return byIndex.location;
  }
  return (metadata.acs.find((acs) => acs.isDefault) ?? metadata.acs[0]!).location;
}

function decode(encoded: string, binding: 'redirect' | 'post'): string {
  const raw = Buffer.from(encoded, 'base64');
  if (raw.length > MAX_MESSAGE_BYTES) return fail('malformed', 'the AuthnRequest is too large');
  // The POST binding carries plain XML; node-saml (among others) deflates it there too, so that is read as well.
  if (binding === 'post' && raw.toString('utf8', 0, 64).trimStart().startsWith('<')) return raw.toString('utf8');
  try {
    return inflateRawSync(raw, { maxOutputLength: MAX_MESSAGE_BYTES }).toString('utf8');
  } catch {
    return fail('malformed', 'the SAMLRequest does not inflate');
  }
}

/**
 * SAML bindings §3.4.4.1: the signature covers `SAMLRequest=…&RelayState=…&SigAlg=…` exactly as
 * URL-encoded on the wire. False when the request carries no signature.
 */
function verifyRedirectSignature(incoming: IncomingSso, sp: TrustedSp): boolean {
  const { Signature: signature, SigAlg: sigAlg } = incoming.params;
  if (signature === undefined && sigAlg === undefined) return false;
  if (typeof signature !== 'string' || typeof sigAlg !== 'string') return fail('signature-invalid', 'Signature and SigAlg must come together', sp);
  const hash = REDIRECT_ALGORITHMS[sigAlg];
  if (!hash) return fail('algorithm-refused', `signature algorithm ${sigAlg} is not RSA-SHA256 or better`, sp);
  const raw = new Map<string, string>();
  for (const part of incoming.rawQuery.split('&')) {
    const at = part.indexOf('=');
    const name = at < 0 ? part : part.slice(0, at);
    if (raw.has(name)) return fail('malformed', `${name} is given twice`, sp);
    raw.set(name, part);
  }
  const octets = ['SAMLRequest', 'RelayState', 'SigAlg'].flatMap((name) => (raw.has(name) ? [raw.get(name)!] : [])).join('&');
  const valid = sp.metadata.signingCerts.some((pem) => {
    try {
      return createVerify(hash).update(octets).verify(pem, signature, 'base64');
    } catch {
      return false;
    }
  });
  if (!valid) return fail('signature-invalid', `the Redirect-binding signature does not verify with ${sp.metadata.entityID}'s metadata keys`, sp);
  return true;
}

/** An enveloped signature over the AuthnRequest itself, checked by node-saml (xml-crypto); returns the signed element to read from. */
async function verifyPostSignature(xml: string, root: Element, sp: TrustedSp): Promise<Element> {
  for (const signature of Array.from(root.getElementsByTagNameNS(NS.ds, 'Signature'))) {
    const why = refusedAlgorithm(signature);
    if (why) return fail('algorithm-refused', why, sp);
  }
  let verified: string | null;
  try {
    verified = sp.metadata.signingCerts.length > 0 ? getVerifiedXml(xml, root, sp.metadata.signingCerts) : null;
  } catch (error) {
    return fail('signature-invalid', (error as Error).message, sp);
  }
  if (!verified) return fail('signature-invalid', `the AuthnRequest signature does not verify with ${sp.metadata.entityID}'s metadata keys`, sp);
  const signedRoot = (await parseXml(verified)).documentElement;
  if (!signedRoot || signedRoot.namespaceURI !== NS.samlp || signedRoot.localName !== 'AuthnRequest') return fail('signature-invalid', 'the signed element is not the AuthnRequest', sp);
  return signedRoot;
}
