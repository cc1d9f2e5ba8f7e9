/**
 * Usage: events (recordUsage), the durable per-node JSON-lines log, aggregates in the Store,
 * catch-up after a store outage, rebuild from the logs, and the query API for reports.
 */
export type { UsageEvent, UsageEventType, StoredUsageEvent } from './events';
export { primaryAffiliation } from './events';
export type { RecordUsage } from './record';
export { usageRecorder } from './record';
export { pseudonymizer, demoPseudonymKey } from './pseudonym';
export { createUsageLog, defaultNode, type UsageLog, type UsageLogOptions, type UsageStatus } from './usage-log';
export { ncsaLine, type AccessLogEntry } from './access-log';
export { readUsageLog, readUsageFile, listLogFiles, usageFileName, accessFileName, type LogFile, type ReadFilter } from './log-files';
export { queryUsage, uniqueUsers, type UsageFilter, type UsageRow } from './query';
export { queryItems, type ItemFilter, type ItemRow, type TitleRow } from './item-query';
export { rebuildUsage, clearDay, type RebuildResult } from './rebuild';
export { Aggregator, contribution } from './aggregator';
export { usageLogFromConfig } from './from-config';
