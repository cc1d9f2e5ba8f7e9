import { Catalog } from '../../resource-catalog/catalog';
import { Resource } from '../../resource-catalog/schema';
import { counterReport, counterTsv, countsByResource, csv, csvField, monthRange, parseFilter, summarise } from '../../gateway/usage/reports';

const resource = (id: string, vendor: string, patterns?: { item?: string[]; search?: string[] }) =>
  Resource.parse({ id, title: { en: `${id} title`, zh: `${id} 标题` }, vendor, hosts: [{ host: `${id}.example.com` }], access: [{ kind: 'proxy', start: `https://${id}.example.com/` }], patterns });
const catalog = new Catalog([resource('alpha', 'Acme', { item: ['^https://alpha\\.example\\.com/doc/'] }), resource('beta', 'Acme', { search: ['/search'] }), resource('gamma', 'Other')]);
const month = monthRange('2024-02')!;
const counts = new Map([
  ['alpha', { searches: 2, items: 10, uniqueItems: 7 }],
  ['beta', { searches: 5, items: 0, uniqueItems: 0 }],
]);
const options = { month, institutionName: 'Example University', institutionId: 'uni', created: new Date('2024-03-01T08:00:00.123Z'), createdBy: 'Passway (gw.example.edu)' };

describe('COUNTER R5 reports', () => {
  it('knows a month\'s first and last day, leap years included', () => {
    expect(monthRange('2024-02')).toEqual({ from: '2024-02-01', to: '2024-02-29', month: '2024-02' });
    expect(monthRange('2023-12')).toEqual({ from: '2023-12-01', to: '2023-12-31', month: '2023-12' });
    expect(monthRange('2023-13')).toBeUndefined();
    expect(monthRange(undefined)).toBeUndefined();
  });

  it('builds a DR in COUNTER_SUSHI JSON shape with the derivation note', () => {
    const report = counterReport({ ...options, kind: 'DR' }, counts, catalog);
    expect(report.Report_Header).toMatchObject({
      Report_Name: 'Database Master Report', Report_ID: 'DR', Release: '5', Institution_Name: 'Example University',
      Institution_ID: [{ Type: 'Proprietary', Value: 'passway:uni' }], Created: '2024-03-01T08:00:00Z', Created_By: 'Passway (gw.example.edu)',
    });
    expect(report.Report_Header.Report_Filters).toContainEqual({ Name: 'Begin_Date', Value: '2024-02-01' });
    expect(report.Report_Header.Report_Filters).toContainEqual({ Name: 'Metric_Type', Value: 'Searches_Regular|Total_Item_Requests|Unique_Item_Requests' });
    const note = report.Report_Header.Exceptions[0]!;
    expect(note).toMatchObject({ Code: 0, Severity: 'Info' });
    expect(note.Data).toContain('Derived by Passway');
    expect(note.Data).toContain('Not measured (no URL patterns in the catalog): gamma.');
    expect(report.Report_Items.map((i) => i.Database)).toEqual(['alpha title', 'beta title']);
    expect(report.Report_Items[1]!.Performance[0]!.Instance).toEqual([{ Metric_Type: 'Searches_Regular', Count: 5 }]); // zero rows omitted
    expect(report.Report_Items[0]).toMatchObject({ Publisher: 'Acme', Platform: 'Acme', Data_Type: 'Database', Access_Method: 'Regular', Item_ID: [{ Type: 'Proprietary', Value: 'passway:alpha' }] });
  });

  it('sums a PR per platform with Searches_Platform', () => {
    const report = counterReport({ ...options, kind: 'PR' }, counts, catalog);
    expect(report.Report_Header.Report_Name).toBe('Platform Master Report');
    expect(report.Report_Items).toEqual([{
      Platform: 'Acme', Data_Type: 'Database', Access_Method: 'Regular',
      Performance: [{ Period: { Begin_Date: '2024-02-01', End_Date: '2024-02-29' }, Instance: [
        { Metric_Type: 'Searches_Platform', Count: 7 }, { Metric_Type: 'Total_Item_Requests', Count: 10 }, { Metric_Type: 'Unique_Item_Requests', Count: 7 },
      ] }],
    }]);
  });

  it('writes the R5 tabular layout: 12 header rows, a blank row, headings on row 14', () => {
    const lines = counterTsv(counterReport({ ...options, kind: 'DR' }, counts, catalog)).split('\r\n');
    expect(lines.slice(0, 4)).toEqual(['Report_Name\tDatabase Master Report', 'Report_ID\tDR', 'Release\t5', 'Institution_Name\tExample University']);
    expect(lines[5]).toBe('Metric_Types\tSearches_Regular; Total_Item_Requests; Unique_Item_Requests');
    expect(lines[8]).toMatch(/^Exceptions\t0: Info or Debug \(Derived by Passway/);
    expect(lines[9]).toBe('Reporting_Period\tBegin_Date=2024-02-01; End_Date=2024-02-29');
    expect(lines[10]).toBe('Created\t2024-03-01T08:00:00Z');
    expect(lines[12]).toBe('');
    expect(lines[13]).toBe('Database\tPublisher\tPublisher_ID\tPlatform\tProprietary_ID\tData_Type\tAccess_Method\tMetric_Type\tReporting_Period_Total\tFeb-2024');
    expect(lines.slice(14)).toEqual([
      'alpha title\tAcme\t\tAcme\tpassway:alpha\tDatabase\tRegular\tSearches_Regular\t2\t2',
      'alpha title\tAcme\t\tAcme\tpassway:alpha\tDatabase\tRegular\tTotal_Item_Requests\t10\t10',
      'alpha title\tAcme\t\tAcme\tpassway:alpha\tDatabase\tRegular\tUnique_Item_Requests\t7\t7',
      'beta title\tAcme\t\tAcme\tpassway:beta\tDatabase\tRegular\tSearches_Regular\t5\t5',
      '',
    ]);
    expect(lines.every((l) => l.split('\t').every((cell) => !cell.includes('\n')))).toBe(true);
  });

  it('counts from aggregate rows, skipping sign-in rows', () => {
    const base = { institution: 'uni', affiliation: '', method: 'proxy', onCampus: false, logins: 0, launches: 0, denials: {}, loginFailures: {}, requests: 1, bytes: 0, seatFull: 0, suspensions: 0, overloadShed: 0 };
    expect(countsByResource([
      { ...base, day: '2024-02-01', resource: 'alpha', searches: 1, itemRequests: 2, uniqueItemRequests: 2 },
      { ...base, day: '2024-02-02', resource: 'alpha', searches: 0, itemRequests: 3, uniqueItemRequests: 1 },
      { ...base, day: '2024-02-02', resource: '', searches: 9, itemRequests: 9, uniqueItemRequests: 9 },
    ])).toEqual(new Map([['alpha', { searches: 1, items: 5, uniqueItems: 3 }]]));
  });
});

describe('CSV', () => {
  it('quotes what needs quoting and defuses formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField(3)).toBe('3');
    expect(csv([['中国知网', 1]])).toBe('\uFEFF中国知网,1\r\n');
  });
});

