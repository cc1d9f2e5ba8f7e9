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

/** The usage CSV: one line per aggregate row, a column per denial reason seen. */
export function usageCsv(rows: readonly UsageRow[], names: { resource: (id: string) => string; institution: (id: string) => string }): string {
  const reasons = [...new Set(rows.flatMap((r) => Object.keys(r.denials)))].sort();
  const header = ['day', 'resource', 'resource_name', 'institution', 'institution_name', 'affiliation', 'method', 'on_campus', 'logins', 'launches', 'denials', ...reasons.map((r) => `denied_${r}`), 'bytes'];
  const sorted = [...rows].sort((a, b) => a.day.localeCompare(b.day) || a.resource.localeCompare(b.resource) || a.institution.localeCompare(b.institution));
  return csv([
    header,
    ...sorted.map((r) => [
      r.day, r.resource, r.resource ? names.resource(r.resource) : '', r.institution, r.institution ? names.institution(r.institution) : '', r.affiliation, r.method, r.onCampus,
      r.logins, r.launches, Object.values(r.denials).reduce((a, b) => a + b, 0), ...reasons.map((reason) => r.denials[reason] ?? 0), r.bytes,
    ]),
  ]);
}
