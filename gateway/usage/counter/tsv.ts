import { REPORTS } from './definitions';
import type { CounterReport, ReportItem } from './report';
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
  const showAccessMethod = h.Report_Attributes?.Attributes_To_Show?.includes('Access_Method') ?? false;
  const database = definition.level === 'database';
  const columns = [
    ...(database ? ['Database', 'Publisher', 'Publisher_ID', 'Platform', 'Proprietary_ID'] : ['Platform']),
    ...(definition.id === 'DR_D1' || definition.id === 'DR_D2' ? [] : ['Data_Type']),
    ...(showAccessMethod ? ['Access_Method'] : []),
    'Metric_Type',
    'Reporting_Period_Total',
    ...months.map(monthColumn),
  ];
  const lead = (item: ReportItem) =>
    database ? [item.Database, item.Publisher, '', item.Platform, item.Item_ID?.Proprietary] : [item.Platform];
  const rows = report.Report_Items.flatMap((item) =>
    item.Attribute_Performance.flatMap((ap) =>
      Object.entries(ap.Performance).map(([metric, counts]) => {
        const total = Object.values(counts).reduce((a, b) => a + b, 0);
        return [
          ...lead(item),
          ...(columns.includes('Data_Type') ? [ap.Data_Type] : []),
          ...(showAccessMethod ? [ap.Access_Method] : []),
          metric,
          total,
          ...months.map((m) => counts[m] ?? 0),
        ];
      }),
    ),
  );
  return '\uFEFF' + [...header, columns, ...rows].map((row) => row.map(cell).join('\t')).join('\n') + '\n';
}
