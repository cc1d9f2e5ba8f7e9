export type { Identity, Affiliation } from './identity';
export { LoginError, type IdpAdapter, type LoginErrorReason, type LoginResult } from './types';
export { identityFromAttributes, type SamlAttribute, type DroppedValue } from './attributes';
