/**
 * The SAML SP hub: starts logins at any configured IdP (signed HTTP-Redirect AuthnRequests) and
 * consumes their responses at one ACS. Everything that must survive the round trip lives in the
 * Store, so the ACS may run on another node than the login start; the browser holds only a signed
 * cookie binding it to the request id (login-state.ts), checked at the ACS.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import type { SamlLoginConfig } from '../../config/schema';
import type { Store } from '../../gateway/store/types';
import { identityFromAttributes, type DroppedValue } from '../attributes';
import type { LoginState } from '../login-state';
import { logoutKey } from '../logout-keys';
import { LoginError, type BeginContext, type LoginResult } from '../types';
import { SamlSlo } from './slo';
import { checkResponse, type Expectations } from './acs-checks';
import type { IdpRegistry } from './registry';
import type { SpSettings } from './sp-config';
import { ValidationPool, type Validator } from './validation-pool';
import { checkAlgorithms } from './verify';
import { attr, child, hasComments, NS, parseXml, text } from './xml';

export const PENDING_REQUEST_TTL_MS = 10 * 60 * 1000;
const NAMEID_PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
/** The second-level status `urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext` (node-saml's message names its last part). */
const NO_AUTHN_CONTEXT = /NoAuthnContext/;
const REQUEST_ID = /^[A-Za-z_][A-Za-z0-9._-]{0,127}$/;
const BASE64 = /^[A-Za-z0-9+/=\s]+$/;

interface PendingRequest {
  loginId: string;
  idp: string;
  returnTo: string;
  createdAt: number;
  /** Step-up: the context requested (RequestedAuthnContext). */
  authnContext?: string;
}

/** Told of scoped values dropped because they named another domain than the IdP's scopes. */
export type OnDropped = (dropped: DroppedValue, login: SamlLoginConfig) => void;

const requestKey = (id: string) => `saml:req:${id}`;
const assertionKey = (idp: string, id: string) => `saml:assertion:${createHash('sha256').update(`${idp}\n${id}`).digest('base64url')}`;

export class SamlHub {
  private readonly now: () => number;
  private readonly onDropped: OnDropped;
  /** Verifies responses: on worker threads, or on this one (validation-pool.ts). */
  private readonly validator: Validator;
  /** Single Logout, both directions, at the shared SingleLogoutService. */
  readonly slo: SamlSlo;

  constructor(
    readonly sp: SpSettings,
    readonly registry: IdpRegistry,
    private readonly store: Store,
    private readonly loginState: LoginState,
    options: { now?: () => number; onDropped?: OnDropped; validationWorkers?: number } = {},
  ) {
    this.now = options.now ?? Date.now;
    this.onDropped = options.onDropped ?? (() => undefined);
    const verifier = { entityID: sp.entityID, acsUrl: sp.acsUrl, clockSkewMs: sp.clockSkewMs, decryptionPvk: sp.keys.encryption?.privateKeyPem };
    this.validator = new ValidationPool(verifier, options.validationWorkers ?? 0);
    this.slo = new SamlSlo(sp, registry, store);
  }

