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
  source: { adapter: string; idp?: string; authnInstant?: string };
  /** Raw attributes, for audit and mapping rules. */
  attributes: Record<string, string[]>;
}
