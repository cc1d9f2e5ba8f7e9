export { SamlHub, PENDING_REQUEST_TTL_MS, type OnDropped } from './hub';
export { SamlAdapter } from './adapter';
export { IdpRegistry, defaultMetadataSource, type MetadataSource } from './registry';
export { loadSpKeys, spSettings, SpConfigError, type SpKeys, type SpSettings, type KeyPairPem } from './sp-config';
export { spMetadataXml, spMetadataSource, parseIdpMetadata, idpFromEntityDescriptor, type IdpMetadata } from './metadata';
export { FederationMetadata, startFederations } from './federation';
export { federationAlerts, alertLine, EXPIRY_WARNING_MS, type FederationStatus, type SourceStatus, type FederationAlert } from './federation-status';
export { MdqSource, MdqError, mdqIdentifier } from './mdq';
export { verifyMetadataSignature, signMetadata, MetadataSignatureError } from './metadata-signature';