  /**
   * Start a login: the request is remembered in the Store and bound to this browser (a cookie on
   * `res`); returns the IdP URL carrying the signed AuthnRequest. A step-up (`authnContext`) asks
   * for exactly that context and for a fresh authentication, so an IdP session without it is not reused.
   */
  async begin(res: ServerResponse, login: SamlLoginConfig, { returnTo, authnContext, forceAuthn }: BeginContext): Promise<string> {
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
      ...(authnContext ? { authnContext: [authnContext], racComparison: 'exact' as const, forceAuthn: true } : { disableRequestedAuthnContext: true }),
      ...(forceAuthn ? { forceAuthn: true } : {}),
      generateUniqueId: () => id,
      validateInResponseTo: ValidateInResponseTo.never,
    });
    const pending: PendingRequest = { loginId: login.id, idp: login.entityID, returnTo, createdAt: this.now(), ...(authnContext ? { authnContext } : {}) };
    await this.store.set(requestKey(id), JSON.stringify(pending), PENDING_REQUEST_TTL_MS);
    this.loginState.begin(res, id, 'post');
    return saml.getAuthorizeUrlAsync('', undefined, {});
  }

  /**
   * Validate a POSTed SAMLResponse; every failure is a LoginError with its reason code. The
   * pending request is consumed only once the response is verified, so a forged response naming a
   * victim's request id cannot spoil the victim's login.
   */
  async consume(req: Pick<IncomingMessage, 'headers'> & { body?: unknown }, res: ServerResponse): Promise<LoginResult> {
    const samlResponse = (req.body as Record<string, unknown> | undefined)?.SAMLResponse;
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
      if (requestId !== undefined) this.loginState.check(req, requestId, { inResponseTo: requestId, idp: login.entityID });
      return await this.consumeFor(res, response, samlResponse, login, pending, requestId);
    } catch (error) {
      if (error instanceof LoginError) error.login = { id: login.id, kind: 'saml', institution: login.institution };
      throw error;
    }
  }

  private async consumeFor(res: ServerResponse, response: Element, samlResponse: string, login: SamlLoginConfig, pending: PendingRequest | undefined, requestId: string | undefined): Promise<LoginResult> {
    const expect: Expectations = {
      acsUrl: this.sp.acsUrl,
      spEntityID: this.sp.entityID,
      idpEntityID: login.entityID,
      requestId,
      nowMs: this.now(),
      skewMs: this.sp.clockSkewMs,
    };
    checkResponse(response, expect);
    checkSignaturePresence(response, login.wantAssertionsSigned);
    checkAlgorithms(response);

    const metadata = await this.registry.metadata(login);
    const { assertionId, acceptableUntilMs, contents } = await this.validator
      .validate({ samlResponse, idpCerts: metadata.signingCerts, wantAssertionsSigned: login.wantAssertionsSigned, expect })
      .catch((error: unknown) => {
        // Asked for a stronger sign-in, the IdP says it has none to give (SAML core 3.2.2.2): the step-up page explains it.
        if (pending?.authnContext && error instanceof LoginError && error.reason === 'status-not-success' && NO_AUTHN_CONTEXT.test(`${error.message} ${String(error.details.status ?? '')}`)) {
          throw new LoginError('authn-context-unavailable', error.message, { idp: login.entityID, requested: pending.authnContext, returnTo: pending.returnTo });
        }
        throw error;
      });

    // Verified: now the pending request is used up, once (a concurrent second use finds it gone).
    if (requestId !== undefined && !(await this.store.take(requestKey(requestId)))) {
      throw new LoginError('unknown-request', 'the response answers no pending sign-in (unknown, expired or already used)', { inResponseTo: requestId });
    }
    const fresh = await this.store.setIfAbsent(assertionKey(login.entityID, assertionId), '1', Math.max(1000, acceptableUntilMs - expect.nowMs));
    if (!fresh) throw new LoginError('replayed', 'this assertion was already used', { assertionId });

    const { identity, dropped } = identityFromAttributes({
      ...contents,
      scopes: metadata.scopes,
      institution: login.institution,
      idp: login.entityID,
    });
    if (!identity) throw new LoginError('no-subject', 'the assertion carries no usable identifier (pairwise-id, eduPersonTargetedID, persistent NameID, subject-id or ePPN)');
    if (requestId !== undefined) this.loginState.end(res, requestId, 'post');
    for (const value of dropped) this.onDropped(value, login);
    const { nameID, sessionIndex } = contents;
    return {
      identity,
      returnTo: pending?.returnTo ?? '/',
      login: { id: login.id, kind: 'saml', institution: login.institution },
      // Single Logout names the sign-in by NameID and SessionIndex, in both directions.
      campus: {
        login: login.id,
        ...(nameID ? { nameID: nameID.value, nameIDFormat: nameID.format, nameQualifier: nameID.nameQualifier, spNameQualifier: nameID.spNameQualifier } : {}),
        ...(sessionIndex ? { sessionIndex } : {}),
      },
      logoutKeys: nameID ? samlLogoutKeys(login.entityID, nameID.value, sessionIndex) : [],
      ...(pending?.authnContext ? { requestedAuthnContext: pending.authnContext } : {}),
    };
  }

  /**
   * Which IdP this response may come from, decided by server-side state: the pending request it
   * answers (read here, consumed after verification), or, for unsolicited responses, an IdP that
   * allows them.
   */
  private async pendingFor(response: Element): Promise<{ login: SamlLoginConfig; pending?: PendingRequest; requestId?: string }> {
    const requestId = attr(response, 'InResponseTo');
    if (requestId !== undefined) {
      const raw = REQUEST_ID.test(requestId) ? await this.store.get(requestKey(requestId)) : null;
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

  /** Stop the validation workers. */
  close(): void {
    this.validator.close();
  }
}

/**
 * The names an IdP's LogoutRequest may end this sign-in by: its NameID with its SessionIndex,
 * and its NameID alone (a LogoutRequest without SessionIndex ends all of the principal's sessions).
 */
export function samlLogoutKeys(idp: string, nameID: string, sessionIndex: string | undefined): string[] {
  return [...(sessionIndex ? [logoutKey('saml', idp, nameID, sessionIndex)] : []), logoutKey('saml', idp, nameID)];
}

/**
 * A response must carry a signature where policy wants one; told apart here so the log says
 * "unsigned" or "assertion-unsigned" rather than node-saml's generic "Invalid signature".
 */
function checkSignaturePresence(response: Element, wantAssertionsSigned: boolean): void {
  const assertion = child(response, NS.saml, 'Assertion');
  if (!assertion) return; // encrypted (checked after decryption by node-saml) or none (a status response)
  const responseSigned = child(response, NS.ds, 'Signature') !== undefined;
  const assertionSigned = child(assertion, NS.ds, 'Signature') !== undefined;
  if (!responseSigned && !assertionSigned) throw new LoginError('unsigned', 'neither the Response nor the Assertion is signed');
  if (wantAssertionsSigned && !assertionSigned) {
    throw new LoginError('assertion-unsigned', 'only the Response is signed, but this IdP is set to wantAssertionsSigned (logins[].wantAssertionsSigned)');
  }
}