describe('report filters and summary', () => {
  it('parses filters with a 30-day default and a one-year cap', () => {
    expect(parseFilter({}, '2025-03-31')).toEqual({ from: '2025-03-02', to: '2025-03-31' });
    expect(parseFilter({ from: 'nonsense', to: '2025-02-30x' }, '2025-03-31')).toEqual({ from: '2025-03-02', to: '2025-03-31' });
    expect(parseFilter({ from: '2020-01-01', to: '2025-03-31' }, '2025-03-31').from).toBe('2024-03-31');
    expect(parseFilter({ resource: ['a', 'b'] }, '2025-03-31').resource).toBeUndefined();
  });

  it('summarises per day and per resource', () => {
    const base = { institution: 'uni', affiliation: 'student', method: 'proxy', logins: 0, denials: {}, loginFailures: {}, requests: 0, bytes: 0, itemRequests: 0, uniqueItemRequests: 0, searches: 0, seatFull: 0, suspensions: 0, overloadShed: 0 };
    const s = summarise({ from: '2025-01-01', to: '2025-01-03' }, [
      { ...base, day: '2025-01-01', resource: 'a', onCampus: false, launches: 2 },
      { ...base, day: '2025-01-03', resource: 'a', onCampus: true, launches: 1 },
      { ...base, day: '2025-01-02', resource: 'b', onCampus: false, launches: 5, denials: { 'not-licensed': 2 } },
      { ...base, day: '2025-01-02', resource: '', onCampus: false, launches: 0, logins: 3 },
    ], 4);
    expect(s.days).toEqual(['2025-01-01', '2025-01-02', '2025-01-03']);
    expect(s.resources.map((r) => [r.resource, r.launches, r.onCampus, r.offCampus])).toEqual([['b', 5, 0, 5], ['a', 3, 1, 2]]);
    expect(s.launchesByDay.get('a')).toEqual([2, 0, 1]);
    expect(s.loginsByDay).toEqual([0, 3, 0]);
    expect(s.totals).toEqual({ logins: 3, launches: 8, denials: 2, bytes: 0, uniqueUsers: 4, onCampus: 1, offCampus: 7 });
    expect(s.denialsByReason).toEqual([{ reason: 'not-licensed', count: 2 }]);
  });
});
