/**
 * What a vendor learns about a reader: per resource, minimal by default, nothing else unless the
 * catalog says so (`resources[].access[kind=idp].release` and `alsoRelease`).
 *
 * - minimal (default): eduPersonEntitlement, eduPersonScopedAffiliation, pairwise-id; persistent NameID.
 * - anonymous (REFEDS Anonymous Access, https://refeds.org/category/anonymous): eduPersonEntitlement,
 *   eduPersonScopedAffiliation, schacHomeOrganization; transient NameID, no identifier.
 * - pseudonymous (REFEDS Pseudonymous Access, https://refeds.org/category/pseudonymous): anonymous
 *   plus pairwise-id; persistent NameID. (eduPersonAssurance is in that bundle when available: Passway
 *   asserts no assurance it cannot vouch for.)
 *
 * pairwise-id (SAML V2.0 Subject Identifier Attributes Profile §3.4) and the persistent NameID are
 * keyed HMACs of the institution, the subject and the SP entityID: stable for one vendor, and no
 * two vendors receive the same value, so they cannot link a reader.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Identity } from '../../idp-adapters/identity';
import type { IdpMethod } from '../../resource-catalog/schema';

export const NAMEID_PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
export const NAMEID_TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';
export const ATTRNAME_URI = 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri';

/** Attributes Passway can release, by the name the profiles give them (NameFormat uri). */
export const ATTRIBUTES = {
  eduPersonEntitlement: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.7',
  eduPersonScopedAffiliation: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.9',
  schacHomeOrganization: 'urn:oid:1.3.6.1.4.1.25178.1.2.9',
  'pairwise-id': 'urn:oasis:names:tc:SAML:attribute:pairwise-id',
  displayName: 'urn:oid:2.16.840.1.113730.3.1.241',
} as const;

export type AttributeName = keyof typeof ATTRIBUTES;

export interface ReleasedAttribute {
  name: string;
  friendlyName: AttributeName;
  values: string[];
}

export interface Release {
  nameID: { format: string; value: string };
  attributes: ReleasedAttribute[];
}

const PRESETS: Record<IdpMethod['release'], { attributes: AttributeName[]; nameID: 'persistent' | 'transient' }> = {
  minimal: { attributes: ['eduPersonEntitlement', 'eduPersonScopedAffiliation', 'pairwise-id'], nameID: 'persistent' },
  anonymous: { attributes: ['eduPersonEntitlement', 'eduPersonScopedAffiliation', 'schacHomeOrganization'], nameID: 'transient' },
  pseudonymous: { attributes: ['eduPersonEntitlement', 'eduPersonScopedAffiliation', 'schacHomeOrganization', 'pairwise-id'], nameID: 'persistent' },
};

/** The attribute names a preset releases (for the IdP metadata and the report of what goes to whom). */
export const presetAttributes = (preset: IdpMethod['release']): readonly AttributeName[] => PRESETS[preset].attributes;

/**
 * The opaque per-SP id of a reader: lower-case hex (pairwise-id's unique ID part is
 * `[A-Za-z0-9][A-Za-z0-9=-]{0,126}`, compared case-insensitively, so hex is safe).
 */
export function pairwiseValue(key: string, identity: Pick<Identity, 'institution' | 'subject'>, spEntityID: string): string {
  return createHmac('sha256', key).update(`passway pairwise-id\0${identity.institution}\0${identity.subject}\0${spEntityID}`).digest('hex');
}

const NAMEID_UNSPECIFIED = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';

/**
 * The NameID an SP's NameIDPolicy Format gets (SAML core 3.4.1.1): the preset's own when it names
 * none (or "unspecified"), a transient one when it asks for that (never more than asked), the
 * persistent pairwise value only when the preset releases one; undefined when it asks for what
 * this IdP does not give (an e-mail address, an X.509 subject…): the SP gets InvalidNameIDPolicy.
 */
export function nameIDKindFor(method: IdpMethod, requestedFormat: string | undefined): 'persistent' | 'transient' | undefined {
  const preset = PRESETS[method.release].nameID;
  if (requestedFormat === undefined || requestedFormat === NAMEID_UNSPECIFIED) return preset;
  if (requestedFormat === NAMEID_TRANSIENT) return 'transient';
  if (requestedFormat === NAMEID_PERSISTENT && preset === 'persistent') return 'persistent';
  return undefined;
}

export interface ReleaseInput {
  identity: Identity;
  method: IdpMethod;
  spEntityID: string;
  /** The virtual IdP's scope. */
  scope: string;
  pairwiseKey: string;
  /** The licence's own entitlement value, when the licence names one the reader holds. */
  licenceEntitlement?: string;
  /** The NameID the request's NameIDPolicy gets (nameIDKindFor); the preset's without one. */
  nameID?: 'persistent' | 'transient';
}

export function releaseFor({ identity, method, spEntityID, scope, pairwiseKey, licenceEntitlement, nameID: nameIDKind }: ReleaseInput): Release {
  const preset = PRESETS[method.release];
  const pairwise = pairwiseValue(pairwiseKey, identity, spEntityID);
  const values: Record<AttributeName, () => string[]> = {
    // The reader was just licensed for this resource (authorize() allowed it): that is what the entitlement says.
    eduPersonEntitlement: () => [licenceEntitlement ?? method.entitlement],
    eduPersonScopedAffiliation: () => [...new Set(identity.affiliations)].map((affiliation) => `${affiliation}@${scope}`),
    schacHomeOrganization: () => [scope],
    'pairwise-id': () => [`${pairwise}@${scope}`],
    displayName: () => (identity.displayName ? [identity.displayName] : []),
  };
  const names = [...new Set<AttributeName>([...preset.attributes, ...method.alsoRelease])];
  const attributes = names
    .map((friendlyName) => ({ name: ATTRIBUTES[friendlyName], friendlyName, values: values[friendlyName]() }))
    .filter((attribute) => attribute.values.length > 0);
  const nameID =
    (nameIDKind ?? preset.nameID) === 'persistent'
      ? { format: NAMEID_PERSISTENT, value: pairwise }
      : { format: NAMEID_TRANSIENT, value: `_${randomBytes(20).toString('hex')}` };
  return { nameID, attributes };
}
