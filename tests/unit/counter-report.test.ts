import { Catalog } from '../../resource-catalog/catalog';
import { Resource } from '../../resource-catalog/schema';
import { CounterError, counterReport, counterTsv, monthlyCounts, parseReportRequest, type ReportId } from '../../gateway/usage/counter';
import { csv, csvField, monthRange, parseFilter, summarise } from '../../gateway/usage/reports';

const resource = (id: string, vendor: string, patterns?: { item?: string[]; search?: string[] }) =>
  Resource.parse({ id, title: { en: `${id} title`, zh: `${id} 标题` }, vendor, hosts: [{ host: `${id}.example.com` }], access: [{ kind: 'proxy', start: `https://${id}.example.com/` }], patterns });
const catalog = new Catalog([resource('alpha', 'Acme', { item: ['^https://alpha\\.example\\.com/doc/'] }), resource('beta', 'Acme', { search: ['/search'] }), resource('gamma', 'Other')]);

describe('COUNTER R5.1 reports', () => {
  const request = (id: ReportId, query: Record<string, unknown>, today = '2024-04-15') => parseReportRequest(id, query, { today, firstMonth: '2023-01', mode: 'api' });
  const context = { customer: { id: 'uni', name: 'Example University', ids: { ROR: ['02v51f717', '0abcdef12'], Proprietary: ['passway:uni'] } }, namespace: 'passway', created: new Date('2024-03-01T08:00:00.123Z'), createdBy: 'Passway (gw.example.edu)', registryRecord: '' };
  const counts = new Map([
    ['alpha', new Map([['2024-02', { searches: 2, items: 10, uniqueItems: 7, noLicense: 0, limitExceeded: 0 }]])],
    ['beta', new Map([['2024-01', { searches: 5, items: 0, uniqueItems: 0, noLicense: 3, limitExceeded: 0 }]])],
  ]);
  const failure = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return error instanceof CounterError ? { status: error.status, code: error.exception.Code } : error;
    }
    return undefined;
  };

  it('knows a month\'s first and last day, leap years included', () => {
    expect(monthRange('2024-02')).toEqual({ from: '2024-02-01', to: '2024-02-29', month: '2024-02' });
    expect(monthRange('2023-13')).toBeUndefined();
    expect(request('DR', { begin_date: '2024-02', end_date: '2024-02-10' })).toMatchObject({ begin: '2024-02', end: '2024-02', months: ['2024-02'] });
  });

  it('turns bad dates into Exceptions 1030 and 3020, an unfinished month into 3031', () => {
    expect(failure(() => request('DR', { begin_date: '2024-01' }))).toEqual({ status: 400, code: 1030 });
    expect(failure(() => request('DR', { begin_date: '2024-02-30', end_date: '2024-03' }))).toEqual({ status: 400, code: 3020 });
    expect(failure(() => request('DR', { begin_date: '2024-03', end_date: '2024-02' }))).toEqual({ status: 400, code: 3020 });
    expect(failure(() => request('PR', { begin_date: '2024-04', end_date: '2024-04' }))).toEqual({ status: 400, code: 3020 });
    const open = request('PR', { begin_date: '2024-02', end_date: '2024-12' });
    expect(open).toMatchObject({ begin: '2024-02', end: '2024-03', months: ['2024-02', '2024-03'] });
    expect(open.exceptions).toEqual([{ Code: 3031, Message: 'Usage Not Ready for Requested Dates', Data: 'usage of 2024-04 and later is not ready until the month is over. Reported up to 2024-03-31' }]);
    const site = parseReportRequest('DR', { begin_date: '2024-04', end_date: '2024-04' }, { today: '2024-04-15', firstMonth: '2023-01', mode: 'site' });
    expect(site).toMatchObject({ begin: '2024-04', end: '2024-04', months: [] });
  });

  it('builds the DR in R5.1 JSON: Attribute_Performance by Data_Type, months as Counts keys, zero usage left out', () => {
    const report = counterReport(request('DR', { begin_date: '2024-01', end_date: '2024-02' }), context, counts, catalog);
    expect(report.Report_Header).toMatchObject({
      Report_Name: 'Database Report', Report_ID: 'DR', Release: '5.1', Institution_ID: { ROR: ['02v51f717', '0abcdef12'], Proprietary: ['passway:uni'] },
      Report_Filters: { Begin_Date: '2024-01-01', End_Date: '2024-02-29' }, Created: '2024-03-01T08:00:00Z', Registry_Record: '',
    });
    expect(report.Report_Header.Exceptions).toEqual([expect.objectContaining({ Code: 0, Message: 'Info' })]);
    expect(report.Report_Header.Exceptions![0]!.Data).toContain('Not measured (no URL patterns in the catalog): gamma.');
    expect(report.Report_Items).toEqual([
      { Database: 'alpha title', Publisher: 'Acme', Platform: 'Acme', Item_ID: { Proprietary: 'passway:alpha' }, Attribute_Performance: [
        { Data_Type: 'Database_Full', Performance: { Searches_Regular: { '2024-02': 2 } } },
        { Data_Type: 'Database_Full_Item', Performance: {
          Total_Item_Investigations: { '2024-02': 10 }, Total_Item_Requests: { '2024-02': 10 }, Unique_Item_Investigations: { '2024-02': 7 }, Unique_Item_Requests: { '2024-02': 7 },
        } },
      ] },
      { Database: 'beta title', Publisher: 'Acme', Platform: 'Acme', Item_ID: { Proprietary: 'passway:beta' }, Attribute_Performance: [
        { Data_Type: 'Database_Full', Performance: { No_License: { '2024-01': 3 }, Searches_Regular: { '2024-01': 5 } } },
      ] },
    ]);
  });

  it('writes the tabular layout with a month column each and 0 for a month without usage', () => {
    const rows = counterTsv(counterReport(request('DR_D2', { begin_date: '2024-01', end_date: '2024-02' }), context, counts, catalog)).slice(1).split('\n');
    expect(rows).toHaveLength(17);
    expect(rows[4]).toBe('Institution_ID\tROR:02v51f717; passway:uni'); // one value per namespace in tabular reports
    expect(rows[13]).toBe('');
    expect(rows.slice(14)).toEqual([
      'Database\tPublisher\tPublisher_ID\tPlatform\tProprietary_ID\tMetric_Type\tReporting_Period_Total\tJan-2024\tFeb-2024',
      'beta title\tAcme\t\tAcme\tpassway:beta\tNo_License\t3\t3\t0',
      '',
    ]);
  });

  it('counts per database and month from aggregate rows: denials by reason, sign-in rows skipped', () => {
    const base = { institution: 'uni', affiliation: '', method: 'proxy', onCampus: false, logins: 0, launches: 0, denials: {}, loginFailures: {}, requests: 1, bytes: 0, seatFull: 0, suspensions: 0, overloadShed: 0 };
    expect(monthlyCounts([
      { ...base, day: '2024-02-01', resource: 'alpha', searches: 1, itemRequests: 2, uniqueItemRequests: 2 },
      { ...base, day: '2024-02-02', resource: 'alpha', searches: 0, itemRequests: 3, uniqueItemRequests: 1, denials: { 'not-subscribed': 2, 'seats-full': 1, suspended: 4 } },
      { ...base, day: '2024-03-02', resource: 'alpha', searches: 1, itemRequests: 0, uniqueItemRequests: 0 },
      { ...base, day: '2024-02-02', resource: '', searches: 9, itemRequests: 9, uniqueItemRequests: 9 },
    ])).toEqual(new Map([['alpha', new Map([
      ['2024-02', { searches: 1, items: 5, uniqueItems: 3, noLicense: 2, limitExceeded: 1 }],
      ['2024-03', { searches: 1, items: 0, uniqueItems: 0, noLicense: 0, limitExceeded: 0 }],
    ])]]));
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
