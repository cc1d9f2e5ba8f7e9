/**
 * The XML signature of a metadata document (a federation aggregate, or one IdP's metadata),
 * checked with xml-crypto against the one pinned certificate (a certificate in the document's
 * KeyInfo is never used, except as the candidate of a pinned fingerprint).
 * Returns the canonical XML that xml-crypto verified, so callers read entities from what was
 * signed and never from the received document: anything wrapped around or beside the signed
 * element is not seen at all.
 */
import { X509Certificate } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { DIGEST_ALGORITHMS, SIGNATURE_ALGORITHMS } from './algorithms';
import { attr, certPem, children, NS, parseXml, path, text } from './xml';

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

/**
 * Sign a metadata document as federations do (and as verifyMetadataSignature checks): an enveloped
 * RSA-SHA256 signature over the root element, by its ID, as the root's first child.
 */
export function signMetadata(xml: string, key: { privateKeyPem: string; certificatePem: string }): string {
  const sig = new SignedXml({ privateKey: key.privateKeyPem, publicCert: key.certificatePem, signatureAlgorithm: RSA_SHA256, canonicalizationAlgorithm: EXC_C14N });
  sig.addReference({ xpath: '/*', transforms: [ENVELOPED, EXC_C14N], digestAlgorithm: SHA256 });
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: '/*', action: 'prepend' } });
  return sig.getSignedXml();
}

export class MetadataSignatureError extends Error {
  override readonly name = 'MetadataSignatureError';
}

type MetadataRoot = 'EntitiesDescriptor' | 'EntityDescriptor';

/**
 * Verify that `xml` is an md:EntitiesDescriptor (or another of `roots`) whose own enveloped
 * signature, made with the key of `certificatePem`, covers the root element itself. Returns the
 * signed root as canonical XML.
 */
export async function verifyMetadataSignature(xml: string, certificatePem: string, roots: readonly MetadataRoot[] = ['EntitiesDescriptor']): Promise<string> {
  const fail = (why: string): never => {
    throw new MetadataSignatureError(why);
  };
  const doc = await parseXml(xml).catch(() => fail('the metadata is not well-formed XML'));
  const root = doc.documentElement;
  if (!root || root.namespaceURI !== NS.md || !roots.includes(root.localName as MetadataRoot)) return fail(`the document is not an md:${roots.join(' or md:')}`);

  const signatures = children(root, NS.ds, 'Signature');
  if (signatures.length !== 1) return fail(`the root element carries ${signatures.length} signatures; exactly one is required`);
  const rootId = attr(root, 'ID');

  const sig = new SignedXml({ publicCert: certificatePem, getCertFromKeyInfo: () => null });
  try {
    sig.loadSignature(signatures[0] as Element);
  } catch (error) {
    return fail(`unreadable signature: ${(error as Error).message}`);
  }
  if (!SIGNATURE_ALGORITHMS.has(sig.signatureAlgorithm ?? '')) return fail(`signature algorithm ${String(sig.signatureAlgorithm)} is not RSA-SHA256 or better`);
  const references = sig.getReferences();
  if (references.length !== 1) return fail(`the signature has ${references.length} references; exactly one (the root element) is required`);
  const [reference] = references as [(typeof references)[number]];
  if (!DIGEST_ALGORITHMS.has(reference.digestAlgorithm ?? '')) return fail(`digest algorithm ${String(reference.digestAlgorithm)} is not SHA-256 or better`);
  const coversRoot = reference.uri === '' || (rootId !== undefined && reference.uri === `#${rootId}`);
  if (!coversRoot) return fail(`the signature covers ${reference.uri}, not the root element`);

  let valid: boolean;
  try {
    valid = sig.checkSignature(xml);
  } catch (error) {
    return fail(`signature check failed: ${(error as Error).message}`);
  }
  if (!valid) return fail('signature check failed: a signed part of the metadata was changed');

  const signed = sig.getSignedReferences();
  if (signed.length !== 1) return fail('xml-crypto verified an unexpected number of references');
  const signedXml = signed[0] as string;
  // What was verified must be the root element itself, not some element inside a wrapper.
  const signedRoot = (await parseXml(signedXml)).documentElement;
  if (!signedRoot || signedRoot.namespaceURI !== NS.md || signedRoot.localName !== root.localName || attr(signedRoot, 'ID') !== rootId) {
    return fail(`the signed element is not the root ${root.localName}`);
  }
  return signedXml;
}

/**
 * The certificate in the root signature's KeyInfo, when its SHA-256 fingerprint is `sha256`
 * (hex, colons optional): for an IdP pinned by fingerprint. The signature is then checked with it.
 */
export async function certificateByFingerprint(xml: string, sha256: string): Promise<string> {
  const doc = await parseXml(xml).catch(() => {
    throw new MetadataSignatureError('the metadata is not well-formed XML');
  });
  const root = doc.documentElement;
  const bodies = root ? children(root, NS.ds, 'Signature').flatMap((s) => path(s, [[NS.ds, 'KeyInfo'], [NS.ds, 'X509Data'], [NS.ds, 'X509Certificate']])) : [];
  const wanted = sha256.replace(/:/g, '').toUpperCase();
  for (const body of bodies) {
    const pem = certPem(text(body) ?? '');
    try {
      if (new X509Certificate(pem).fingerprint256.replace(/:/g, '') === wanted) return pem;
    } catch {
      // not a certificate: try the next
    }
  }
  throw new MetadataSignatureError(`the metadata signature carries no certificate with SHA-256 fingerprint ${sha256}`);
}
