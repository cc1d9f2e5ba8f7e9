/**
 * A vendor's SP metadata (md:SPSSODescriptor), read for Passway as IdP (gateway/saml-idp): where
 * responses may go (AssertionConsumerService, HTTP-POST only), which keys sign its AuthnRequests
 * and which one its assertions are encrypted to, whether it signs its requests, and its entity
 * categories. The one parser for a metadata file and for SP entities of a verified federation aggregate.
 */
import { BINDING_POST } from './metadata';
import { attr, certPem, children, NS, parseXml, path, text } from './xml';

export interface SpMetadata {
  entityID: string;
  /** HTTP-POST AssertionConsumerServices in document order. */
  acs: { location: string; index?: number; isDefault: boolean }[];
  /** PEM certificates its AuthnRequests may be signed with (KeyDescriptor use="signing" or without use). */
  signingCerts: string[];
  /** PEM certificate assertions are encrypted to (KeyDescriptor use="encryption" or without use), if any. */
  encryptionCert?: string;
  authnRequestsSigned: boolean;
  /** http://macedir.org/entity-category values (e.g. https://refeds.org/category/anonymous). */
  entityCategories: string[];
}

const ENTITY_CATEGORY = 'http://macedir.org/entity-category';
const MDATTR = 'urn:oasis:names:tc:SAML:metadata:attribute';

const certsOf = (descriptor: Element, use: 'signing' | 'encryption') =>
  children(descriptor, NS.md, 'KeyDescriptor')
    .filter((kd) => (attr(kd, 'use') ?? use) === use)
    .flatMap((kd) => path(kd, [[NS.ds, 'KeyInfo'], [NS.ds, 'X509Data'], [NS.ds, 'X509Certificate']]))
    .map((el) => text(el))
    .filter((body): body is string => body !== undefined)
    .map(certPem);

/** One md:EntityDescriptor as an SP; throws when it is none or lists no HTTP-POST ACS. */
export function spFromEntityDescriptor(entity: Element): SpMetadata {
  const entityID = attr(entity, 'entityID') ?? '';
  if (!entityID) throw new Error('EntityDescriptor without entityID');
  const sp = children(entity, NS.md, 'SPSSODescriptor')[0];
  if (!sp) throw new Error(`${entityID} has no SPSSODescriptor`);
  const acs = children(sp, NS.md, 'AssertionConsumerService')
    .filter((service) => attr(service, 'Binding') === BINDING_POST && attr(service, 'Location'))
    .map((service) => {
      const index = Number(attr(service, 'index'));
      return { location: attr(service, 'Location')!, index: Number.isInteger(index) ? index : undefined, isDefault: attr(service, 'isDefault') === 'true' };
    });
  if (acs.length === 0) throw new Error(`${entityID} has no HTTP-POST AssertionConsumerService`);
  const entityCategories = path(entity, [[NS.md, 'Extensions'], [MDATTR, 'EntityAttributes'], [NS.saml, 'Attribute']])
    .filter((a) => attr(a, 'Name') === ENTITY_CATEGORY)
    .flatMap((a) => children(a, NS.saml, 'AttributeValue').map((v) => text(v) ?? ''))
    .filter(Boolean);
  return {
    entityID,
    acs,
    signingCerts: certsOf(sp, 'signing'),
    encryptionCert: certsOf(sp, 'encryption')[0],
    authnRequestsSigned: attr(sp, 'AuthnRequestsSigned') === 'true',
    entityCategories,
  };
}

/** The SP `entityID` from a metadata document (an EntityDescriptor, or an EntitiesDescriptor holding it). */
export async function parseSpMetadata(xml: string, entityID: string): Promise<SpMetadata> {
  const root = (await parseXml(xml)).documentElement;
  if (!root) throw new Error('metadata is not XML');
  const entities = root.localName === 'EntityDescriptor' ? [root] : Array.from(root.getElementsByTagNameNS(NS.md, 'EntityDescriptor'));
  const entity = entities.find((e) => e.getAttribute('entityID') === entityID);
  if (!entity) throw new Error(`metadata has no EntityDescriptor for ${entityID}`);
  return spFromEntityDescriptor(entity);
}
