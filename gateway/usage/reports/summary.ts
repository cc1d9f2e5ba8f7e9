import { daysBetween } from '../day';
import type { UsageFilter, UsageRow } from './source';

export interface ResourceTotals {
  resource: string;
  logins: number;
  launches: number;
  denials: number;
  bytes: number;
  onCampus: number;
  offCampus: number;
}

export interface UsageSummary {
  filter: UsageFilter;
  days: string[];
  totals: { logins: number; launches: number; denials: number; bytes: number; uniqueUsers: number; onCampus: number; offCampus: number };
  /** Per resource, most launched first. */
  resources: ResourceTotals[];
  /** Launches per resource per day (same order as `days`). */
  launchesByDay: Map<string, number[]>;
  /** Sign-ins per day (same order as `days`). */
  loginsByDay: number[];
  /** Denials by reason, most frequent first. */
  denialsByReason: { reason: string; count: number }[];
}

const sum = (values: Iterable<number>) => [...values].reduce((a, b) => a + b, 0);

/** Everything the report page, the CSV and the API show, from aggregate rows. Pure. */
export function summarise(filter: UsageFilter, rows: readonly UsageRow[], uniqueUsers: number): UsageSummary {
  const days = daysBetween(filter.from, filter.to);
  const dayIndex = new Map(days.map((d, i) => [d, i]));
  const resources = new Map<string, ResourceTotals>();
  const launchesByDay = new Map<string, number[]>();
  const loginsByDay = days.map(() => 0);
  const reasons = new Map<string, number>();
  for (const row of rows) {
    const i = dayIndex.get(row.day);
    if (i === undefined) continue;
    const denials = sum(Object.values(row.denials));
    loginsByDay[i]! += row.logins;
    for (const [reason, count] of Object.entries(row.denials)) reasons.set(reason, (reasons.get(reason) ?? 0) + count);
    if (!row.resource) continue; // sign-ins belong to no resource
    const totals = resources.get(row.resource) ?? { resource: row.resource, logins: 0, launches: 0, denials: 0, bytes: 0, onCampus: 0, offCampus: 0 };
    totals.logins += row.logins;
    totals.launches += row.launches;
    totals.denials += denials;
    totals.bytes += row.bytes;
    if (row.onCampus) totals.onCampus += row.launches;
    else totals.offCampus += row.launches;
    resources.set(row.resource, totals);
    const perDay = launchesByDay.get(row.resource) ?? days.map(() => 0);
    perDay[i]! += row.launches;
    launchesByDay.set(row.resource, perDay);
  }
  const sorted = [...resources.values()].sort((a, b) => b.launches - a.launches || a.resource.localeCompare(b.resource));
  const inRange = rows.filter((r) => dayIndex.has(r.day));
  return {
    filter,
    days,
    totals: {
      logins: sum(inRange.map((r) => r.logins)),
      launches: sum(inRange.map((r) => r.launches)),
      denials: sum(inRange.map((r) => sum(Object.values(r.denials)))),
      bytes: sum(inRange.map((r) => r.bytes)),
      uniqueUsers,
      onCampus: sum(sorted.map((r) => r.onCampus)),
      offCampus: sum(sorted.map((r) => r.offCampus)),
    },
    resources: sorted,
    launchesByDay,
    loginsByDay,
    denialsByReason: [...reasons].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
  };
}
