import type { UsageRow } from './source';

/** UTF-8 byte order mark: Excel then reads Chinese names correctly. */
export const BOM = '\uFEFF';

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF, or starts or ends
 * with a space; a text that a spreadsheet would take for a formula gets a leading apostrophe.
 */
export function csvField(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]|^\s|\s$/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csv(rows: readonly (readonly (string | number | boolean)[])[]): string {
  return BOM + rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

const count = (byReason: Record<string, number>) => Object.values(byReason).reduce((a, b) => a + b, 0);

/**
 * The usage CSV: one line per aggregate row with every counted figure; a column per login-failure and
 * denial reason seen in the rows.
 */
export function usageCsv(rows: readonly UsageRow[], names: { resource: (id: string) => string; institution: (id: string) => string }): string {
  const reasonsOf = (pick: (r: UsageRow) => Record<string, number>) => [...new Set(rows.flatMap((r) => Object.keys(pick(r))))].sort();
  const failures = reasonsOf((r) => r.loginFailures);
  const denials = reasonsOf((r) => r.denials);
  const header = [
    'day', 'resource', 'resource_name', 'institution', 'institution_name', 'affiliation', 'method', 'on_campus',
    'logins', 'login_failures', ...failures.map((r) => `login_failed_${r}`),
    'launches', 'denials', ...denials.map((r) => `denied_${r}`),
    'requests', 'bytes', 'item_requests', 'unique_item_requests', 'searches', 'seat_refusals', 'suspensions', 'overload_shed',
  ];
  const sorted = [...rows].sort((a, b) => a.day.localeCompare(b.day) || a.resource.localeCompare(b.resource) || a.institution.localeCompare(b.institution));
  return csv([
    header,
    ...sorted.map((r) => [
      r.day, r.resource, r.resource ? names.resource(r.resource) : '', r.institution, r.institution ? names.institution(r.institution) : '', r.affiliation, r.method, r.onCampus,
      r.logins, count(r.loginFailures), ...failures.map((reason) => r.loginFailures[reason] ?? 0),
      r.launches, count(r.denials), ...denials.map((reason) => r.denials[reason] ?? 0),
      r.requests, r.bytes, r.itemRequests, r.uniqueItemRequests, r.searches, r.seatFull, r.suspensions, r.overloadShed,
    ]),
  ]);
}
