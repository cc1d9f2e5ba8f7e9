import type { Catalog } from '../../../resource-catalog/catalog';
import type { Resource } from '../../../resource-catalog/schema';
import type { UsageRow } from '../query';
import { counterException, RELEASE, REPORTS, type CounterException, type MetricType, type ReportId } from './definitions';
import { firstDay, lastDay, monthOf, type ReportRequest } from './request';
import { itemisedResources, itemReportItems, titleReportItems, type IdentifiedUsage, type ItemReportGroup, type TitleReportItem } from './title-item';

/**
 * COUNTER R5.1 reports (JSON, as the COUNTER API serves them) from the usage aggregates. Only
 * what the gateway sees is counted: requests through the rewriting proxy whose upstream URL
 * matches the catalog's `patterns`, and launch denials. How each Metric_Type is derived is said
 * in every report (Exception 0).
 */

/** One database's usage in one month. */
export interface Counts {
  searches: number;
  items: number;
  uniqueItems: number;
  /** Denied: the institution (or the user's affiliation) has no licence, or it is not (or no longer) in force. */
  noLicense: number;
  /** Denied: every licensed simultaneous-user seat was taken. */
  limitExceeded: number;
}

const ZERO: Counts = { searches: 0, items: 0, uniqueItems: 0, noLicense: 0, limitExceeded: 0 };
const NO_LICENSE_REASONS = ['not-subscribed', 'affiliation-not-licensed', 'not-yet-available', 'licence-ended', 'not-licensed'];

/** Usage per database and month (YYYY-MM) from aggregate rows. */
export function monthlyCounts(rows: readonly UsageRow[]): Map<string, Map<string, Counts>> {
  const out = new Map<string, Map<string, Counts>>();
  for (const row of rows) {
    if (!row.resource) continue;
    const noLicense = NO_LICENSE_REASONS.reduce((sum, reason) => sum + (row.denials[reason] ?? 0), 0);
    const limitExceeded = row.denials['seats-full'] ?? 0;
    if (row.searches + row.itemRequests + row.uniqueItemRequests + noLicense + limitExceeded === 0) continue;
    const months = out.get(row.resource) ?? new Map<string, Counts>();
    const c = months.get(monthOf(row.day)) ?? { ...ZERO };
    months.set(monthOf(row.day), {
      searches: c.searches + row.searches,
      items: c.items + row.itemRequests,
      uniqueItems: c.uniqueItems + row.uniqueItemRequests,
      noLicense: c.noLicense + noLicense,
      limitExceeded: c.limitExceeded + limitExceeded,
    });
    out.set(row.resource, months);
  }
  return out;
}

/**
 * Where each metric comes from, by Data_Type. The catalog does not say what a database holds, so
 * searches and denials are those of a Full_Content_Database (Database_Full) and its items are
 * Database_Full_Item, "where a more specific Data_Type cannot be applied" (Code of Practice 3.3.2).
 * Every Request is also an Investigation (3.3.4), so Investigations are at least the Requests.
 */
type Source = (c: Counts) => number;
const DATABASE_METRICS: Record<string, Partial<Record<MetricType, Source>>> = {
  Database_Full: { Searches_Regular: (c) => c.searches, Limit_Exceeded: (c) => c.limitExceeded, No_License: (c) => c.noLicense },
  Database_Full_Item: {
    Total_Item_Investigations: (c) => c.items,
    Total_Item_Requests: (c) => c.items,
    Unique_Item_Investigations: (c) => c.uniqueItems,
    Unique_Item_Requests: (c) => c.uniqueItems,
  },
};
const PLATFORM_METRICS: Record<string, Partial<Record<MetricType, Source>>> = {
  Platform: { Searches_Platform: (c) => c.searches },
  Database_Full_Item: DATABASE_METRICS.Database_Full_Item!,
};

export type CountsByMonth = Record<string, number>;
export type Performance = Partial<Record<MetricType, CountsByMonth>>;
export interface AttributePerformance {
  Data_Type?: string;
  Access_Method?: 'Regular';
  Performance: Performance;
}
export interface ReportItem {
  Database?: string;
  Publisher?: string;
  Platform: string;
  Item_ID?: { Proprietary: string };
  Attribute_Performance: AttributePerformance[];
}
/** Institution_ID: ISNI, ROR, ISIL, OCLC and Proprietary ({platform ID}:{customer ID}) values. */
export type InstitutionIds = Partial<Record<'ISNI' | 'ROR' | 'ISIL' | 'OCLC', string[]>> & { Proprietary: string[] };

export interface ReportHeader {
  Report_Name: string;
  Report_ID: ReportId;
  Release: typeof RELEASE;
  Institution_Name: string;
  Institution_ID: InstitutionIds;
  Report_Filters: Record<string, string | string[]>;
  Report_Attributes?: Record<string, string[] | string>;
  Exceptions?: CounterException[];
  Created: string;
  Created_By: string;
  Registry_Record: string;
}
export interface CounterReport {
  Report_Header: ReportHeader;
  /** DR and PR items, TR items (one per title), or IR groups of items. */
  Report_Items: ReportItem[] | TitleReportItem[] | ItemReportGroup[];
}

