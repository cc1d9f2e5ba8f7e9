/**
 * The SAML SP hub: starts logins at any configured IdP (signed HTTP-Redirect AuthnRequests) and
 * consumes their responses at one ACS. Everything that must survive the round trip lives in the
 * Store, so the ACS may run on another node than the login start, with no cookie involved.
 */
import { createHash, randomBytes } from 'node:crypto';
import { SAML, SamlStatusError, ValidateInResponseTo } from '@node-saml/node-saml';
import type { SamlLoginConfig } from '../../config/schema';
import type { Store } from '../../gateway/store/types';
import { identityFromAttributes, type DroppedValue } from '../attributes';
import { LoginError, type LoginResult } from '../types';
import { assertionContents, checkAssertion, checkResponse, type Expectations } from './acs-checks';
import type { IdpRegistry } from './registry';
import type { SpSettings } from './sp-config';
import { attr, child, hasComments, NS, parseXml, text } from './xml';

export const PENDING_REQUEST_TTL_MS = 10 * 60 * 1000;
const NAMEID_PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const REQUEST_ID = /^[A-Za-z_][A-Za-z0-9._-]{0,127}$/;
const BASE64 = /^[A-Za-z0-9+/=\s]+$/;

interface PendingRequest {
  loginId: string;
  idp: string;
  returnTo: string;
  createdAt: number;
}

export interface AcsResult extends LoginResult {
  login: SamlLoginConfig;
  /** Scoped values dropped because they named another domain than the IdP's scopes. */
  dropped: DroppedValue[];
}

const requestKey = (id: string) => `saml:req:${id}`;
const assertionKey = (idp: string, id: string) => `saml:assertion:${createHash('sha256').update(`${idp}\n${id}`).digest('base64url')}`;

export class SamlHub {
  private readonly now: () => number;

