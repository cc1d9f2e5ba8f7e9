/** IdP metadata in (signing certificates, SSO endpoint, scopes, names) and SP metadata out. */
import { attr, certBody, certPem, children, escapeXml, NS, parseXml, path, text } from './xml';
import { createHash } from 'node:crypto';
import { signMetadata } from './metadata-signature';
import type { EntityCategory, SpSettings } from './sp-config';

export const BINDING_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
export const BINDING_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

export interface IdpMetadata {
  entityID: string;
  /** PEM certificates from KeyDescriptors for signing (or without `use`). */
  signingCerts: string[];
  ssoRedirectUrl: string;
  /** SingleLogoutService by binding (Location, and ResponseLocation when the IdP takes responses elsewhere). */
  slo: { redirect?: SloEndpoint; post?: SloEndpoint };
  /** shibmd:Scope values (regexp scopes are kept as patterns). */
  scopes: { value: string; regexp: boolean }[];
  displayName: { en?: string; zh?: string };
}

export interface SloEndpoint {
  location: string;
  responseLocation: string;
}

/**
 * Read one IdP from metadata: either an EntityDescriptor or an EntitiesDescriptor holding it.
 * Throws when the entity, a signing key or a Redirect SSO endpoint is missing, so an unusable
 * document never replaces a good one.
 */
export async function parseIdpMetadata(xml: string, entityID: string): Promise<IdpMetadata> {
  const doc = await parseXml(xml);
  const root = doc.documentElement;
  if (!root) throw new Error('metadata is not XML');
  const entities = root.localName === 'EntityDescriptor' ? [root] : Array.from(root.getElementsByTagNameNS(NS.md, 'EntityDescriptor'));
  const entity = entities.find((e) => e.getAttribute('entityID') === entityID);
  if (!entity) throw new Error(`metadata has no EntityDescriptor for ${entityID}`);
  return idpFromEntityDescriptor(entity);
}

/**
 * One md:EntityDescriptor as an IdP (the one parser for per-IdP metadata and federation
 * aggregates). Throws when it is no IdP or lacks a signing key or a Redirect SSO endpoint.
 */
export function idpFromEntityDescriptor(entity: Element): IdpMetadata {
  const entityID = attr(entity, 'entityID') ?? '';
  if (!entityID) throw new Error('EntityDescriptor without entityID');
  const idp = children(entity, NS.md, 'IDPSSODescriptor')[0];
  if (!idp) throw new Error(`${entityID} has no IDPSSODescriptor`);

  const signingCerts = children(idp, NS.md, 'KeyDescriptor')
    .filter((kd) => (attr(kd, 'use') ?? 'signing') === 'signing')
    .flatMap((kd) => path(kd, [[NS.ds, 'KeyInfo'], [NS.ds, 'X509Data'], [NS.ds, 'X509Certificate']]))
    .map((el) => text(el))
    .filter((body): body is string => body !== undefined)
    .map(certPem);
  if (signingCerts.length === 0) throw new Error(`${entityID} has no signing certificate`);

  const sso = children(idp, NS.md, 'SingleSignOnService').find((s) => attr(s, 'Binding') === BINDING_REDIRECT);
  const ssoRedirectUrl = attr(sso, 'Location');
  if (!ssoRedirectUrl) throw new Error(`${entityID} has no HTTP-Redirect SingleSignOnService`);

  const slo: IdpMetadata['slo'] = {};
  for (const service of children(idp, NS.md, 'SingleLogoutService')) {
    const location = attr(service, 'Location');
    const binding = attr(service, 'Binding') === BINDING_REDIRECT ? 'redirect' : attr(service, 'Binding') === BINDING_POST ? 'post' : undefined;
    if (location && binding) slo[binding] ??= { location, responseLocation: attr(service, 'ResponseLocation') ?? location };
  }

  const extensions = children(idp, NS.md, 'Extensions');
  const scopes = extensions
    .flatMap((ext) => children(ext, NS.shibmd, 'Scope'))
    .map((el) => ({ value: text(el) ?? '', regexp: attr(el, 'regexp') === 'true' || attr(el, 'regexp') === '1' }))
    .filter((s) => s.value !== '');
  const displayName: IdpMetadata['displayName'] = {};
  for (const el of extensions.flatMap((ext) => path(ext, [[NS.mdui, 'UIInfo'], [NS.mdui, 'DisplayName']]))) {
    const lang = (el.getAttributeNS('http://www.w3.org/XML/1998/namespace', 'lang') ?? '').toLowerCase();
    if (lang.startsWith('zh')) displayName.zh ??= text(el);
    else if (lang.startsWith('en')) displayName.en ??= text(el);
  }
  return { entityID, signingCerts, ssoRedirectUrl, slo, scopes, displayName };
}

