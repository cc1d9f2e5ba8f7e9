/**
 * The XML signature of a federation metadata aggregate, checked with xml-crypto against the one
 * pinned federation certificate (a certificate in the document's KeyInfo is never used).
 * Returns the canonical XML that xml-crypto verified, so callers read entities from what was
 * signed and never from the received document: anything wrapped around or beside the signed
 * element is not seen at all.
 */
import { SignedXml } from 'xml-crypto';
import { DIGEST_ALGORITHMS, SIGNATURE_ALGORITHMS } from './algorithms';
import { attr, children, NS, parseXml } from './xml';

export class MetadataSignatureError extends Error {
  override readonly name = 'MetadataSignatureError';
}

/**
 * Verify that `xml` is an md:EntitiesDescriptor whose own enveloped signature, made with the key
 * of `certificatePem`, covers the root element itself. Returns the signed root as canonical XML.
 */
export async function verifyMetadataSignature(xml: string, certificatePem: string): Promise<string> {
  const fail = (why: string): never => {
    throw new MetadataSignatureError(why);
  };
  const doc = await parseXml(xml).catch(() => fail('the aggregate is not well-formed XML'));
  const root = doc.documentElement;
  if (!root || root.namespaceURI !== NS.md || root.localName !== 'EntitiesDescriptor') return fail('the document is not an md:EntitiesDescriptor');

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
  if (!valid) return fail('signature check failed: a signed part of the aggregate was changed');

  const signed = sig.getSignedReferences();
  if (signed.length !== 1) return fail('xml-crypto verified an unexpected number of references');
  const signedXml = signed[0] as string;
  // What was verified must be the root element itself, not some element inside a wrapper.
  const signedRoot = (await parseXml(signedXml)).documentElement;
  if (!signedRoot || signedRoot.namespaceURI !== NS.md || signedRoot.localName !== 'EntitiesDescriptor' || attr(signedRoot, 'ID') !== rootId) {
    return fail('the signed element is not the root EntitiesDescriptor');
  }
  return signedXml;
}
