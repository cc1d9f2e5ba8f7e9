export { OidcAdapter, type OidcAdapterOptions } from './adapter';
export { OIDC_DEFAULT_MAPPING } from './claims';
export type { ClientAuthMethod } from './token';
