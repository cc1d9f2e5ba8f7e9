import type { Catalog } from '../../../resource-catalog/catalog';
import type { UsageRow } from './source';

/**
 * COUNTER Release 5 style Database (DR) and Platform (PR) reports for one month, derived from the
 * proxy's per-session summaries (summed in the usage aggregates). Only what the gateway can see is counted: proxied requests whose
 * upstream URL matched the catalog's `patterns`. The derivation is stated in every report.
 */
export type CounterKind = 'DR' | 'PR';

export interface Counts {
  searches: number;
  items: number;
  uniqueItems: number;
}

export interface CounterOptions {
  kind: CounterKind;
  month: { from: string; to: string; month: string };
  institutionName: string;
  institutionId?: string;
  created: Date;
  createdBy: string;
}

interface Instance {
  Metric_Type: string;
  Count: number;
}
interface Performance {
  Period: { Begin_Date: string; End_Date: string };
  Instance: Instance[];
}
export interface CounterReport {
  Report_Header: {
    Report_Name: string;
    Report_ID: CounterKind;
    Release: '5';
    Institution_Name: string;
    Institution_ID: { Type: string; Value: string }[];
    Report_Filters: { Name: string; Value: string }[];
    Report_Attributes: { Name: string; Value: string }[];
    Exceptions: { Code: number; Severity: string; Message: string; Data: string }[];
    Created: string;
    Created_By: string;
  };
  Report_Items: (Record<string, unknown> & { Performance: Performance[] })[];
}

const METRICS: Record<CounterKind, { name: string; search: string }> = {
  DR: { name: 'Database Master Report', search: 'Searches_Regular' },
  PR: { name: 'Platform Master Report', search: 'Searches_Platform' },
};

/** COUNTER counts per resource from aggregate rows (their searches / itemRequests / uniqueItemRequests come from proxy summaries). */
export function countsByResource(rows: readonly UsageRow[]): Map<string, Counts> {
  const totals = new Map<string, Counts>();
  for (const row of rows) {
    if (!row.resource || (row.searches === 0 && row.itemRequests === 0 && row.uniqueItemRequests === 0)) continue;
    const counts = totals.get(row.resource) ?? { searches: 0, items: 0, uniqueItems: 0 };
    counts.searches += row.searches;
    counts.items += row.itemRequests;
    counts.uniqueItems += row.uniqueItemRequests;
    totals.set(row.resource, counts);
  }
  return totals;
}

/** The plain-language note of what is derived and how (in every report, as Exception 0 "Info"). */
export function derivationNote(catalog: Catalog): string {
  const unmeasured = catalog.resources.filter((r) => !r.patterns?.item?.length && !r.patterns?.search?.length).map((r) => r.id);
  return [
    'Derived by Passway, not by the vendor.',
    'Counted: requests through the library proxy whose upstream URL matches the catalog patterns of the database (patterns.search: a search; patterns.item: a full-text item request).',
    'Searches_Regular (DR) and Searches_Platform (PR, the sum over the platform\'s databases) count search URLs; Total_Item_Requests counts item URLs;',
    'Unique_Item_Requests counts distinct item URLs within each user session (COUNTER\'s user-session rule).',
    'Not counted: use through WAYFless (SAML) links or on campus, which goes to the vendor directly; Total_Item_Investigations, since abstract and detail views are not told apart from other pages; double-click filtering.',
    unmeasured.length ? `Not measured (no URL patterns in the catalog): ${unmeasured.join(', ')}.` : '',
  ].filter(Boolean).join(' ');
}

function performance(options: CounterOptions, counts: Counts, searchMetric: string): Performance[] {
  const instance = [
    { Metric_Type: searchMetric, Count: counts.searches },
    { Metric_Type: 'Total_Item_Requests', Count: counts.items },
    { Metric_Type: 'Unique_Item_Requests', Count: counts.uniqueItems },
  ].filter((i) => i.Count > 0); // COUNTER omits zero rows
  return instance.length ? [{ Period: { Begin_Date: options.month.from, End_Date: options.month.to }, Instance: instance }] : [];
}

