import { counterException, fail, REPORTS, type CounterException, type MetricType, type ReportId } from './definitions';

/** Months as YYYY-MM. */
export const monthOf = (day: string) => day.slice(0, 7);
export function addMonths(month: string, delta: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + delta, 1));
  return d.toISOString().slice(0, 7);
}
export function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let m = from; m <= to && out.length < 1200; m = addMonths(m, 1)) out.push(m);
  return out;
}
export const firstDay = (month: string) => `${month}-01`;
export const lastDay = (month: string) => new Date(Date.parse(`${addMonths(month, 1)}-01T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

/** What to report, after the request's parameters were checked (Code of Practice 3.3.8 filters and attributes). */
export interface ReportRequest {
  id: ReportId;
  /** The reporting period as asked (header Begin_Date / End_Date), months YYYY-MM. */
  begin: string;
  end: string;
  /** The months that are reported (empty when none is ready or still available). */
  months: string[];
  /** Report_Filters beyond the dates, as chosen (COUNTER Reports) or pre-set (Standard Views). */
  metricTypes?: MetricType[];
  dataTypes?: string[];
  accessMethods?: string[];
  /** Title and Item Reports: Access_Type filter (Passway's usage is all Controlled). */
  accessTypes?: string[];
  database?: string;
  platform?: string;
  /** Attributes_To_Show=Access_Method. */
  showAccessMethod: boolean;
  /** Title and Item Reports: Attributes_To_Show=Access_Type and =YOP. */
  showAccessType?: boolean;
  showYop?: boolean;
  /** Item Report: Include_Parent_Details=True. */
  includeParentDetails?: boolean;
  /** Tabular only: no month columns. */
  excludeMonthlyDetails: boolean;
  /** Exceptions found while reading the request (3031, 3032, 3050, 3060, 3062). */
  exceptions: CounterException[];
}

export interface RequestContext {
  /** Today as a reporting day, YYYY-MM-DD. */
  today: string;
  /** First month with usage (YYYY-MM). */
  firstMonth: string;
  /**
   * api: the COUNTER API (a begin_date in the current month is Exception 3020). site: the
   * librarians' reporting pages, where the current month is a report with Exception 3031.
   */
  mode: 'api' | 'site';
}

/** Parameters every path takes (the API's auth parameters are read by the route). */
const COMMON = ['customer_id', 'requestor_id', 'api_key', 'platform', 'begin_date', 'end_date'];
const MASTER = ['metric_type', 'data_type', 'access_method', 'attributes_to_show', 'granularity', 'exclude_monthly_details'];
/** Title and Item Reports also take these (8.3); Passway knows no YOP or author of an item, so those filters are Exception 3060. */
const TITLE_ITEM = ['access_type', 'yop', 'item_id'];
const ITEM_ONLY = ['author', 'include_parent_details', 'include_component_details'];
const ACCESS_TYPES = ['Controlled', 'Open', 'Free_To_Read'];
/** Common extensions (Code of Practice 11.5) Passway cannot filter by: Exception 3060. */
const EXTENSION_FILTERS = ['attributed', 'country_code', 'subdivision_code'];

const text = (value: unknown): string | undefined => {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && first.trim() !== '' ? first.trim() : undefined;
};

const DATE = /^(\d{4})-(0[1-9]|1[0-2])(?:-(\d{2}))?$/;
function month(value: string, name: string): string {
  const m = DATE.exec(value);
  if (!m || (m[3] !== undefined && (Number(m[3]) < 1 || `${m[1]}-${m[2]}-${m[3]}` > lastDay(`${m[1]}-${m[2]}`)))) {
    fail(3020, `${name}=${value} is not a date (yyyy-mm-dd or yyyy-mm)`);
  }
  return `${m![1]}-${m![2]}`;
}

/** A report request from API parameters: the report's data or one CounterError (1030, 3020). */
export function parseReportRequest(id: ReportId, query: Record<string, unknown>, context: RequestContext): ReportRequest {
  const definition = REPORTS[id];
  const exceptions: CounterException[] = [];
  const beginText = text(query.begin_date);
  const endText = text(query.end_date);
  if (!beginText || !endText) fail(1030, 'begin_date and end_date are required');
  const begin = month(beginText!, 'begin_date');
  const end = month(endText!, 'end_date');
  if (begin > end) fail(3020, `end_date ${endText} is before begin_date ${beginText}`);
  const current = monthOf(context.today);
  if (begin > current || (begin === current && context.mode === 'api')) {
    fail(3020, `begin_date ${beginText} is in the current or a future month. Usage of a month is ready once the month is over`);
  }

  let first = begin;
  let last = end;
  if (last >= current) {
    last = addMonths(current, -1);
    exceptions.push(counterException(3031, `usage of ${current} and later is not ready until the month is over. Reported up to ${lastDay(last)}`));
  }
  if (first < context.firstMonth) {
    first = context.firstMonth;
    exceptions.push(counterException(3032, `usage is available from ${firstDay(context.firstMonth)}`));
  }

  const titleOrItem = definition.level === 'title' || definition.level === 'item';
  const known = new Set([
    ...COMMON,
    ...(definition.master ? MASTER : []),
    ...(id === 'DR' ? ['database'] : []),
    ...(definition.master && titleOrItem ? TITLE_ITEM : []),
    ...(id === 'IR' ? ITEM_ONLY : []),
  ]);
  const unknown = Object.keys(query).filter((name) => !known.has(name) && !(definition.master && EXTENSION_FILTERS.includes(name)));
  if (unknown.length) exceptions.push(counterException(3050, unknown.join(', ')));

  const months = monthsBetween(first, last);
  const request: ReportRequest = {
    id,
    // The header's period is the one reported; the one asked when no month of it is.
    begin: months.length ? first : begin,
    end: months.length ? last : end,
    months,
    showAccessMethod: false,
    excludeMonthlyDetails: false,
    exceptions,
  };
  const platform = text(query.platform);
  if (platform) request.platform = platform;

  if (!definition.master) {
    request.metricTypes = [...definition.metrics];
    if (titleOrItem) {
      request.dataTypes = [...definition.dataTypes];
      request.accessTypes = ['Controlled'];
    }
    request.accessMethods = ['Regular'];
    return request;
  }
  const invalidFilters: string[] = EXTENSION_FILTERS.filter((name) => text(query[name])).map((name) => `${name}=${text(query[name])}`);
  const list = (name: string, allowed: readonly string[]): string[] | undefined => {
    const value = text(query[name]);
    if (!value) return undefined;
    const values = [...new Set(value.split('|').map((v) => v.trim()).filter(Boolean))];
    const bad = values.filter((v) => !allowed.includes(v));
    if (bad.length) invalidFilters.push(`${name}=${bad.join('|')}`);
    const good = values.filter((v) => allowed.includes(v));
    return good.length ? good : undefined;
  };
  request.metricTypes = list('metric_type', definition.metrics) as MetricType[] | undefined;
  request.dataTypes = list('data_type', definition.dataTypes);
  request.accessMethods = list('access_method', ['Regular', 'TDM']);
  if (titleOrItem) {
    request.accessTypes = list('access_type', ACCESS_TYPES);
    for (const name of ['yop', 'item_id', 'author']) if (text(query[name])) invalidFilters.push(`${name}=${text(query[name])}`);
  }
  if (id === 'DR') {
    const database = text(query.database);
    if (database && database.length >= 2) request.database = database;
    else if (database) invalidFilters.push(`database=${database}`);
  }
  if (invalidFilters.length) exceptions.push(counterException(3060, `not applied: ${invalidFilters.join(', ')}`));

  const invalidAttributes: string[] = [];
  for (const attribute of (text(query.attributes_to_show) ?? '').split('|').map((a) => a.trim()).filter(Boolean)) {
    if (attribute === 'Access_Method') request.showAccessMethod = true;
    else if (titleOrItem && attribute === 'Access_Type') request.showAccessType = true;
    else if (titleOrItem && attribute === 'YOP') request.showYop = true;
    else invalidAttributes.push(`attributes_to_show=${attribute}`);
  }
  if (id === 'IR') {
    const parent = text(query.include_parent_details);
    if (parent && /^true$/i.test(parent)) request.includeParentDetails = true;
    else if (parent && !/^false$/i.test(parent)) invalidAttributes.push(`include_parent_details=${parent}`);
    const component = text(query.include_component_details);
    if (component && !/^false$/i.test(component)) invalidAttributes.push(`include_component_details=${component}`);
  }
  const granularity = text(query.granularity);
  if (granularity && granularity !== 'Month') invalidAttributes.push(`granularity=${granularity}`);
  const exclude = text(query.exclude_monthly_details);
  if (exclude && /^true$/i.test(exclude)) request.excludeMonthlyDetails = true;
  else if (exclude && !/^false$/i.test(exclude)) invalidAttributes.push(`exclude_monthly_details=${exclude}`);
  if (invalidAttributes.length) exceptions.push(counterException(3062, `not applied: ${invalidAttributes.join(', ')}`));
  return request;
}
