/** What reports read: the usage module's aggregate queries (gateway/usage/query.ts). */
import { queryItems } from '../item-query';
import { queryUsage, uniqueUsers } from '../query';

export type { UsageFilter, UsageRow } from '../query';

export interface UsageSource {
  queryUsage: typeof queryUsage;
  uniqueUsers: typeof uniqueUsers;
  /** Identified items and titles (COUNTER Title and Item Reports). */
  queryItems: typeof queryItems;
}

export const aggregateSource: UsageSource = { queryUsage, uniqueUsers, queryItems };
