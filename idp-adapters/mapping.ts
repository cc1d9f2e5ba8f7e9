/**
 * Raw attributes (SAML attributes after scope checks, CAS attributes, flattened OIDC claims) →
 * the normalised parts of an Identity. Protocol-neutral: each adapter brings its default mapping.
 */
import type { Affiliation } from './identity';

export type RawAttributes = Record<string, string[]>;

/** Which raw attributes feed which Identity field, and how affiliation values are spelled. */
export interface AttributeMapping {
  /** Attributes holding affiliations, first match wins per value; scoped values (`faculty@x.edu`) are unscoped. */
  affiliation: string[];
  /** Value (case-insensitive, after unscoping) → affiliation; merged over the built-in vocabulary. */
  affiliationValues: Record<string, Affiliation>;
  /** Attributes tried in order for the display name. */
  displayName: string[];
  entitlements: string[];
  groups: string[];
}

const AFFILIATIONS: readonly Affiliation[] = ['faculty', 'student', 'staff', 'member', 'alum', 'affiliate', 'employee', 'library-walk-in'];

/** Common spellings in Chinese 统一身份认证 (CAS) deployments and in English user-type codes. */
export const DEFAULT_AFFILIATION_VALUES: Readonly<Record<string, Affiliation>> = {
  教师: 'faculty',
  教职工: 'employee',
  职工: 'staff',
  员工: 'staff',
  行政人员: 'staff',
  学生: 'student',
  本科生: 'student',
  研究生: 'student',
  硕士生: 'student',
  博士生: 'student',
  留学生: 'student',
  校友: 'alum',
  访问学者: 'affiliate',
  临时人员: 'affiliate',
  teacher: 'faculty',
  undergraduate: 'student',
  graduate: 'student',
  postgraduate: 'student',
};

/** Attribute names seen on CAS servers (Apereo, 金智/正方 统一身份认证 and similar). */
export const CAS_DEFAULT_MAPPING: AttributeMapping = {
  affiliation: ['eduPersonAffiliation', 'eduPersonScopedAffiliation', 'affiliation', 'userType', 'user_type', 'identityType'],
  affiliationValues: {},
  displayName: ['displayName', 'cn', 'name', 'userName'],
  entitlements: ['eduPersonEntitlement', 'entitlement'],
  groups: ['groups', 'memberOf', 'isMemberOf'],
};

export function mergeMapping(base: AttributeMapping, override: Partial<AttributeMapping> = {}): AttributeMapping {
  return { ...base, ...override, affiliationValues: { ...base.affiliationValues, ...override.affiliationValues } };
}

/** Look an attribute up by name, case-insensitively (CAS servers differ in capitalisation). */
export function attribute(attrs: RawAttributes, name: string): string[] {
  const exact = attrs[name];
  if (exact) return exact;
  const lower = name.toLowerCase();
  for (const [key, values] of Object.entries(attrs)) if (key.toLowerCase() === lower) return values;
  return [];
}

export function normaliseAffiliation(value: string, values: Record<string, Affiliation>): Affiliation | undefined {
  const bare = value.trim().replace(/@.*$/, '');
  const lower = bare.toLowerCase();
  const table: Record<string, Affiliation> = { ...DEFAULT_AFFILIATION_VALUES, ...values };
  for (const [spelling, affiliation] of Object.entries(table)) if (spelling.toLowerCase() === lower) return affiliation;
  return AFFILIATIONS.find((a) => a === lower);
}

const unique = <T>(values: T[]): T[] => [...new Set(values)];

export interface MappedAttributes {
  affiliations: Affiliation[];
  entitlements: string[];
  groups: string[];
  displayName?: string;
}

/** Unknown affiliation values are dropped here (they stay in Identity.attributes for audit). */
export function mapAttributes(attrs: RawAttributes, mapping: AttributeMapping): MappedAttributes {
  const affiliations = mapping.affiliation
    .flatMap((name) => attribute(attrs, name))
    .map((value) => normaliseAffiliation(value, mapping.affiliationValues))
    .filter((a): a is Affiliation => a !== undefined);
  const displayName = mapping.displayName.map((name) => attribute(attrs, name)[0]?.trim()).find((v) => !!v);
  return {
    affiliations: unique(affiliations),
    entitlements: unique(mapping.entitlements.flatMap((name) => attribute(attrs, name))),
    groups: unique(mapping.groups.flatMap((name) => attribute(attrs, name))),
    ...(displayName ? { displayName } : {}),
  };
}