const attribute = (name: string, friendlyName: string) => ({ name, friendlyName });
const A = {
  scopedAffiliation: attribute('urn:oid:1.3.6.1.4.1.5923.1.1.1.9', 'eduPersonScopedAffiliation'),
  homeOrganization: attribute('urn:oid:1.3.6.1.4.1.25178.1.2.9', 'schacHomeOrganization'),
  entitlement: attribute('urn:oid:1.3.6.1.4.1.5923.1.1.1.7', 'eduPersonEntitlement'),
  pairwiseId: attribute('urn:oasis:names:tc:SAML:attribute:pairwise-id', 'pairwise-id'),
  subjectId: attribute('urn:oasis:names:tc:SAML:attribute:subject-id', 'subject-id'),
  assurance: attribute('urn:oid:1.3.6.1.4.1.5923.1.1.1.11', 'eduPersonAssurance'),
  targetedId: attribute('urn:oid:1.3.6.1.4.1.5923.1.1.1.10', 'eduPersonTargetedID'),
  principalName: attribute('urn:oid:1.3.6.1.4.1.5923.1.1.1.6', 'eduPersonPrincipalName'),
  displayName: attribute('urn:oid:2.16.840.1.113730.3.1.241', 'displayName'),
  givenName: attribute('urn:oid:2.5.4.42', 'givenName'),
  surname: attribute('urn:oid:2.5.4.4', 'sn'),
  mail: attribute('urn:oid:0.9.2342.19200300.100.1.3', 'mail'),
};

/**
 * Attributes the SP asks for, by OID (NameFormat uri), as CARSI and eduGAIN release them: with an
 * entity category, its REFEDS bundle (https://refeds.org/category/anonymous, …/pseudonymous,
 * …/personalized, version 2) plus eduPersonEntitlement, which licences are decided on.
 */
export const REQUESTED_ATTRIBUTES: Record<EntityCategory | 'none', { name: string; friendlyName: string }[]> = {
  anonymous: [A.scopedAffiliation, A.homeOrganization, A.entitlement],
  pseudonymous: [A.scopedAffiliation, A.homeOrganization, A.entitlement, A.pairwiseId, A.assurance],
  personalized: [A.scopedAffiliation, A.homeOrganization, A.entitlement, A.subjectId, A.assurance, A.displayName, A.givenName, A.surname, A.mail],
  none: [A.scopedAffiliation, A.targetedId, A.entitlement, A.principalName, A.pairwiseId, A.subjectId, A.displayName, A.mail],
};

const ENTITY_CATEGORY = 'http://macedir.org/entity-category';
const MDATTR = 'urn:oasis:names:tc:SAML:metadata:attribute';
const SAML_ASSERTION = 'urn:oasis:names:tc:SAML:2.0:assertion';
const HOUR_MS = 3_600_000;

const keyDescriptor = (use: 'signing' | 'encryption', pem: string) =>
  `    <md:KeyDescriptor use="${use}"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certBody(pem)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\n`;

