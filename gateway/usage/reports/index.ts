export { csv, csvField, usageCsv, BOM } from './csv';
export { parseFilter, filterQuery, monthRange } from './filters';
export { names } from '../../pages/labels';
export { summarise, type UsageSummary } from './summary';
export { aggregateSource, type UsageFilter, type UsageRow, type UsageSource } from './source';
