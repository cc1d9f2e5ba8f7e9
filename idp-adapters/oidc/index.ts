export { OidcAdapter, type OidcAdapterOptions, type OidcLoginConfig } from './adapter';
export { OIDC_DEFAULT_MAPPING } from './claims';
export type { ClientAuthMethod } from './token';
