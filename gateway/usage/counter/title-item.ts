import type { Catalog } from '../../../resource-catalog/catalog';
import { ITEM_GROUPS, namedGroups, type ItemRef, type TitleRef } from '../../../resource-catalog/item-ids';
import type { Resource } from '../../../resource-catalog/schema';
import type { ItemRow, TitleRow } from '../item-query';
import { REPORTS, type MetricType } from './definitions';
import { monthOf, type ReportRequest } from './request';

/**
 * The Report_Items of the COUNTER R5.1 Title Report (TR, TR_J1, TR_B1) and Item Report (IR) from
 * the identified items' aggregates (gateway/usage/item-query.ts). Passway knows an item by the
 * identifiers its URL carries, not its metadata: the identifier stands in for the Title or Item
 * name, the year of publication is unknown (YOP 0001, as the Code of Practice says for unknown),
 * and the content is Controlled, reached through the library's licence.
 */

export interface IdentifiedUsage {
  items: readonly ItemRow[];
  titles: readonly TitleRow[];
}

type Ids = Partial<Record<'DOI' | 'ISBN' | 'Online_ISSN' | 'Print_ISSN' | 'Proprietary' | 'URI', string>>;
type Performance = Partial<Record<MetricType, Record<string, number>>>;
interface AttributePerformance {
  Data_Type?: string;
  YOP?: string;
  Access_Type?: 'Controlled';
  Access_Method?: 'Regular';
  Performance: Performance;
}
export interface TitleReportItem {
  Title: string;
  Publisher: string;
  Platform: string;
  Item_ID: Ids;
  Attribute_Performance: AttributePerformance[];
}
export interface ItemReportItem {
  Item: string;
  Publisher: string;
  Platform: string;
  Item_ID: Ids;
  Attribute_Performance: AttributePerformance[];
}
/** An IR Report_Items entry: the items of one parent (Include_Parent_Details=True), or items listed without it. */
export interface ItemReportGroup {
  Title?: string;
  Data_Type?: 'Journal' | 'Book';
  Item_ID?: Ids;
  Items: ItemReportItem[];
}

/** Months of one item or title: requests, unique items (sessions × item), unique titles (sessions). */
interface Monthly {
  requests: Map<string, number>;
  uniqueItems: Map<string, number>;
  uniqueTitles: Map<string, number>;
}
const monthly = (): Monthly => ({ requests: new Map(), uniqueItems: new Map(), uniqueTitles: new Map() });
const add = (m: Map<string, number>, month: string, n: number) => m.set(month, (m.get(month) ?? 0) + n);

const titleIds = (namespace: string, resource: string, t: TitleRef): Ids => ({
  ...(t.isbn ? { ISBN: t.isbn } : {}),
  ...(t.onlineIssn ? { Online_ISSN: t.onlineIssn } : {}),
  ...(t.printIssn ? { Print_ISSN: t.printIssn } : {}),
  ...(t.id ? { Proprietary: `${namespace}:${resource}/${t.id}` } : {}),
});
const titleName = (t: TitleRef) => t.id ?? t.onlineIssn ?? t.printIssn ?? t.isbn ?? '';
const itemIds = (namespace: string, resource: string, i: ItemRef): Ids => ({
  ...(i.doi ? { DOI: i.doi } : {}),
  ...(i.id ? { Proprietary: `${namespace}:${resource}/${i.id}` } : {}),
});
/** The Data_Type of an item: its parent's content type, or a full-text item of the database when no title is known (as in the DR). */
const itemDataType = (i: ItemRef) => (i.title?.type === 'journal' ? 'Article' : i.title?.type === 'book' ? 'Book_Segment' : 'Database_Full_Item');
const titleDataType = (t: TitleRef) => (t.type === 'journal' ? 'Journal' : 'Book');

/** Which metric comes from which monthly figure (every Request is also an Investigation, 3.3.4). */
const SOURCES: Partial<Record<MetricType, keyof Monthly>> = {
  Total_Item_Investigations: 'requests',
  Total_Item_Requests: 'requests',
  Unique_Item_Investigations: 'uniqueItems',
  Unique_Item_Requests: 'uniqueItems',
  Unique_Title_Investigations: 'uniqueTitles',
  Unique_Title_Requests: 'uniqueTitles',
};
/** Unique_Title metrics apply to books only (7.4). */
const BOOK_ONLY: MetricType[] = ['Unique_Title_Investigations', 'Unique_Title_Requests'];

/** The one Attribute_Performance of an item or title, or none when the request's filters leave nothing. */
function attributePerformance(request: ReportRequest, dataType: string, figures: Monthly, book: boolean): AttributePerformance[] {
  const definition = REPORTS[request.id];
  if (request.dataTypes && !request.dataTypes.includes(dataType)) return [];
  if (request.accessMethods && !request.accessMethods.includes('Regular')) return [];
  if (request.accessTypes && !request.accessTypes.includes('Controlled')) return [];
  const wanted = request.metricTypes ?? definition.metrics;
  const performance: Performance = {};
  for (const metric of [...wanted].sort()) {
    const source = SOURCES[metric];
    if (!source || (!book && BOOK_ONLY.includes(metric))) continue;
    const counts: Record<string, number> = {};
    for (const month of request.months) {
      const n = figures[source].get(month) ?? 0;
      if (n > 0) counts[month] = n;
    }
    if (Object.keys(counts).length) performance[metric] = counts;
  }
  if (Object.keys(performance).length === 0) return [];
  if (request.id === 'TR_J1') return [{ Performance: performance }];
  if (request.id === 'TR_B1') return [{ Data_Type: dataType, YOP: '0001', Performance: performance }];
  return [{
    Data_Type: dataType,
    ...(request.showYop ? { YOP: '0001' } : {}),
    ...(request.showAccessType ? { Access_Type: 'Controlled' as const } : {}),
    ...(request.showAccessMethod ? { Access_Method: 'Regular' as const } : {}),
    Performance: performance,
  }];
}

