/**
 * The one XML-signature algorithm policy, for everything Passway verifies (SAML responses and
 * assertions, IdP metadata, federation aggregates): RSA with SHA-256 or better. SHA-1 is refused
 * for signatures and digests (chosen-prefix collisions are practical: SHAttered 2017, "SHA-1 is a
 * Shambles" 2020; NIST SP 800-131A disallows it for signatures). The list is what xml-crypto can
 * verify beyond SHA-1.
 */
import { NS, path } from './xml';

export const SIGNATURE_ALGORITHMS: ReadonlySet<string> = new Set([
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
]);
export const DIGEST_ALGORITHMS: ReadonlySet<string> = new Set(['http://www.w3.org/2001/04/xmlenc#sha256', 'http://www.w3.org/2001/04/xmlenc#sha512']);

/** Why this ds:Signature's algorithms are refused, or undefined when its signature and every digest meet the policy. */
export function refusedAlgorithm(signature: Element): string | undefined {
  const method = path(signature, [[NS.ds, 'SignedInfo'], [NS.ds, 'SignatureMethod']])[0]?.getAttribute('Algorithm') ?? '';
  if (!SIGNATURE_ALGORITHMS.has(method)) return `signature algorithm ${method || '(none)'} is not RSA-SHA256 or better`;
  for (const digest of path(signature, [[NS.ds, 'SignedInfo'], [NS.ds, 'Reference'], [NS.ds, 'DigestMethod']])) {
    const algorithm = digest.getAttribute('Algorithm') ?? '';
    if (!DIGEST_ALGORITHMS.has(algorithm)) return `digest algorithm ${algorithm || '(none)'} is not SHA-256 or better`;
  }
  return undefined;
}
