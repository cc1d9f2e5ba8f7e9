/** What reports read: the usage module's aggregate queries (gateway/usage/query.ts). */
import { queryUsage, uniqueUsers } from '../query';

export type { UsageFilter, UsageRow } from '../query';

export interface UsageSource {
  queryUsage: typeof queryUsage;
  uniqueUsers: typeof uniqueUsers;
}

export const aggregateSource: UsageSource = { queryUsage, uniqueUsers };
