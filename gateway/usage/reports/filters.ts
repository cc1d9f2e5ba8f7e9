import { addDays, daysBetween } from '../day';
import type { UsageFilter } from './source';


const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
/** Longest range one report covers. */
export const MAX_DAYS = 366;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
const validDay = (value: string | undefined) => (value && DAY.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) ? value : undefined);

/**
 * Report filters from a query string: from/to (YYYY-MM-DD; default the last 30 days up to
 * `today`), institution, affiliation, resource, method. A reversed range is swapped, a range
 * longer than MAX_DAYS is cut to its last MAX_DAYS days.
 */
export function parseFilter(query: Record<string, unknown>, today: string): UsageFilter {
  let to = validDay(text(query.to)) ?? today;
  let from = validDay(text(query.from)) ?? addDays(to, -29);
  if (from > to) [from, to] = [to, from];
  if (daysBetween(from, to).length > MAX_DAYS) from = addDays(to, -(MAX_DAYS - 1));
  const filter: UsageFilter = { from, to };
  for (const key of ['institution', 'affiliation', 'resource', 'method'] as const) {
    const value = text(query[key]);
    if (value) filter[key] = value;
  }
  return filter;
}

/** The same filters as a query string (for the CSV link and COUNTER links). */
export function filterQuery(filter: UsageFilter): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value) params.set(key, value);
  return params.toString();
}

/** A YYYY-MM month's first and last day, or undefined when it is not one. */
export function monthRange(month: unknown): { from: string; to: string; month: string } | undefined {
  const m = typeof month === 'string' ? MONTH.exec(month) : null;
  if (!m) return undefined;
  const from = `${m[1]}-${m[2]}-01`;
  const next = new Date(Date.UTC(Number(m[1]), Number(m[2]), 1));
  return { from, to: addDays(next.toISOString().slice(0, 10), -1), month: `${m[1]}-${m[2]}` };
}