  constructor(
    readonly sp: SpSettings,
    readonly registry: IdpRegistry,
    private readonly store: Store,
    options: { now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The IdP URL carrying a signed AuthnRequest; the request is remembered in the Store first. */
  async loginUrl(login: SamlLoginConfig, returnTo: string): Promise<string> {
    const metadata = await this.registry.metadata(login);
    const id = `_${randomBytes(20).toString('hex')}`;
    const saml = new SAML({
      entryPoint: metadata.ssoRedirectUrl,
      issuer: this.sp.entityID,
      callbackUrl: this.sp.acsUrl,
      idpCert: metadata.signingCerts,
      privateKey: this.sp.keys.signing.privateKeyPem,
      signatureAlgorithm: 'sha256',
      digestAlgorithm: 'sha256',
      identifierFormat: NAMEID_PERSISTENT,
      allowCreate: true,
      disableRequestedAuthnContext: true,
      generateUniqueId: () => id,
      validateInResponseTo: ValidateInResponseTo.never,
    });
    const pending: PendingRequest = { loginId: login.id, idp: login.entityID, returnTo, createdAt: this.now() };
    await this.store.set(requestKey(id), JSON.stringify(pending), PENDING_REQUEST_TTL_MS);
    return saml.getAuthorizeUrlAsync('', undefined, {});
  }

  /** Validate a POSTed SAMLResponse; every failure is a LoginError with its reason code. */
  async consume(samlResponse: unknown): Promise<AcsResult> {
    if (typeof samlResponse !== 'string' || samlResponse === '' || !BASE64.test(samlResponse)) {
      throw new LoginError('malformed', 'SAMLResponse is missing or not base64');
    }
    const xml = Buffer.from(samlResponse, 'base64').toString('utf8');
    const doc = await parseXml(xml).catch((error: Error) => {
      throw new LoginError('malformed', 'SAMLResponse is not well-formed XML', { error: error.message });
    });
    const response = doc.documentElement;
    if (!response || response.namespaceURI !== NS.samlp || response.localName !== 'Response') {
      throw new LoginError('malformed', 'SAMLResponse is not a samlp:Response');
    }
    // Canonicalisation drops comments, so a comment can split a signed value without breaking the signature.
    if (hasComments(doc)) throw new LoginError('malformed', 'SAML responses must not contain XML comments', { why: 'xml-comment' });

    const { login, pending, requestId } = await this.pendingFor(response);
    try {
      return await this.consumeFor(response, samlResponse, login, pending, requestId);
    } catch (error) {
      if (error instanceof LoginError) error.login = { id: login.id, kind: 'saml', institution: login.institution };
      throw error;
    }
  }

  private async consumeFor(response: Element, samlResponse: string, login: SamlLoginConfig, pending: PendingRequest | undefined, requestId: string | undefined): Promise<AcsResult> {
    const expect: Expectations = {
      acsUrl: this.sp.acsUrl,
      spEntityID: this.sp.entityID,
      idpEntityID: login.entityID,
      requestId,
      nowMs: this.now(),
      skewMs: this.sp.clockSkewMs,
    };
    checkResponse(response, expect);

    const metadata = await this.registry.metadata(login);
    const assertionXml = await this.verify(samlResponse, metadata.signingCerts);
    const assertion = (await parseXml(assertionXml)).documentElement;
    if (!assertion) throw new LoginError('malformed', 'verified assertion is empty');
    const { assertionId, acceptableUntilMs } = checkAssertion(assertion, expect);

    const fresh = await this.store.setIfAbsent(assertionKey(login.entityID, assertionId), '1', Math.max(1000, acceptableUntilMs - expect.nowMs));
    if (!fresh) throw new LoginError('replayed', 'this assertion was already used', { assertionId });

    const contents = assertionContents(assertion);
    const { identity, dropped } = identityFromAttributes({
      ...contents,
      scopes: metadata.scopes,
      institution: login.institution,
      idp: login.entityID,
    });
    if (!identity) throw new LoginError('no-subject', 'the assertion carries no usable identifier (pairwise-id, eduPersonTargetedID, persistent NameID, subject-id or ePPN)');
    return { identity, returnTo: pending?.returnTo ?? '/', login, dropped };
  }

  /**
   * Which IdP this response may come from, decided by server-side state: the pending request it
   * answers (consumed once), or, for unsolicited responses, an IdP that allows them.
   */
  private async pendingFor(response: Element): Promise<{ login: SamlLoginConfig; pending?: PendingRequest; requestId?: string }> {
    const requestId = attr(response, 'InResponseTo');
    if (requestId !== undefined) {
      const raw = REQUEST_ID.test(requestId) ? await this.store.take(requestKey(requestId)) : null;
      if (!raw) throw new LoginError('unknown-request', 'the response answers no pending sign-in (unknown, expired or already used)', { inResponseTo: requestId });
      const pending = JSON.parse(raw) as PendingRequest;
      const login = this.registry.byId(pending.loginId);
      if (!login || login.entityID !== pending.idp) throw new LoginError('idp-unknown', 'the IdP of this sign-in is no longer configured', { idp: pending.idp });
      return { login, pending, requestId };
    }
    const issuer = text(child(response, NS.saml, 'Issuer'));
    const login = issuer ? this.registry.byEntityID(issuer) : undefined;
    if (!login) throw new LoginError('idp-unknown', 'unsolicited response from an unknown IdP', { issuer });
    if (!login.allowIdpInitiated) throw new LoginError('unsolicited', 'unsolicited responses are not accepted from this IdP', { idp: login.entityID });
    return { login };
  }

  /** node-saml verifies the signature (response or assertion) with these certificates only; returns the verified assertion. */
  private async verify(samlResponse: string, idpCerts: string[]): Promise<string> {
    const saml = new SAML({
      issuer: this.sp.entityID,
      callbackUrl: this.sp.acsUrl,
      audience: this.sp.entityID,
      idpCert: idpCerts,
      acceptedClockSkewMs: this.sp.clockSkewMs,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: false,
      validateInResponseTo: ValidateInResponseTo.never,
      decryptionPvk: this.sp.keys.encryption?.privateKeyPem,
    });
    try {
      const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: samlResponse });
      const assertionXml = profile?.getAssertionXml?.();
      if (!assertionXml) throw new LoginError('malformed', 'the response holds no assertion');
      return assertionXml;
    } catch (error) {
      throw error instanceof LoginError ? error : asLoginError(error);
    }
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
