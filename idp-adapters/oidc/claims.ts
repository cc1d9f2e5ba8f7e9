/** ID token claims → raw attributes and the normalised Identity fields. */
import type { JWTPayload } from 'jose';
import { mapAttributes, mergeMapping, type AttributeMapping, type MappedAttributes, type RawAttributes } from '../mapping';

/** Claim names of the REFEDS/eduPerson OIDC profile and of Keycloak-style providers. */
export const OIDC_DEFAULT_MAPPING: AttributeMapping = {
  affiliation: ['eduperson_scoped_affiliation', 'eduperson_affiliation', 'affiliation'],
  affiliationValues: {},
  displayName: ['name', 'nickname'],
  entitlements: ['eduperson_entitlement', 'entitlements'],
  groups: ['groups'],
};

/** Protocol bookkeeping that says nothing about the person. */
const NOT_ATTRIBUTES = new Set(['nonce', 'at_hash', 'c_hash', 's_hash', 'sid']);

const asStrings = (value: unknown): string[] =>
  (Array.isArray(value) ? value : [value])
    .filter((v) => v !== null && v !== undefined)
    .map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v)));

export function flattenClaims(claims: JWTPayload): RawAttributes {
  const attrs: RawAttributes = {};
  for (const [name, value] of Object.entries(claims)) if (!NOT_ATTRIBUTES.has(name)) attrs[name] = asStrings(value);
  return attrs;
}

export function mapClaims(claims: JWTPayload, overrides?: Partial<AttributeMapping>): MappedAttributes & { attributes: RawAttributes } {
  const attributes = flattenClaims(claims);
  return { ...mapAttributes(attributes, mergeMapping(OIDC_DEFAULT_MAPPING, overrides)), attributes };
}
