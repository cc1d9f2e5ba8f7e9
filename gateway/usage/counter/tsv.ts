import { REPORTS } from './definitions';
import type { CounterReport, ReportItem } from './report';
import type { ItemReportGroup, TitleReportItem } from './title-item';
import { monthOf, monthsBetween } from './request';

/**
 * A report in the tabular layout of the Code of Practice R5.1 (3.2, Tables 3.f and 4.a/4.e): 13
 * header rows, row 14 blank, the column headings on row 15, then one row per item, attribute and
 * Metric_Type. UTF-8 with a byte order mark (5.2), so spreadsheets detect the encoding.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const monthColumn = (month: string) => `${MONTHS[Number(month.slice(5, 7)) - 1]}-${month.slice(0, 4)}`;
const cell = (value: string | number | undefined) => String(value ?? '').replace(/[\t\r\n]+/g, ' ');
const joined = (value: string | string[]) => (Array.isArray(value) ? value.join('|') : value);

export interface TsvOptions {
  /** Exclude_Monthly_Details=True: only Reporting_Period_Total. */
  excludeMonthlyDetails?: boolean;
}

export function counterTsv(report: CounterReport, options: TsvOptions = {}): string {
  const h = report.Report_Header;
  const definition = REPORTS[h.Report_ID];
  const { Begin_Date, End_Date, Metric_Type, ...otherFilters } = h.Report_Filters;
  const months = options.excludeMonthlyDetails ? [] : monthsBetween(monthOf(String(Begin_Date)), monthOf(String(End_Date)));
  const attributes = [
    ...Object.entries(h.Report_Attributes ?? {}).map(([name, value]) => `${name}=${joined(value)}`),
    ...(options.excludeMonthlyDetails ? ['Exclude_Monthly_Details=True'] : []),
  ];
  // Institution_ID cells are {namespace}:{value}, one value per namespace; a proprietary id already carries its namespace (the platform ID).
  const institutionIds = Object.entries(h.Institution_ID).flatMap(([type, values]) => (values?.length ? [type === 'Proprietary' ? values[0]! : `${type}:${values[0]}`] : []));
  const header: (string | number)[][] = [
    ['Report_Name', h.Report_Name],
    ['Report_ID', h.Report_ID],
    ['Release', h.Release],
    ['Institution_Name', h.Institution_Name],
    ['Institution_ID', institutionIds.join('; ')],
    ['Metric_Types', Metric_Type ? [Metric_Type].flat().join('; ') : ''],
    ['Report_Filters', Object.entries(otherFilters).map(([name, value]) => `${name}=${joined(value)}`).join('; ')],
    ['Report_Attributes', attributes.join('; ')],
    ['Exceptions', (h.Exceptions ?? []).map((e) => `${e.Code}: ${e.Message}${e.Data ? ` (${e.Data})` : ''}`).join('; ')],
    ['Reporting_Period', `Begin_Date=${Begin_Date}; End_Date=${End_Date}`],
    ['Created', h.Created],
    ['Created_By', h.Created_By],
    ['Registry_Record', h.Registry_Record],
    [],
  ];
  const shown = (name: string) => (h.Report_Attributes?.Attributes_To_Show as string[] | undefined)?.includes(name) ?? false;
  const { columns, rows: lines } = body(report, definition.id, definition.level, { yop: shown('YOP'), accessType: shown('Access_Type'), accessMethod: shown('Access_Method') });
  const rows = lines.map(({ lead, ap }) =>
    Object.entries(ap.Performance).map(([metric, counts]) => {
      const values = counts ?? {};
      const total = Object.values(values).reduce((a, b) => a + b, 0);
      return [...lead, metric, total, ...months.map((m) => values[m] ?? 0)];
    }),
  ).flat();
  const headings = [...columns, 'Metric_Type', 'Reporting_Period_Total', ...months.map(monthColumn)];
  return '\uFEFF' + [...header, headings, ...rows].map((row) => row.map(cell).join('\t')).join('\n') + '\n';
}

