/** Affiliations after normalisation (eduPersonAffiliation vocabulary plus library walk-in users). */
export type Affiliation = 'faculty' | 'student' | 'staff' | 'member' | 'alum' | 'affiliate' | 'employee' | 'library-walk-in';

/** What every sign-in adapter (SAML, CAS, OIDC) returns; entitlement decisions run on this alone. */
export interface Identity {
  /** Stable id within the institution: pairwise-id, persistent NameID / eduPersonTargetedID, CAS user, OIDC sub. */
  subject: string;
  /** Institution id from config. */
  institution: string;
  affiliations: Affiliation[];
  entitlements: string[];
  groups: string[];
  displayName?: string;
  /**
   * The sign-in itself: `authnInstant` is when the campus authenticated the person, `authnContext`
   * how, as the IdP asserted it (SAML AuthnContextClassRef, OIDC acr, a CAS attribute), e.g.
   * https://refeds.org/profile/mfa; licences may require one (requireAuthnContext).
   */
  source: { adapter: string; idp?: string; authnInstant?: string; authnContext?: string };
  /** Raw attributes, for audit and mapping rules. */
  attributes: Record<string, string[]>;
}