/**
 * The SP's metadata: valid for metadata.validDays from `now`, with a cacheDuration, the entity
 * category, both signing certificates during a rollover, encryption key, SLO (Redirect and POST),
 * ACS, attributes and names; signed unless metadata.sign is false.
 */
export function spMetadataXml(sp: SpSettings, now = new Date()): string {
  const { keys } = sp;
  const signing = [keys.signing.certificatePem, ...(keys.previousSigningCert ? [keys.previousSigningCert] : [])];
  const names = (['en', 'zh'] as const)
    .map((lang) => [lang, sp.displayName[lang]] as const)
    .filter((entry): entry is readonly ['en' | 'zh', string] => entry[1] !== undefined);
  const validUntil = new Date(now.getTime() + sp.metadata.validDays * 24 * HOUR_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const category = sp.entityCategory
    ? `  <md:Extensions>
    <mdattr:EntityAttributes xmlns:mdattr="${MDATTR}">
      <saml:Attribute xmlns:saml="${SAML_ASSERTION}" Name="${ENTITY_CATEGORY}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"><saml:AttributeValue>https://refeds.org/category/${sp.entityCategory}</saml:AttributeValue></saml:Attribute>
    </mdattr:EntityAttributes>
  </md:Extensions>
`
    : '';
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="${NS.md}" xmlns:ds="${NS.ds}" xmlns:mdui="${NS.mdui}" ID="_${createHash('sha256').update(`${sp.entityID} ${now.toISOString()}`).digest('hex').slice(0, 32)}" entityID="${escapeXml(sp.entityID)}" validUntil="${validUntil}" cacheDuration="PT${Math.round(sp.metadata.cacheDurationHours * 3600)}S">
${category}  <md:SPSSODescriptor AuthnRequestsSigned="true" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:Extensions>
      <mdui:UIInfo>
${names.map(([lang, name]) => `        <mdui:DisplayName xml:lang="${lang}">${escapeXml(name)}</mdui:DisplayName>\n`).join('')}      </mdui:UIInfo>
    </md:Extensions>
${signing.map((pem) => keyDescriptor('signing', pem)).join('')}${keys.encryption ? keyDescriptor('encryption', keys.encryption.certificatePem) : ''}    <md:SingleLogoutService Binding="${BINDING_REDIRECT}" Location="${escapeXml(sp.sloUrl)}"/>
    <md:SingleLogoutService Binding="${BINDING_POST}" Location="${escapeXml(sp.sloUrl)}"/>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>
    <md:AssertionConsumerService Binding="${BINDING_POST}" Location="${escapeXml(sp.acsUrl)}" index="0" isDefault="true"/>
    <md:AttributeConsumingService index="0" isDefault="true">
${names.map(([lang, name]) => `      <md:ServiceName xml:lang="${lang}">${escapeXml(name)}</md:ServiceName>\n`).join('')}${REQUESTED_ATTRIBUTES[sp.entityCategory ?? 'none'].map((a) => `      <md:RequestedAttribute NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri" Name="${a.name}" FriendlyName="${a.friendlyName}"/>\n`).join('')}    </md:AttributeConsumingService>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
`;
  return sp.metadata.sign ? signMetadata(xml, keys.metadataSigning ?? keys.signing) : xml;
}

/**
 * The metadata as served: made for the current period of half its validity (periods counted from the
 * epoch, so every node makes the same document, byte for byte: same ID, same validUntil, and RSA
 * signatures are deterministic), so what an IdP fetched never expires before the next is there.
 */
export function spMetadataSource(sp: SpSettings, now: () => Date = () => new Date()): () => string {
  let made: { xml: string; period: number } | undefined;
  const periodMs = (sp.metadata.validDays * 24 * HOUR_MS) / 2;
  return () => {
    const period = Math.floor(now().getTime() / periodMs);
    if (made?.period !== period) made = { xml: spMetadataXml(sp, new Date(period * periodMs)), period };
    return made.xml;
  };
}
