import { pick, type Lang } from '../../i18n';
import { reasonCodeLabel } from '../../pages/labels';
import type { UsageRow } from './source';

/** The CSV's first row: each column's name for a librarian, in the page's language (the second row has the codes). */
const COLUMN_TITLES = {
  day: { en: 'Day', zh: '日期' },
  resource: { en: 'Database id', zh: '数据库代码' },
  resource_name: { en: 'Database', zh: '数据库' },
  institution: { en: 'Institution id', zh: '机构代码' },
  institution_name: { en: 'Institution', zh: '机构' },
  affiliation: { en: 'Affiliation', zh: '身份' },
  method: { en: 'Sign-in or access method', zh: '登录或访问方式' },
  on_campus: { en: 'On campus', zh: '校内' },
  logins: { en: 'Sign-ins', zh: '登录次数' },
  login_failures: { en: 'Failed sign-ins', zh: '登录失败' },
  launches: { en: 'Launches', zh: '访问次数' },
  denials: { en: 'Denials', zh: '拒绝次数' },
  requests: { en: 'Proxied requests', zh: '代理请求' },
  bytes: { en: 'Bytes transferred', zh: '传输字节数' },
  item_requests: { en: 'Item requests', zh: '条目请求' },
  unique_item_requests: { en: 'Unique item requests', zh: '唯一条目请求' },
  searches: { en: 'Searches', zh: '检索次数' },
  seat_refusals: { en: 'Refused: seats full', zh: '并发名额已满被拒' },
  suspensions: { en: 'Suspensions', zh: '暂停访问次数' },
  overload_shed: { en: 'Refused: gateway overloaded', zh: '网关过载被拒' },
} as const;
type Column = keyof typeof COLUMN_TITLES;

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
 * The usage CSV: a row of column names in the reader's language, a row of the columns' stable codes
 * (what scripts read), then one line per aggregate row with every counted figure; a column per
 * login-failure and denial reason seen in the rows.
 */
export function usageCsv(rows: readonly UsageRow[], names: { resource: (id: string) => string; institution: (id: string) => string }, lang: Lang = 'en'): string {
  const reasonsOf = (pickReasons: (r: UsageRow) => Record<string, number>) => [...new Set(rows.flatMap((r) => Object.keys(pickReasons(r))))].sort();
  const failures = reasonsOf((r) => r.loginFailures);
  const denials = reasonsOf((r) => r.denials);
  const title = (column: Column) => pick(COLUMN_TITLES[column], lang);
  const columns: [code: string, title: string][] = [
    ...(['day', 'resource', 'resource_name', 'institution', 'institution_name', 'affiliation', 'method', 'on_campus', 'logins', 'login_failures'] as const).map((c): [string, string] => [c, title(c)]),
    ...failures.map((r): [string, string] => [`login_failed_${r}`, `${title('login_failures')}: ${r}`]),
    ...(['launches', 'denials'] as const).map((c): [string, string] => [c, title(c)]),
    ...denials.map((r): [string, string] => [`denied_${r}`, `${title('denials')}: ${reasonCodeLabel(r, lang)}`]),
    ...(['requests', 'bytes', 'item_requests', 'unique_item_requests', 'searches', 'seat_refusals', 'suspensions', 'overload_shed'] as const).map((c): [string, string] => [c, title(c)]),
  ];
  const sorted = [...rows].sort((a, b) => a.day.localeCompare(b.day) || a.resource.localeCompare(b.resource) || a.institution.localeCompare(b.institution));
  return csv([
    columns.map(([, name]) => name),
    columns.map(([code]) => code),
    ...sorted.map((r) => [
      r.day, r.resource, r.resource ? names.resource(r.resource) : '', r.institution, r.institution ? names.institution(r.institution) : '', r.affiliation, r.method, r.onCampus,
      r.logins, count(r.loginFailures), ...failures.map((reason) => r.loginFailures[reason] ?? 0),
      r.launches, count(r.denials), ...denials.map((reason) => r.denials[reason] ?? 0),
      r.requests, r.bytes, r.itemRequests, r.uniqueItemRequests, r.searches, r.seatFull, r.suspensions, r.overloadShed,
    ]),
  ]);
}
