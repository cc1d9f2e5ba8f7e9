/**
 * The CPU-bound part of the ACS: node-saml verifies the XML signature (and decrypts), then the
 * verified assertion is checked and read. Pure (no store, no clock of its own), so it runs the same
 * on the main thread and in a validation worker (validation-pool.ts).
 */
import { SAML, SamlStatusError, ValidateInResponseTo } from '@node-saml/node-saml';
import type { SamlAttribute } from '../attributes';
import { LoginError } from '../types';
import { assertionContents, checkAssertion, type Expectations, type SamlNameID } from './acs-checks';
import { refusedAlgorithm } from './algorithms';
import { NS, parseXml } from './xml';

/** What the SP brings to every verification (fixed for a hub: given to workers once). */
export interface VerifierSettings {
  entityID: string;
  acsUrl: string;
  clockSkewMs: number;
  decryptionPvk?: string;
}

export interface VerifyJob {
  samlResponse: string;
  idpCerts: string[];
  wantAssertionsSigned: boolean;
  expect: Expectations;
}

export interface VerifiedAssertion {
  assertionId: string;
  acceptableUntilMs: number;
  contents: { attributes: SamlAttribute[]; nameID?: SamlNameID; authnInstant?: string; sessionIndex?: string };
}

/**
 * node-saml's SAML objects by what configures them: building one per response cost as much as a
 * third of the checks around it. Bounded by the IdPs' certificate sets in use.
 */
const verifiers = new Map<string, SAML>();

function verifierFor(sp: VerifierSettings, idpCerts: string[], wantAssertionsSigned: boolean): SAML {
  const key = `${wantAssertionsSigned ? 1 : 0}\n${idpCerts.join('\n')}`;
  let saml = verifiers.get(key);
  if (!saml) {
    if (verifiers.size >= 256) verifiers.clear();
    saml = new SAML({
      issuer: sp.entityID,
      callbackUrl: sp.acsUrl,
      audience: sp.entityID,
      idpCert: idpCerts,
      acceptedClockSkewMs: sp.clockSkewMs,
      wantAssertionsSigned,
      wantAuthnResponseSigned: false,
      validateInResponseTo: ValidateInResponseTo.never,
      decryptionPvk: sp.decryptionPvk,
    });
    verifiers.set(key, saml);
  }
  return saml;
}

/**
 * node-saml verifies the signature with these certificates only: on the Response or on the
 * Assertion (SAML2int), or on the Assertion when the IdP is set to `wantAssertionsSigned`.
 * Either way the signature covers the assertion, which is then checked against `expect`.
 */
export async function verifyResponse(sp: VerifierSettings, job: VerifyJob): Promise<VerifiedAssertion> {
  let assertionXml: string | undefined;
  try {
    const { profile } = await verifierFor(sp, job.idpCerts, job.wantAssertionsSigned).validatePostResponseAsync({ SAMLResponse: job.samlResponse });
    assertionXml = profile?.getAssertionXml?.();
  } catch (error) {
    throw error instanceof LoginError ? error : asLoginError(error);
  }
  if (!assertionXml) throw new LoginError('malformed', 'the response holds no assertion');
  const assertion = (await parseXml(assertionXml)).documentElement;
  if (!assertion) throw new LoginError('malformed', 'verified assertion is empty');
  checkAlgorithms(assertion); // a decrypted assertion's own signature was not visible before
  return { ...checkAssertion(assertion, job.expect), contents: assertionContents(assertion) };
}

/** Every signature in the message meets the one algorithm policy (algorithms.ts). */
export function checkAlgorithms(root: Element): void {
  for (const signature of Array.from(root.getElementsByTagNameNS(NS.ds, 'Signature'))) {
    const why = refusedAlgorithm(signature);
    if (why) throw new LoginError('algorithm-refused', why);
  }
}

/** node-saml's error messages, by reason. */
export function asLoginError(error: unknown): LoginError {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof SamlStatusError) return new LoginError('status-not-success', message);
  const reason =
    /not yet valid/i.test(message) ? 'not-yet-valid'
    : /expired/i.test(message) ? 'expired'
    : /audience/i.test(message) ? 'audience-mismatch'
    : /decrypt|EncryptedAssertion|encrypted/i.test(message) ? 'decryption-failed'
    : /signature|signed|reference|transform/i.test(message) ? 'signature-invalid'
    : 'malformed';
  return new LoginError(reason, message);
}