const byName = <T extends { Title?: string; Item?: string; Item_ID?: Ids }>(a: T, b: T) =>
  (a.Title ?? a.Item ?? '').localeCompare(b.Title ?? b.Item ?? '') || JSON.stringify(a.Item_ID).localeCompare(JSON.stringify(b.Item_ID));

/** The resources a report covers (the Platform filter), by id. */
const covered = (request: ReportRequest, catalog: Catalog) => new Map(catalog.resources.filter((r) => !request.platform || r.vendor === request.platform).map((r) => [r.id, r]));

/** TR, TR_J1, TR_B1: one Report_Item per title. */
export function titleReportItems(request: ReportRequest, namespace: string, usage: IdentifiedUsage, catalog: Catalog): TitleReportItem[] {
  const resources = covered(request, catalog);
  const titles = new Map<string, { resource: Resource; ref: TitleRef; figures: Monthly }>();
  const entry = (resource: Resource, ref: TitleRef) => {
    const key = `${resource.id}\0${JSON.stringify(ref)}`;
    let t = titles.get(key);
    if (!t) titles.set(key, (t = { resource, ref, figures: monthly() }));
    return t.figures;
  };
  for (const row of usage.items) {
    const resource = resources.get(row.resource);
    if (!resource || !row.ref.title) continue;
    const figures = entry(resource, row.ref.title);
    add(figures.requests, monthOf(row.day), row.requests);
    add(figures.uniqueItems, monthOf(row.day), row.sessions);
  }
  for (const row of usage.titles) {
    const resource = resources.get(row.resource);
    if (resource) add(entry(resource, row.ref).uniqueTitles, monthOf(row.day), row.sessions);
  }
  const out: TitleReportItem[] = [];
  for (const { resource, ref, figures } of titles.values()) {
    const performance = attributePerformance(request, titleDataType(ref), figures, ref.type === 'book');
    if (performance.length === 0) continue;
    out.push({ Title: titleName(ref), Publisher: resource.vendor, Platform: resource.vendor, Item_ID: titleIds(namespace, resource.id, ref), Attribute_Performance: performance });
  }
  return out.sort(byName);
}

/** IR: the items, in one group, or grouped by their title with Include_Parent_Details=True. */
export function itemReportItems(request: ReportRequest, namespace: string, usage: IdentifiedUsage, catalog: Catalog): ItemReportGroup[] {
  const resources = covered(request, catalog);
  const items = new Map<string, { resource: Resource; ref: ItemRef; figures: Monthly }>();
  for (const row of usage.items) {
    const resource = resources.get(row.resource);
    if (!resource) continue;
    const key = `${resource.id}\0${JSON.stringify(row.ref)}`;
    let i = items.get(key);
    if (!i) items.set(key, (i = { resource, ref: row.ref, figures: monthly() }));
    add(i.figures.requests, monthOf(row.day), row.requests);
    add(i.figures.uniqueItems, monthOf(row.day), row.sessions);
  }
  const groups = new Map<string, ItemReportGroup>();
  for (const { resource, ref, figures } of items.values()) {
    const performance = attributePerformance(request, itemDataType(ref), figures, false);
    if (performance.length === 0) continue;
    const item: ItemReportItem = { Item: ref.doi ?? ref.id ?? '', Publisher: resource.vendor, Platform: resource.vendor, Item_ID: itemIds(namespace, resource.id, ref), Attribute_Performance: performance };
    const parent = request.includeParentDetails ? ref.title : undefined;
    const key = parent ? `${resource.id}\0${JSON.stringify(parent)}` : '';
    let group = groups.get(key);
    if (!group) {
      group = parent ? { Title: titleName(parent), Data_Type: titleDataType(parent), Item_ID: titleIds(namespace, resource.id, parent), Items: [] } : { Items: [] };
      groups.set(key, group);
    }
    group.Items.push(item);
  }
  for (const group of groups.values()) group.Items.sort(byName);
  // Items without a parent last.
  return [...groups.values()].sort((a, b) => (a.Title === undefined ? 1 : b.Title === undefined ? -1 : byName(a, b)));
}

/** The catalog entries whose item patterns identify items, and those whose usage has no per-item figures. */
export function itemisedResources(catalog: Catalog): { itemised: string[]; not: string[] } {
  const itemised: string[] = [];
  const not: string[] = [];
  const identifies = (source: string) => namedGroups(source).some((g) => (ITEM_GROUPS as readonly string[]).includes(g));
  for (const r of catalog.resources) (r.patterns?.item?.some(identifies) ? itemised : not).push(r.id);
  return { itemised, not };
}

/**
 * The Title Report's Standard Views that can hold usage: TR_J1 when an item pattern captures a
 * journal, TR_B1 when one captures a book (the Code of Practice leaves out views that would
 * always be empty). Their paths answer either way, with Exception 3030 when empty.
 */
export function titleViewsOffered(catalog: Catalog): { TR_J1: boolean; TR_B1: boolean } {
  const groups = catalog.resources.flatMap((r) => r.patterns?.item ?? []).flatMap(namedGroups);
  return {
    TR_J1: groups.some((g) => g === 'online_issn' || g === 'print_issn' || g === 'journal'),
    TR_B1: groups.some((g) => g === 'isbn' || g === 'book'),
  };
}