type Ids = Partial<Record<'DOI' | 'ISBN' | 'Online_ISSN' | 'Print_ISSN' | 'Proprietary' | 'URI', string>>;
interface Attributes {
  Data_Type?: string;
  YOP?: string;
  Access_Type?: string;
  Access_Method?: string;
  Performance: Partial<Record<string, Record<string, number>>>;
}
/** One row per item and attribute set: the cells before Metric_Type, and the performance to spread over rows. */
interface Line {
  lead: (string | undefined)[];
  ap: Attributes;
}
interface Shown {
  yop: boolean;
  accessType: boolean;
  accessMethod: boolean;
}

/** Column headings (up to Metric_Type) and rows of a report, by report (Tables 4.b, 4.e, 4.k, 4.p). */
function body(report: CounterReport, id: string, level: string, shown: Shown): { columns: string[]; rows: Line[] } {
  const attributeColumns = (dataType: boolean, yop: boolean, accessType: boolean) => [
    ...(dataType ? ['Data_Type'] : []),
    ...(yop ? ['YOP'] : []),
    ...(accessType ? ['Access_Type'] : []),
    ...(shown.accessMethod ? ['Access_Method'] : []),
  ];
  const attributeCells = (columns: string[], ap: Attributes) => columns.map((name) => ap[name as 'Data_Type' | 'YOP' | 'Access_Type' | 'Access_Method']);
  const ids = (i: Ids, isbn = true) => [i.DOI, i.Proprietary, ...(isbn ? [i.ISBN] : []), i.Print_ISSN, i.Online_ISSN, i.URI];
  if (level === 'title') {
    const journals = id === 'TR_J1';
    const attributes = attributeColumns(!journals, id === 'TR_B1' || shown.yop, shown.accessType);
    const columns = ['Title', 'Publisher', 'Publisher_ID', 'Platform', 'DOI', 'Proprietary_ID', ...(journals ? [] : ['ISBN']), 'Print_ISSN', 'Online_ISSN', 'URI', ...attributes];
    const rows = (report.Report_Items as TitleReportItem[]).flatMap((t) =>
      t.Attribute_Performance.map((ap) => ({ lead: [t.Title, t.Publisher, '', t.Platform, ...ids(t.Item_ID, !journals), ...attributeCells(attributes, ap)], ap })),
    );
    return { columns, rows };
  }
  if (level === 'item') {
    const groups = report.Report_Items as ItemReportGroup[];
    const parents = report.Report_Header.Report_Attributes?.Include_Parent_Details === 'True';
    const attributes = attributeColumns(true, shown.yop, shown.accessType);
    const parentColumns = parents
      ? ['Parent_Title', 'Parent_Authors', 'Parent_Publication_Date', 'Parent_Article_Version', 'Parent_Data_Type', 'Parent_DOI', 'Parent_Proprietary_ID', 'Parent_ISBN', 'Parent_Print_ISSN', 'Parent_Online_ISSN', 'Parent_URI']
      : [];
    const columns = ['Item', 'Publisher', 'Publisher_ID', 'Platform', 'DOI', 'Proprietary_ID', 'ISBN', 'Print_ISSN', 'Online_ISSN', 'URI', ...parentColumns, ...attributes];
    const rows = groups.flatMap((g) => {
      const parent = parents ? [g.Title, '', '', '', g.Data_Type, ...ids(g.Item_ID ?? {})] : [];
      return g.Items.flatMap((i) => i.Attribute_Performance.map((ap) => ({ lead: [i.Item, i.Publisher, '', i.Platform, ...ids(i.Item_ID), ...parent, ...attributeCells(attributes, ap)], ap })));
    });
    return { columns, rows };
  }
  const database = level === 'database';
  const attributes = attributeColumns(id !== 'DR_D1' && id !== 'DR_D2', false, false);
  const columns = [...(database ? ['Database', 'Publisher', 'Publisher_ID', 'Platform', 'Proprietary_ID'] : ['Platform']), ...attributes];
  const rows = (report.Report_Items as ReportItem[]).flatMap((item) =>
    item.Attribute_Performance.map((ap) => ({
      lead: [...(database ? [item.Database, item.Publisher, '', item.Platform, item.Item_ID?.Proprietary] : [item.Platform]), ...attributeCells(attributes, ap)],
      ap: ap as Attributes,
    })),
  );
  return { columns, rows };
}
