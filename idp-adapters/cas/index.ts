export { CasAdapter, type CasAdapterOptions } from './adapter';
export { CAS_DEFAULT_MAPPING, DEFAULT_AFFILIATION_VALUES, type AttributeMapping, type RawAttributes } from '../mapping';
export { parseServiceResponse, type CasValidation } from './response';