/** The report as COUNTER_SUSHI R5 JSON. */
export function counterReport(options: CounterOptions, totals: Map<string, Counts>, catalog: Catalog): CounterReport {
  const { name, search } = METRICS[options.kind];
  const items: CounterReport['Report_Items'] = [];
  if (options.kind === 'DR') {
    for (const resource of [...catalog.resources].sort((a, b) => a.title.en.localeCompare(b.title.en))) {
      const perf = performance(options, totals.get(resource.id) ?? { searches: 0, items: 0, uniqueItems: 0 }, search);
      if (perf.length === 0) continue;
      items.push({
        Database: resource.title.en,
        Publisher: resource.vendor,
        Publisher_ID: [],
        Platform: resource.vendor,
        Item_ID: [{ Type: 'Proprietary', Value: `passway:${resource.id}` }],
        Data_Type: 'Database',
        Access_Method: 'Regular',
        Performance: perf,
      });
    }
  } else {
    const platforms = new Map<string, Counts>();
    for (const resource of catalog.resources) {
      const counts = totals.get(resource.id);
      if (!counts) continue;
      const sum = platforms.get(resource.vendor) ?? { searches: 0, items: 0, uniqueItems: 0 };
      platforms.set(resource.vendor, { searches: sum.searches + counts.searches, items: sum.items + counts.items, uniqueItems: sum.uniqueItems + counts.uniqueItems });
    }
    for (const [platform, counts] of [...platforms].sort(([a], [b]) => a.localeCompare(b))) {
      const perf = performance(options, counts, search);
      if (perf.length) items.push({ Platform: platform, Data_Type: 'Database', Access_Method: 'Regular', Performance: perf });
    }
  }
  return {
    Report_Header: {
      Report_Name: name,
      Report_ID: options.kind,
      Release: '5',
      Institution_Name: options.institutionName,
      Institution_ID: options.institutionId ? [{ Type: 'Proprietary', Value: `passway:${options.institutionId}` }] : [],
      Report_Filters: [
        { Name: 'Begin_Date', Value: options.month.from },
        { Name: 'End_Date', Value: options.month.to },
        { Name: 'Metric_Type', Value: [search, 'Total_Item_Requests', 'Unique_Item_Requests'].join('|') },
        { Name: 'Access_Method', Value: 'Regular' },
      ],
      Report_Attributes: [],
      Exceptions: [{ Code: 0, Severity: 'Info', Message: 'Info or Debug', Data: derivationNote(catalog) }],
      Created: options.created.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      Created_By: options.createdBy,
    },
    Report_Items: items,
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const tsvCell = (value: string | number) => String(value).replace(/[\t\r\n]+/g, ' ');

/** The report in the R5 tabular layout: 12 header rows, a blank row, column headings on row 14, then data. */
export function counterTsv(report: CounterReport): string {
  const h = report.Report_Header;
  const filter = (name: string) => h.Report_Filters.find((f) => f.Name === name)?.Value ?? '';
  const [year, month] = filter('Begin_Date').split('-');
  const monthColumn = `${MONTHS[Number(month) - 1]}-${year}`;
  const header = [
    ['Report_Name', h.Report_Name],
    ['Report_ID', h.Report_ID],
    ['Release', h.Release],
    ['Institution_Name', h.Institution_Name],
    ['Institution_ID', h.Institution_ID.map((i) => `${i.Type}:${i.Value}`).join('; ')],
    ['Metric_Types', filter('Metric_Type').split('|').join('; ')],
    ['Report_Filters', `Access_Method=${filter('Access_Method')}`],
    ['Report_Attributes', ''],
    ['Exceptions', h.Exceptions.map((e) => `${e.Code}: ${e.Message} (${e.Data})`).join('; ')],
    ['Reporting_Period', `Begin_Date=${filter('Begin_Date')}; End_Date=${filter('End_Date')}`],
    ['Created', h.Created],
    ['Created_By', h.Created_By],
    [],
  ];
  const isDr = h.Report_ID === 'DR';
  const columns = isDr
    ? ['Database', 'Publisher', 'Publisher_ID', 'Platform', 'Proprietary_ID', 'Data_Type', 'Access_Method', 'Metric_Type', 'Reporting_Period_Total', monthColumn]
    : ['Platform', 'Data_Type', 'Access_Method', 'Metric_Type', 'Reporting_Period_Total', monthColumn];
  const rows = report.Report_Items.flatMap((item) =>
    item.Performance.flatMap((p) =>
      p.Instance.map((i) => {
        const lead = isDr
          ? [item.Database, item.Publisher, '', item.Platform, (item.Item_ID as { Value: string }[])[0]?.Value ?? '', item.Data_Type, item.Access_Method]
          : [item.Platform, item.Data_Type, item.Access_Method];
        return [...(lead as string[]), i.Metric_Type, i.Count, i.Count];
      }),
    ),
  );
  return [...header, columns, ...rows].map((row) => row.map(tsvCell).join('\t')).join('\r\n') + '\r\n';
}
