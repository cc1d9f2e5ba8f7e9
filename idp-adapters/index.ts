export type { Identity, Affiliation } from './identity';
