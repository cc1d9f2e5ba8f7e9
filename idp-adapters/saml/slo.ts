/**
 * SAML Single Logout (SAML profiles §4.4) at the one SingleLogoutService of the SP, with
 * node-saml's logout support (it builds, signs and verifies; we add what it leaves out):
 *
 * - SP-initiated: a signed LogoutRequest (NameID + SessionIndex kept in the session) to the IdP's
 *   SingleLogoutService, HTTP-Redirect when it has one, else HTTP-POST; the pending request id is
 *   kept in the Store so the LogoutResponse may arrive at any node, and it is consumed only after
 *   the response is verified.
 * - IdP-initiated: a LogoutRequest (Redirect or POST binding) from a configured IdP, signed with
 *   a key from its metadata, ends the sessions of that NameID (+ SessionIndex) on every node and
 *   is answered with a signed LogoutResponse.
 *
 * Refused: unsigned messages (node-saml would accept an unsigned Redirect message), SHA-1
 * (the one algorithm policy), a Destination other than ours, an unknown Issuer, a replayed
 * LogoutRequest, a LogoutResponse to no pending request of that IdP.
 */
import { createHash, randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { SAML, ValidateInResponseTo, type Profile } from '@node-saml/node-saml';
import { signSamlPost } from '@node-saml/node-saml/lib/saml-post-signing';
import type { Request } from 'express';
import type { SamlLoginConfig } from '../../config/schema';
import type { Store } from '../../gateway/store/types';
import { logoutKey } from '../logout-keys';
import { LoginError, type CampusSignIn, type LogoutStep } from '../types';
import { refusedAlgorithm, SIGNATURE_ALGORITHMS } from './algorithms';
import type { IdpMetadata, SloEndpoint } from './metadata';
import type { IdpRegistry } from './registry';
import type { SpSettings } from './sp-config';
import { attr, child, hasComments, NS, parseXml, text } from './xml';

const PENDING_LOGOUT_TTL_MS = 10 * 60_000;
const MAX_MESSAGE_BYTES = 100_000;
const BASE64 = /^[A-Za-z0-9+/=\s]+$/;
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

const pendingKey = (id: string) => `saml:logout:${id}`;
const seenKey = (idp: string, id: string) => `saml:logout-seen:${createHash('sha256').update(`${idp}\n${id}`).digest('base64url')}`;

/** What arrived at the SingleLogoutService, verified. */
export type SloMessage =
  /** The IdP answered our LogoutRequest: its sign-in has ended, or (another status) it could not end it. */
  | { kind: 'response'; login: SamlLoginConfig; ended: boolean; status?: string }
  /** The IdP asks us to end the sessions under `logoutKeys`; `respond` builds the LogoutResponse. */
  | { kind: 'request'; login: SamlLoginConfig; logoutKeys: string[]; respond: (ended: boolean) => Promise<LogoutStep> };

export interface SloRequest {
  method: string;
  query: Request['query'];
  body?: unknown;
  originalUrl: string;
}

export class SamlSlo {
  constructor(
    private readonly sp: SpSettings,
    private readonly registry: IdpRegistry,
    private readonly store: Store,
  ) {}

  /** SP-initiated logout of a sign-in at `login`; `campus` holds its NameID and SessionIndex. */
  async begin(login: SamlLoginConfig, campus: CampusSignIn): Promise<LogoutStep> {
    let metadata: IdpMetadata;
    try {
      metadata = await this.registry.metadata(login);
    } catch {
      return { kind: 'not-ended', why: 'the IdP metadata is unavailable' };
    }
    const endpoint = metadata.slo.redirect ?? metadata.slo.post;
    const campusUrl = new URL(metadata.ssoRedirectUrl).origin;
    if (!endpoint) return { kind: 'not-ended', campusUrl, why: 'the IdP metadata lists no SingleLogoutService' };
    if (!campus.nameID) return { kind: 'not-ended', campusUrl, why: 'the sign-in carried no NameID' };
    const id = `_${randomBytes(20).toString('hex')}`;
    await this.store.set(pendingKey(id), JSON.stringify({ loginId: login.id, idp: login.entityID }), PENDING_LOGOUT_TTL_MS);
    const profile = {
      issuer: login.entityID,
      nameID: campus.nameID,
      nameIDFormat: campus.nameIDFormat ?? 'urn:oasis:names:tc:SAML:2.0:nameid-format:unspecified',
      ...(campus.nameQualifier ? { nameQualifier: campus.nameQualifier } : {}),
      ...(campus.spNameQualifier ? { spNameQualifier: campus.spNameQualifier } : {}),
      ...(campus.sessionIndex ? { sessionIndex: campus.sessionIndex } : {}),
    } as Profile;
    const saml = this.saml(metadata, endpoint.location, () => id);
    if (metadata.slo.redirect) return { kind: 'redirect', url: await saml.getLogoutUrlAsync(profile, '', {}) };
    const xml = await saml._generateLogoutRequest(profile);
    return { kind: 'form', action: endpoint.location, fields: { SAMLRequest: this.signPost(xml, 'LogoutRequest') } };
  }

  /** A LogoutRequest or LogoutResponse at the SingleLogoutService, Redirect (GET) or POST binding. Throws LoginError. */
  async receive(req: SloRequest): Promise<SloMessage> {
    const binding = req.method === 'GET' ? 'redirect' : 'post';
    const source = (binding === 'redirect' ? req.query : req.body) as Record<string, unknown> | undefined;
    const field = typeof source?.SAMLRequest === 'string' ? 'SAMLRequest' : typeof source?.SAMLResponse === 'string' ? 'SAMLResponse' : undefined;
    const encoded = field ? (source?.[field] as string) : '';
    if (!field || encoded === '' || !BASE64.test(encoded)) throw new LoginError('malformed', 'no SAMLRequest or SAMLResponse');
    const xml = decode(encoded, binding);
    const doc = await parseXml(xml).catch((error: Error) => {
      throw new LoginError('malformed', 'the logout message is not well-formed XML', { error: error.message });
    });
    const root = doc.documentElement;
    const expected = field === 'SAMLRequest' ? 'LogoutRequest' : 'LogoutResponse';
    if (!root || root.namespaceURI !== NS.samlp || root.localName !== expected) throw new LoginError('malformed', `${field} is not a samlp:${expected}`);
    if (hasComments(doc)) throw new LoginError('malformed', 'SAML messages must not contain XML comments', { why: 'xml-comment' });

    const issuer = text(child(root, NS.saml, 'Issuer'));
    const login = issuer ? this.registry.byEntityID(issuer) : undefined;
    if (!login) throw new LoginError('idp-unknown', 'logout message from an unknown IdP', { issuer });
    try {
      const destination = attr(root, 'Destination');
      if (destination !== undefined && destination !== this.sp.sloUrl) {
        throw new LoginError('destination-mismatch', 'the logout message is addressed elsewhere', { destination, expected: this.sp.sloUrl });
      }
      checkSigned(binding, source ?? {}, root);
      const metadata = await this.registry.metadata(login);
      const profile = await this.verify(metadata, binding, req, source ?? {}, field);
      if (field === 'SAMLResponse') return await this.answered(root, login);
      return await this.requested(root, login, metadata, profile, typeof source?.RelayState === 'string' ? source.RelayState : '');
    } catch (error) {
      if (error instanceof LoginError) error.login = { id: login.id, kind: 'saml', institution: login.institution };
      throw error;
    }
  }

  /** node-saml checks the signature with the IdP's metadata keys, the Issuer and the time window; returns the LogoutRequest's profile. */
  private async verify(metadata: IdpMetadata, binding: 'redirect' | 'post', req: SloRequest, source: Record<string, unknown>, field: 'SAMLRequest' | 'SAMLResponse'): Promise<Profile | null> {
    const saml = this.saml(metadata, this.sp.sloUrl);
    try {
      if (binding === 'redirect') {
        const originalQuery = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
        return (await saml.validateRedirectAsync(req.query, originalQuery)).profile;
      }
      const body = { [field]: source[field] as string };
      return field === 'SAMLRequest' ? (await saml.validatePostRequestAsync(body)).profile : (await saml.validatePostResponseAsync(body)).profile;
    } catch (error) {
      const refused = sloError(error);
      // node-saml looks at a LogoutResponse's status only once its signature is good: a signed "could not end" is an answer (answered() reads it).
      if (field === 'SAMLResponse' && refused.reason === 'status-not-success') return null;
      throw refused;
    }
  }

  /** Our LogoutRequest answered: the pending request (of this IdP) is consumed; Success means its sign-in ended. */
  private async answered(root: Element, login: SamlLoginConfig): Promise<SloMessage> {
    const inResponseTo = attr(root, 'InResponseTo') ?? '';
    const raw = /^_[0-9a-f]{40}$/.test(inResponseTo) ? await this.store.take(pendingKey(inResponseTo)) : null;
    const pending = raw ? (JSON.parse(raw) as { loginId: string; idp: string }) : undefined;
    if (!pending || pending.idp !== login.entityID) throw new LoginError('unknown-request', 'the LogoutResponse answers no pending sign-out of this IdP', { inResponseTo });
    const status = attr(child(child(root, NS.samlp, 'Status') ?? root, NS.samlp, 'StatusCode'), 'Value');
    return { kind: 'response', login, ended: status === SUCCESS, status };
  }

  private async requested(root: Element, login: SamlLoginConfig, metadata: IdpMetadata, profile: Profile | null, relayState: string): Promise<SloMessage> {
    const id = attr(root, 'ID');
    if (!profile?.nameID || !id) throw new LoginError('no-subject', 'LogoutRequest without NameID or ID');
    if (!(await this.store.setIfAbsent(seenKey(login.entityID, id), '1', PENDING_LOGOUT_TTL_MS))) {
      throw new LoginError('replayed', 'this LogoutRequest was already handled', { id });
    }
    const respond = async (ended: boolean): Promise<LogoutStep> => {
      const endpoint: SloEndpoint | undefined = metadata.slo.redirect ?? metadata.slo.post;
      if (!endpoint) return { kind: 'not-ended', why: 'the IdP metadata lists no SingleLogoutService to answer' };
      const saml = this.saml(metadata, endpoint.responseLocation);
      if (metadata.slo.redirect) return { kind: 'redirect', url: await saml.getLogoutResponseUrlAsync(profile, relayState, {}, ended) };
      const fields: Record<string, string> = { SAMLResponse: this.signPost(saml._generateLogoutResponse(profile, ended), 'LogoutResponse') };
      if (relayState) fields.RelayState = relayState;
      return { kind: 'form', action: endpoint.responseLocation, fields };
    };
    // With a SessionIndex it ends that sign-in; without, every sign-in of the principal (SAML core §3.7.1).
    const logoutKeys = [profile.sessionIndex ? logoutKey('saml', login.entityID, profile.nameID, profile.sessionIndex) : logoutKey('saml', login.entityID, profile.nameID)];
    return { kind: 'request', login, logoutKeys, respond };
  }

  private saml(metadata: IdpMetadata, logoutUrl: string, generateUniqueId?: () => string): SAML {
    return new SAML({
      entryPoint: metadata.ssoRedirectUrl,
      logoutUrl,
      issuer: this.sp.entityID,
      callbackUrl: this.sp.acsUrl,
      idpIssuer: metadata.entityID,
      idpCert: metadata.signingCerts,
      privateKey: this.sp.keys.signing.privateKeyPem,
      signatureAlgorithm: 'sha256',
      digestAlgorithm: 'sha256',
      acceptedClockSkewMs: this.sp.clockSkewMs,
      wantAuthnResponseSigned: true,
      validateInResponseTo: ValidateInResponseTo.never, // matched against the Store instead, on any node
      ...(generateUniqueId ? { generateUniqueId } : {}),
    });
  }

  /** An enveloped signature for the HTTP-POST binding, made by node-saml. */
  private signPost(xml: string, root: 'LogoutRequest' | 'LogoutResponse'): string {
    const signed = signSamlPost(xml, `/*[local-name(.)='${root}']`, {
      privateKey: this.sp.keys.signing.privateKeyPem,
      signatureAlgorithm: 'sha256',
      digestAlgorithm: 'sha256',
    });
    return Buffer.from(signed, 'utf8').toString('base64');
  }
}

function decode(encoded: string, binding: 'redirect' | 'post'): string {
  const raw = Buffer.from(encoded, 'base64');
  if (binding === 'post') return raw.toString('utf8');
  try {
    return inflateRawSync(raw, { maxOutputLength: MAX_MESSAGE_BYTES }).toString('utf8');
  } catch {
    throw new LoginError('malformed', 'the Redirect-binding message does not inflate');
  }
}

/** Every logout message must be signed, with RSA-SHA256 or better: node-saml lets an unsigned Redirect message through. */
function checkSigned(binding: 'redirect' | 'post', source: Record<string, unknown>, root: Element): void {
  if (binding === 'redirect') {
    const sigAlg = source.SigAlg;
    if (typeof source.Signature !== 'string' || typeof sigAlg !== 'string') throw new LoginError('unsigned', 'the Redirect-binding logout message is not signed');
    if (!SIGNATURE_ALGORITHMS.has(sigAlg)) throw new LoginError('algorithm-refused', `signature algorithm ${sigAlg} is not RSA-SHA256 or better`);
    return;
  }
  if (!child(root, NS.ds, 'Signature')) throw new LoginError('unsigned', 'the POST-binding logout message is not signed');
  for (const signature of Array.from(root.getElementsByTagNameNS(NS.ds, 'Signature'))) {
    const why = refusedAlgorithm(signature);
    if (why) throw new LoginError('algorithm-refused', why);
  }
}

function sloError(error: unknown): LoginError {
  if (error instanceof LoginError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const reason =
    /issuer/i.test(message) ? 'issuer-mismatch'
    : /status code/i.test(message) ? 'status-not-success'
    : /expired|NotOnOrAfter/i.test(message) ? 'expired'
    : /not yet valid|NotBefore/i.test(message) ? 'not-yet-valid'
    : /signature/i.test(message) ? 'signature-invalid'
    : 'malformed';
  return new LoginError(reason, message);
}
