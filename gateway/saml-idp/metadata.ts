/**
 * The metadata of one virtual IdP (/idp/<institution>/metadata), ready to register with a
 * federation: the signing certificate and, during a rollover, the next one; the SSO endpoint for
 * HTTP-Redirect and HTTP-POST; the NameID formats; shibmd:Scope (every scope Passway asserts for
 * this institution); mdui DisplayName in English and Chinese and a logo; the attributes it can
 * release. Built with xmlbuilder, signed (enveloped, RSA-SHA256) with the IdP signing key.
 * Made for the current period of half its validity, so every node serves the same document.
 */
import { createHash } from 'node:crypto';
import { buildXmlBuilderObject } from '@node-saml/node-saml/lib/xml';
import { BINDING_POST, BINDING_REDIRECT } from '../../idp-adapters/saml/metadata';
import { signMetadata } from '../../idp-adapters/saml/metadata-signature';
import { certBody, NS } from '../../idp-adapters/saml/xml';
import { ATTRIBUTES, ATTRNAME_URI, NAMEID_PERSISTENT, NAMEID_TRANSIENT } from './release';
import type { IdpSettings, VirtualIdp } from './settings';

const HOUR_MS = 3_600_000;
const instant = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function idpMetadataXml(idp: VirtualIdp, settings: IdpSettings, now = new Date()): string {
  const certs = [settings.signing.certificatePem, ...(settings.nextSigningCert ? [settings.nextSigningCert] : [])];
  const names = (['en', 'zh'] as const).flatMap((lang) => {
    const name = idp.displayName[lang];
    return name ? [{ '@xml:lang': lang, '#text': name }] : [];
  });
  const xml = buildXmlBuilderObject(
    {
      'md:EntityDescriptor': {
        '@xmlns:md': NS.md,
        '@xmlns:ds': NS.ds,
        '@xmlns:mdui': NS.mdui,
        '@xmlns:shibmd': NS.shibmd,
        '@xmlns:saml': NS.saml,
        '@ID': `_${createHash('sha256').update(`${idp.entityID} ${now.toISOString()}`).digest('hex').slice(0, 32)}`,
        '@entityID': idp.entityID,
        '@validUntil': instant(new Date(now.getTime() + settings.metadata.validDays * 24 * HOUR_MS)),
        '@cacheDuration': `PT${Math.round(settings.metadata.cacheDurationHours * 3600)}S`,
        'md:IDPSSODescriptor': {
          '@protocolSupportEnumeration': 'urn:oasis:names:tc:SAML:2.0:protocol',
          '@WantAuthnRequestsSigned': settings.requireSignedRequests ? 'true' : 'false',
          'md:Extensions': {
            'shibmd:Scope': { '@regexp': 'false', '#text': idp.scope },
            'mdui:UIInfo': {
              'mdui:DisplayName': names,
              ...(idp.logo ? { 'mdui:Logo': { '@height': '60', '@width': '80', '#text': idp.logo } } : {}),
            },
          },
          'md:KeyDescriptor': certs.map((pem) => ({
            '@use': 'signing',
            'ds:KeyInfo': { 'ds:X509Data': { 'ds:X509Certificate': certBody(pem) } },
          })),
          'md:NameIDFormat': [NAMEID_PERSISTENT, NAMEID_TRANSIENT],
          'md:SingleSignOnService': [
            { '@Binding': BINDING_REDIRECT, '@Location': idp.ssoUrl },
            { '@Binding': BINDING_POST, '@Location': idp.ssoUrl },
          ],
          'saml:Attribute': Object.entries(ATTRIBUTES).map(([friendlyName, name]) => ({ '@Name': name, '@NameFormat': ATTRNAME_URI, '@FriendlyName': friendlyName })),
        },
      },
    },
    true,
  );
  return signMetadata(xml, settings.signing);
}

/** The metadata as served: one document per half-validity period (counted from the epoch), the same on every node. */
export function idpMetadataSource(settings: IdpSettings, now: () => Date = () => new Date()): (idp: VirtualIdp) => string {
  const made = new Map<string, { xml: string; period: number }>();
  const periodMs = (settings.metadata.validDays * 24 * HOUR_MS) / 2;
  return (idp) => {
    const period = Math.floor(now().getTime() / periodMs);
    let entry = made.get(idp.institution);
    if (entry?.period !== period) {
      entry = { xml: idpMetadataXml(idp, settings, new Date(period * periodMs)), period };
      made.set(idp.institution, entry);
    }
    return entry.xml;
  };
}