export interface ReportContext {
  /** The customer: a Passway institution, or all of them. */
  customer: { id: string; name: string; ids: InstitutionIds };
  /** Namespace of Passway's proprietary identifiers (the platform ID of the report provider). */
  namespace: string;
  created: Date;
  createdBy: string;
  registryRecord: string;
}

/** The plain-language note of what is derived and how (Exception 0 in every report; no "; ", the tabular separator). */
export function derivationNote(catalog: Catalog, level: 'database' | 'platform' | 'title' | 'item' = 'database'): string {
  const unmeasured = catalog.resources.filter((r) => !r.patterns?.item?.length && !r.patterns?.search?.length).map((r) => r.id);
  if (level === 'title' || level === 'item') {
    const { not } = itemisedResources(catalog);
    return [
      'Derived by Passway, not by the vendor.',
      'Counted: requests through the library proxy whose upstream URL matches an item pattern of the catalog that captures the item\'s DOI or vendor id (and, where the URL has it, the ISSN, ISBN or vendor id of its journal or book).',
      'Total_Item_Requests counts those URLs, Unique_Item_Requests the user sessions per day that requested the item, Unique_Title_Requests (books) the sessions per day that requested any item of the book. Investigations are reported equal to Requests.',
      'The identifier stands in for the Title or Item name, YOP is not known (0001), and the content is reported as Controlled, reached through the library\'s licence.',
      'Not counted: use through WAYFless (SAML) links or on campus, and double-click filtering.',
      not.length ? `No per-item figures (no item pattern capturing an id): ${not.join(', ')}.` : '',
    ].filter(Boolean).join(' ');
  }
  return [
    'Derived by Passway, not by the vendor.',
    'Counted: requests through the library proxy whose upstream URL matches the catalog patterns of the database (patterns.search: a search, patterns.item: a full-text item request), and launches Passway denied.',
    'Searches_Regular counts search URLs (Searches_Platform: their sum over the platform). Total_Item_Requests counts item URLs and Unique_Item_Requests distinct item URLs per user session.',
    'Investigations are reported equal to Requests, since every Request is an Investigation and other views of an item are not told apart.',
    'No_License counts launches denied for want of a licence, Limit_Exceeded launches denied because every simultaneous-user seat was taken.',
    'Not counted: use through WAYFless (SAML) links or on campus, which goes to the vendor directly, and double-click filtering.',
    unmeasured.length ? `Not measured (no URL patterns in the catalog): ${unmeasured.join(', ')}.` : '',
  ].filter(Boolean).join(' ');
}

const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** One item's Attribute_Performance list: per Data_Type, only months, metrics and groups with usage (3.3.9 Zero Usage). */
function attributePerformance(request: ReportRequest, metricsByType: Record<string, Partial<Record<MetricType, Source>>>, months: Map<string, Counts>): AttributePerformance[] {
  const definition = REPORTS[request.id];
  const wanted = new Set<MetricType>(request.metricTypes ?? definition.metrics);
  if (request.accessMethods && !request.accessMethods.includes('Regular')) return []; // all usage Passway sees is Regular (no TDM)
  const out: AttributePerformance[] = [];
  for (const [dataType, metrics] of Object.entries(metricsByType)) {
    if (request.dataTypes && !request.dataTypes.includes(dataType)) continue;
    const performance: Performance = {};
    for (const metric of (Object.keys(metrics) as MetricType[]).sort()) {
      if (!wanted.has(metric)) continue;
      const counts: CountsByMonth = {};
      for (const month of request.months) {
        const n = metrics[metric]!(months.get(month) ?? ZERO);
        if (n > 0) counts[month] = n;
      }
      if (Object.keys(counts).length) performance[metric] = counts;
    }
    if (Object.keys(performance).length === 0) continue;
    if (!definition.master && definition.level === 'database') {
      // DR_D1 / DR_D2: one Performance without Data_Type.
      if (out[0]) Object.assign(out[0].Performance, performance);
      else out.push({ Performance: performance });
      continue;
    }
    out.push({ Data_Type: dataType, ...(request.showAccessMethod ? { Access_Method: 'Regular' as const } : {}), Performance: performance });
  }
  return out.sort((a, b) => (a.Data_Type ?? '').localeCompare(b.Data_Type ?? ''));
}

