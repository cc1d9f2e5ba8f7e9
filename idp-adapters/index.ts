export type { Identity, Affiliation } from './identity';
export { LoginError, type CampusSignIn, type IdpAdapter, type LoginErrorReason, type LoginKind, type LoginResult, type LogoutStep, type SignedOutUrl } from './types';
export { identityFromAttributes, type SamlAttribute, type DroppedValue } from './attributes';
