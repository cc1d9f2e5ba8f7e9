/**
 * The IdP frontend's settings from a Config: one virtual IdP per institution (SATOSA's mirror
 * model: vendors that license by IdP keep their per-institution view), its entityID, endpoints,
 * scope and names; the signing keys (current, and the next one published for rollover); the
 * pairwise key. Read once at start.
 */
import { createHmac } from 'node:crypto';
import type { Config } from '../../config/schema';
import { readPair, SpConfigError, type KeyPairPem } from '../../idp-adapters/saml/sp-config';

export interface VirtualIdp {
  institution: string;
  entityID: string;
  /** SingleSignOnService, for HTTP-Redirect and HTTP-POST alike. */
  ssoUrl: string;
  metadataUrl: string;
  /** shibmd:Scope: every scoped value asserted (eduPersonScopedAffiliation, pairwise-id) carries it. */
  scope: string;
  displayName: { en: string; zh?: string };
  logo?: string;
}

export interface IdpSettings {
  idps: ReadonlyMap<string, VirtualIdp>;
  signing: KeyPairPem;
  /** Published beside the signing certificate during a rollover. */
  nextSigningCert?: string;
  /** HMAC key of pairwise-id and persistent NameID values. */
  pairwiseKey: string;
  requireSignedRequests: boolean;
  assertionLifetimeMs: number;
  clockSkewMs: number;
  metadata: { validDays: number; cacheDurationHours: number };
}

/** Only these paths: `/idp/<institution>/sso` and `/idp/<institution>/metadata`. */
export const idpPath = (institution: string, endpoint: 'sso' | 'metadata') => `/idp/${encodeURIComponent(institution)}/${endpoint}`;

export function idpSettings(config: Config, publicUrl: URL, sessionSecret: string, readFile: (file: string) => string, generated?: KeyPairPem): IdpSettings {
  const { idp } = config;
  const signing = idp.signing ? readPair(idp.signing, 'idp.signing', readFile) : generated;
  if (!signing) throw new SpConfigError('idp.signing', 'required with idp.enabled: give keyFile and certFile of the IdP signing key');
  const idps = new Map<string, VirtualIdp>();
  for (const institution of config.institutions) {
    const extra = idp.institutions.find((entry) => entry.id === institution.id);
    const scope = extra?.scope ?? institution.domains[0] ?? `${institution.id}.${publicUrl.hostname}`;
    idps.set(institution.id, {
      institution: institution.id,
      entityID: new URL(`/idp/${encodeURIComponent(institution.id)}`, publicUrl).href,
      ssoUrl: new URL(idpPath(institution.id, 'sso'), publicUrl).href,
      metadataUrl: new URL(idpPath(institution.id, 'metadata'), publicUrl).href,
      scope: scope.toLowerCase(),
      displayName: extra?.displayName ?? institution.name,
      logo: extra?.logo,
    });
  }
  return {
    idps,
    signing,
    nextSigningCert: idp.nextSigning ? readPair(idp.nextSigning, 'idp.nextSigning', readFile).certificatePem : undefined,
    // Derived, never the session secret itself: one key, one use.
    pairwiseKey: idp.pairwiseSecret ?? createHmac('sha256', sessionSecret).update('passway idp pairwise-id v1').digest('base64url'),
    requireSignedRequests: idp.requireSignedRequests,
    assertionLifetimeMs: idp.assertionLifetimeSeconds * 1000,
    clockSkewMs: idp.clockSkewSeconds * 1000,
    metadata: idp.metadata,
  };
}