function sumMonths(resources: Resource[], counts: Map<string, Map<string, Counts>>): Map<string, Counts> {
  const out = new Map<string, Counts>();
  for (const resource of resources) {
    for (const [month, c] of counts.get(resource.id) ?? []) {
      const s = out.get(month) ?? { ...ZERO };
      out.set(month, { searches: s.searches + c.searches, items: s.items + c.items, uniqueItems: s.uniqueItems + c.uniqueItems, noLicense: s.noLicense + c.noLicense, limitExceeded: s.limitExceeded + c.limitExceeded });
    }
  }
  return out;
}

function reportFilters(request: ReportRequest): Record<string, string | string[]> {
  const filters: Record<string, string | string[]> = { Begin_Date: firstDay(request.begin), End_Date: lastDay(request.end) };
  if (request.platform) filters.Platform = request.platform;
  if (request.database) filters.Database = request.database;
  if (request.dataTypes) filters.Data_Type = request.dataTypes;
  if (request.accessTypes) filters.Access_Type = request.accessTypes;
  if (request.accessMethods) filters.Access_Method = request.accessMethods;
  if (request.metricTypes) filters.Metric_Type = request.metricTypes;
  return filters;
}

function reportAttributes(request: ReportRequest): { Report_Attributes?: Record<string, string[] | string> } {
  const show = [request.showYop && 'YOP', request.showAccessType && 'Access_Type', request.showAccessMethod && 'Access_Method'].filter((a): a is string => Boolean(a));
  const attributes: Record<string, string[] | string> = {
    ...(show.length ? { Attributes_To_Show: show } : {}),
    ...(request.includeParentDetails ? { Include_Parent_Details: 'True' } : {}),
  };
  return Object.keys(attributes).length ? { Report_Attributes: attributes } : {};
}

/** DR, DR_D1, DR_D2: one Report_Item per database with usage. */
function databaseItems(request: ReportRequest, context: ReportContext, counts: Map<string, Map<string, Counts>>, resources: readonly Resource[]): ReportItem[] {
  const items: ReportItem[] = [];
  const named = (r: Resource) => [r.title.en, r.title.zh, r.id, `${context.namespace}:${r.id}`].includes(request.database);
  for (const resource of [...resources].sort((a, b) => a.title.en.localeCompare(b.title.en))) {
    if (request.database && !named(resource)) continue;
    const performance = attributePerformance(request, DATABASE_METRICS, counts.get(resource.id) ?? new Map());
    if (performance.length === 0) continue;
    items.push({
      Database: resource.title.en,
      Publisher: resource.vendor,
      Platform: resource.vendor,
      Item_ID: { Proprietary: `${context.namespace}:${resource.id}` },
      Attribute_Performance: performance,
    });
  }
  return items;
}

/** PR, PR_P1: one Report_Item per platform with usage. */
function platformItems(request: ReportRequest, counts: Map<string, Map<string, Counts>>, resources: readonly Resource[]): ReportItem[] {
  const items: ReportItem[] = [];
  for (const platform of [...new Set(resources.map((r) => r.vendor))].sort((a, b) => a.localeCompare(b))) {
    const performance = attributePerformance(request, PLATFORM_METRICS, sumMonths(resources.filter((r) => r.vendor === platform), counts));
    if (performance.length) items.push({ Platform: platform, Attribute_Performance: performance });
  }
  return items;
}

/** The report as COUNTER API R5.1 JSON (`identified`: the items' usage, for the Title and Item Reports). */
export function counterReport(
  request: ReportRequest,
  context: ReportContext,
  counts: Map<string, Map<string, Counts>>,
  catalog: Catalog,
  identified: IdentifiedUsage = { items: [], titles: [] },
): CounterReport {
  const definition = REPORTS[request.id];
  const resources = catalog.resources.filter((r) => !request.platform || r.vendor === request.platform);
  const items: CounterReport['Report_Items'] =
    definition.level === 'title' ? titleReportItems(request, context.namespace, identified, catalog)
    : definition.level === 'item' ? itemReportItems(request, context.namespace, identified, catalog)
    : definition.level === 'database' ? databaseItems(request, context, counts, resources)
    : platformItems(request, counts, resources);

  const exceptions = [...request.exceptions];
  // Months not ready or no longer available are said by 3031 / 3032 alone (Appendix D).
  if (items.length === 0 && request.months.length > 0) exceptions.push(counterException(3030, `no usage counted from ${firstDay(request.begin)} to ${lastDay(request.end)}`));
  exceptions.sort((a, b) => a.Code - b.Code);
  exceptions.push(counterException(0, derivationNote(catalog, definition.level)));

  const header: ReportHeader = {
    Report_Name: definition.name,
    Report_ID: definition.id,
    Release: RELEASE,
    Institution_Name: context.customer.name,
    Institution_ID: context.customer.ids,
    Report_Filters: reportFilters(request),
    ...reportAttributes(request),
    Exceptions: exceptions,
    Created: rfc3339(context.created),
    Created_By: context.createdBy,
    Registry_Record: context.registryRecord,
  };
  return { Report_Header: header, Report_Items: items };
}
