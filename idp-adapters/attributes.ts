/**
 * SAML attributes → Identity: names by OID or friendly name, scoped values checked against the
 * IdP's shibmd:Scope, the most stable subject chosen, affiliations normalised. Pure: the caller
 * logs what was dropped.
 */
import type { Identity } from './identity';
import { mapAttributes, type AttributeMapping } from './mapping';

export interface SamlAttribute {
  name: string;
  friendlyName?: string;
  values: string[];
}

export interface Scope {
  value: string;
  regexp: boolean;
}

export interface AttributeInput {
  attributes: SamlAttribute[];
  nameID?: { value: string; format?: string };
  scopes: Scope[];
  institution: string;
  idp: string;
  authnInstant?: string;
  /** AuthnContextClassRef of the AuthnStatement. */
  authnContext?: string;
}

export interface DroppedValue {
  attribute: string;
  value: string;
  reason: 'out-of-scope' | 'unscoped';
}

const OIDS: Record<string, string> = {
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.1': 'eduPersonAffiliation',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.6': 'eduPersonPrincipalName',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.7': 'eduPersonEntitlement',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.9': 'eduPersonScopedAffiliation',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.10': 'eduPersonTargetedID',
  'urn:oasis:names:tc:SAML:attribute:subject-id': 'subject-id',
  'urn:oasis:names:tc:SAML:attribute:pairwise-id': 'pairwise-id',
  'urn:oid:2.16.840.1.113730.3.1.241': 'displayName',
  'urn:oid:0.9.2342.19200300.100.1.3': 'mail',
  'urn:oid:1.3.6.1.4.1.5923.1.5.1.1': 'isMemberOf',
};
/** Attributes whose values are `value@scope` and must carry one of the IdP's scopes. */
const SCOPED = new Set(['eduPersonPrincipalName', 'eduPersonScopedAffiliation', 'subject-id', 'pairwise-id']);
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';

/** The friendly name of an attribute given by OID (NameFormat uri) or by that name (NameFormat basic). */
// FriendlyName is informational only (as in Shibboleth): an IdP could label any attribute with it.
export function canonicalName(attribute: Pick<SamlAttribute, 'name'>): string {
  return OIDS[attribute.name] ?? attribute.name;
}

export function inScope(domain: string, scopes: Scope[]): boolean {
  const lower = domain.toLowerCase();
  return scopes.some((scope) => {
    if (!scope.regexp) return scope.value.toLowerCase() === lower;
    try {
      return new RegExp(`^(?:${scope.value})$`, 'i').test(domain);
    } catch {
      return false;
    }
  });
}

function splitScope(value: string): [string, string] | undefined {
  const at = value.lastIndexOf('@');
  return at > 0 && at < value.length - 1 ? [value.slice(0, at), value.slice(at + 1)] : undefined;
}

/** Raw attributes by canonical name, with off-scope (or unscoped) values of scoped attributes dropped. */
export function checkedAttributes(input: Pick<AttributeInput, 'attributes' | 'scopes'>): { attributes: Record<string, string[]>; dropped: DroppedValue[] } {
  const attributes: Record<string, string[]> = {};
  const dropped: DroppedValue[] = [];
  for (const attribute of input.attributes) {
    const name = canonicalName(attribute);
    const kept = (attributes[name] ??= []);
    for (const raw of attribute.values) {
      const value = raw.trim();
      if (!value) continue;
      if (SCOPED.has(name)) {
        const parts = splitScope(value);
        if (!parts) {
          dropped.push({ attribute: name, value, reason: 'unscoped' });
          continue;
        }
        if (!inScope(parts[1], input.scopes)) {
          dropped.push({ attribute: name, value, reason: 'out-of-scope' });
          continue;
        }
      }
      if (!kept.includes(value)) kept.push(value);
    }
    if (kept.length === 0) delete attributes[name];
  }
  return { attributes, dropped };
}

/** eduPerson names; scoped affiliations are unscoped by the mapping after the scope check above. */
const SAML_MAPPING: AttributeMapping = {
  affiliation: ['eduPersonScopedAffiliation', 'eduPersonAffiliation'],
  affiliationValues: {},
  displayName: ['displayName'],
  entitlements: ['eduPersonEntitlement'],
  groups: ['isMemberOf'],
};

/** The most stable identifier available: pairwise-id, eduPersonTargetedID / persistent NameID, subject-id, ePPN. */
function subjectOf(attributes: Record<string, string[]>, nameID: AttributeInput['nameID']): string | undefined {
  const persistent = nameID?.format === PERSISTENT && nameID.value ? nameID.value : undefined;
  return (
    attributes['pairwise-id']?.[0] ??
    attributes.eduPersonTargetedID?.[0] ??
    persistent ??
    attributes['subject-id']?.[0] ??
    attributes.eduPersonPrincipalName?.[0]
  );
}

/** An Identity, or undefined for `subject` when the assertion carries no usable identifier. */
export function identityFromAttributes(input: AttributeInput): { identity?: Identity; dropped: DroppedValue[] } {
  const { attributes, dropped } = checkedAttributes(input);
  const subject = subjectOf(attributes, input.nameID);
  if (!subject) return { dropped };
  return {
    dropped,
    identity: {
      subject,
      institution: input.institution,
      ...mapAttributes(attributes, SAML_MAPPING),
      source: { adapter: 'saml', idp: input.idp, ...(input.authnInstant ? { authnInstant: input.authnInstant } : {}), ...(input.authnContext ? { authnContext: input.authnContext } : {}) },
      attributes,
    },
  };
}
