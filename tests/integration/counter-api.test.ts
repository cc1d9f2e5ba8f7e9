/**
 * The COUNTER API R5.1 (/counter/r51/…) and the librarians' COUNTER reports (/admin/usage/counter/…)
 * through the real gateway, with usage recorded by proxied requests and launches. Every JSON
 * response is validated against the COUNTER API 5.1 schema (tests/helpers/counter-r51-schema.ts);
 * the TSV is checked row by row against the Code of Practice R5.1 layout (3.2, Tables 4.a-4.f).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dayIn } from '../../resource-catalog/policy';
import { MemoryStore } from '../../gateway/store';
import { createUsageLog, type UsageLog } from '../../gateway/usage';
import { counterSchemaErrors } from '../helpers/counter-r51-schema';
import { get, member, proxiedHost, signedIn, startGateway, type RunningGateway } from './proxy-harness';

const KEY = 'jusp-harvest-key-0001';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** Usage is recorded as of 10 March 2025, a month that is over. */
const RECORDED = new Date('2025-03-10T04:00:00Z');
const thisMonth = dayIn(new Date(), 'UTC').slice(0, 7);
const nextMonth = new Date(Date.UTC(Number(thisMonth.slice(0, 4)), Number(thisMonth.slice(5)), 1)).toISOString().slice(0, 7);
const lastMonth = new Date(Date.UTC(Number(thisMonth.slice(0, 4)), Number(thisMonth.slice(5)) - 2, 1)).toISOString().slice(0, 7);

let shop: http.Server;
let shopPort: number;
let gw: RunningGateway;
let usage: UsageLog;
let dir: string;
let librarian: string;

async function startShop(): Promise<void> {
  shop = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    res.writeHead(200, { 'Content-Type': url.pathname.endsWith('.pdf') ? 'application/pdf' : 'text/plain' });
    res.end(url.pathname);
  });
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
  shopPort = (shop.address() as AddressInfo).port;
}

const api = async (pathname: string, params: Record<string, string> = {}) => {
  const res = await get(gw.port, `localhost:${gw.port}`, `${pathname}?${new URLSearchParams(params).toString()}`);
  return { status: res.statusCode, type: String(res.headers['content-type']), body: (await res.body.json()) as Record<string, unknown> & unknown[] };
};
const auth = { customer_id: 'demo-university', requestor_id: 'jusp', api_key: KEY };
const report = (id: string, params: Record<string, string>) => api(`/counter/r51/reports/${id}`, { ...auth, ...params });
const admin = async (pathname: string) => {
  const res = await get(gw.port, `localhost:${gw.port}`, pathname, { cookie: librarian });
  const bytes = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, type: String(res.headers['content-type']), text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes) };
};
type Header = { Exceptions?: { Code: number; Message: string; Data?: string }[]; Report_Filters: Record<string, unknown> };
const codes = (body: unknown) => ((body as { Report_Header: Header }).Report_Header.Exceptions ?? []).map((e) => e.Code);

beforeAll(async () => {
  await startShop();
  dir = mkdtempSync(path.join(tmpdir(), 'passway-counter-'));
  const store = new MemoryStore();
  usage = createUsageLog({ dir, store, pseudonymKey: 'counter-test-pseudonym-key-0123456789', timeZone: 'UTC', now: () => RECORDED });
  const upstream = `localhost:${shopPort}`;
  gw = await startGateway(
    () => ({
      institutions: [
        { id: 'demo-university', name: { en: 'Demo University', zh: '示例大学' } },
        { id: 'other-college', name: { en: 'Other College' } },
      ],
      resources: [
        {
          id: 'shop', title: { en: 'Shop Journals' }, vendor: 'Shop', hosts: [{ host: upstream, allowPrivate: true }],
          access: [{ kind: 'proxy', start: `http://${upstream}/` }], licences: [{ institution: 'demo-university' }],
          patterns: { item: ['/item/\\d+\\.pdf$'], search: ['/search\\?'] },
        },
        {
          id: 'reserve', title: { en: 'Reserve Collection' }, vendor: 'Shop', hosts: [{ host: `127.0.0.1:${shopPort}`, allowPrivate: true }],
          access: [{ kind: 'proxy', start: `http://127.0.0.1:${shopPort}/` }], licences: [{ institution: 'demo-university', seats: 1 }],
        },
      ],
      usage: { dir, timeZone: 'UTC' },
      proxy: { summaryEveryRequests: 1000 },
      admin: { roles: { librarians: { subjects: ['demo-university:librarian'] } } },
      counter: {
        institutionIds: { 'other-college': { ROR: ['05qbk4x57'], ISIL: ['CN-100000-X'] } },
        requestors: [
          { id: 'jusp', name: 'JUSP', apiKeySha256: sha256(KEY), customers: ['demo-university', 'all'] },
          { id: 'college', name: 'Other College office', apiKeySha256: sha256('college-key'), customers: ['other-college'] },
        ],
      },
    }),
    { store, usage, resolve: async (name) => (name === 'localhost' ? ['127.0.0.1'] : []) },
  );
  librarian = await signedIn(gw.gateway, member({ subject: 'librarian' }));

  // Proxied use by two readers: 3 item requests (2 distinct in the first session), 2 searches, 1 more item in a second session.
  const shopHost = proxiedHost(`localhost---http-${shopPort}`, gw.port);
  const first = await signedIn(gw.gateway, member({ subject: 'reader-a' }));
  const second = await signedIn(gw.gateway, member({ subject: 'reader-b' }));
  for (const [cookie, pathname] of [[first, '/item/1.pdf'], [first, '/item/1.pdf'], [first, '/item/2.pdf'], [first, '/search?q=a'], [first, '/search?q=b'], [first, '/about'], [second, '/item/1.pdf']]) {
    const res = await get(gw.port, shopHost, pathname!, { cookie: cookie! });
    expect(res.statusCode).toBe(200);
    await res.body.text();
  }
  await gw.gateway.proxy.flushUsage();
  // Denied launches: no licence for Other College (twice), and the Reserve Collection's one seat taken.
  const outsider = await signedIn(gw.gateway, member({ subject: 'visitor', institution: 'other-college' }));
  for (const cookie of [outsider, outsider]) expect((await admin_get('/go/shop', cookie)).status).toBe(403);
  expect((await admin_get('/go/reserve', first)).status).toBe(303);
  expect((await admin_get('/go/reserve', second)).status).toBe(403);
  await usage.settle();
});

async function admin_get(pathname: string, cookie: string) {
  const res = await get(gw.port, `localhost:${gw.port}`, pathname, { cookie });
  await res.body.text();
  return { status: res.statusCode };
}

afterAll(async () => {
  await gw?.close();
  await usage?.close();
  await new Promise<void>((resolve) => (shop ? shop.close(() => resolve()) : resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('COUNTER API: status, members, reports list', () => {
  it('serves /r51/status without credentials', async () => {
    const res = await api('/counter/r51/status');
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/json; charset=utf-8');
    expect(counterSchemaErrors('status', res.body)).toEqual([]);
    expect(res.body[0]).toMatchObject({ Service_Active: true });
  });

  it('lists the customer itself, or every institution for the consortium customer', async () => {
    const one = await api('/counter/r51/members', auth);
    expect(counterSchemaErrors('members', one.body)).toEqual([]);
    expect(one.body).toEqual([{ Customer_ID: 'demo-university', Institution_Name: 'Demo University', Institution_ID: { Proprietary: ['passway:demo-university'] } }]);
    const all = await api('/counter/r51/members', { ...auth, customer_id: 'all' });
    expect(counterSchemaErrors('members', all.body)).toEqual([]);
    expect(all.body[1]).toEqual({ Customer_ID: 'other-college', Institution_Name: 'Other College', Institution_ID: { ROR: ['05qbk4x57'], ISIL: ['CN-100000-X'], Proprietary: ['passway:other-college'] } });
    expect((all.body as { Customer_ID: string }[]).map((m) => m.Customer_ID)).toEqual(['demo-university', 'other-college']);
  });

  it('lists DR, DR_D1, DR_D2, PR, PR_P1, TR and IR with their paths and months (no journal or book view: no pattern captures a title)', async () => {
    const res = await api('/counter/r51/reports', auth);
    expect(res.status).toBe(200);
    expect(counterSchemaErrors('reports', res.body)).toEqual([]);
    expect(res.body).toEqual(['DR', 'DR_D1', 'DR_D2', 'PR', 'PR_P1', 'TR', 'IR'].map((id) => expect.objectContaining({
      Report_ID: id, Release: '5.1', Path: `/r51/reports/${id.toLowerCase()}`, First_Month_Available: '2025-01', Last_Month_Available: lastMonth,
    })));
  });
});

describe('COUNTER API: reports from proxied usage', () => {
  const march = { begin_date: '2025-03', end_date: '2025-03' };

  it('DR: searches and denials as Database_Full, items as Database_Full_Item', async () => {
    const res = await report('dr', march);
    expect(res.status).toBe(200);
    expect(counterSchemaErrors('DR', res.body)).toEqual([]);
    const body = res.body as unknown as { Report_Header: Record<string, unknown>; Report_Items: unknown[] };
    expect(body.Report_Header).toMatchObject({
      Report_Name: 'Database Report', Report_ID: 'DR', Release: '5.1', Institution_Name: 'Demo University',
      Institution_ID: { Proprietary: ['passway:demo-university'] }, Report_Filters: { Begin_Date: '2025-03-01', End_Date: '2025-03-31' }, Registry_Record: '',
    });
    expect(codes(body)).toEqual([0]);
    expect(body.Report_Items).toEqual([
      {
        Database: 'Reserve Collection', Publisher: 'Shop', Platform: 'Shop', Item_ID: { Proprietary: 'passway:reserve' },
        Attribute_Performance: [{ Data_Type: 'Database_Full', Performance: { Limit_Exceeded: { '2025-03': 1 } } }],
      },
      {
        Database: 'Shop Journals', Publisher: 'Shop', Platform: 'Shop', Item_ID: { Proprietary: 'passway:shop' },
        Attribute_Performance: [
          { Data_Type: 'Database_Full', Performance: { Searches_Regular: { '2025-03': 2 } } },
          { Data_Type: 'Database_Full_Item', Performance: {
            Total_Item_Investigations: { '2025-03': 4 }, Total_Item_Requests: { '2025-03': 4 }, Unique_Item_Investigations: { '2025-03': 3 }, Unique_Item_Requests: { '2025-03': 3 },
          } },
        ],
      },
    ]);
  });

  it('DR for another customer counts only its own usage (the No_License denials)', async () => {
    const res = await api('/counter/r51/reports/dr_d2', { customer_id: 'other-college', requestor_id: 'college', api_key: 'college-key', ...march });
    expect(counterSchemaErrors('DR_D2', res.body)).toEqual([]);
    expect((res.body as unknown as { Report_Header: Record<string, unknown> }).Report_Header.Institution_ID).toEqual({ ROR: ['05qbk4x57'], ISIL: ['CN-100000-X'], Proprietary: ['passway:other-college'] });
    expect((res.body as unknown as { Report_Items: unknown[] }).Report_Items).toEqual([{
      Database: 'Shop Journals', Publisher: 'Shop', Platform: 'Shop', Item_ID: { Proprietary: 'passway:shop' }, Attribute_Performance: [{ Performance: { No_License: { '2025-03': 2 } } }],
    }]);
  });

  it('DR_D1 and DR_D2: the Standard Views with their pre-set filters', async () => {
    const d1 = await report('dr_d1', march);
    expect(counterSchemaErrors('DR_D1', d1.body)).toEqual([]);
    const d1Body = d1.body as unknown as { Report_Header: Header; Report_Items: { Attribute_Performance: unknown[] }[] };
    expect(d1Body.Report_Header.Report_Filters).toEqual({
      Begin_Date: '2025-03-01', End_Date: '2025-03-31', Access_Method: ['Regular'],
      Metric_Type: ['Searches_Automated', 'Searches_Federated', 'Searches_Regular', 'Total_Item_Investigations', 'Total_Item_Requests', 'Unique_Item_Investigations', 'Unique_Item_Requests'],
    });
    expect(d1Body.Report_Items.map((i) => i.Attribute_Performance)).toEqual([[{ Performance: {
      Searches_Regular: { '2025-03': 2 }, Total_Item_Investigations: { '2025-03': 4 }, Total_Item_Requests: { '2025-03': 4 }, Unique_Item_Investigations: { '2025-03': 3 }, Unique_Item_Requests: { '2025-03': 3 },
    } }]]);
    const d2 = await report('dr_d2', march);
    expect(counterSchemaErrors('DR_D2', d2.body)).toEqual([]);
    expect((d2.body as unknown as { Report_Items: { Database: string }[] }).Report_Items.map((i) => i.Database)).toEqual(['Reserve Collection']);
  });

  it('PR and PR_P1: Searches_Platform as Data_Type Platform, summed per platform', async () => {
    const pr = await report('pr', { ...march, attributes_to_show: 'Access_Method' });
    expect(counterSchemaErrors('PR', pr.body)).toEqual([]);
    const prBody = pr.body as unknown as { Report_Header: Record<string, unknown>; Report_Items: unknown[] };
    expect(prBody.Report_Header.Report_Attributes).toEqual({ Attributes_To_Show: ['Access_Method'] });
    expect(prBody.Report_Items).toEqual([{ Platform: 'Shop', Attribute_Performance: [
      { Data_Type: 'Database_Full_Item', Access_Method: 'Regular', Performance: {
        Total_Item_Investigations: { '2025-03': 4 }, Total_Item_Requests: { '2025-03': 4 }, Unique_Item_Investigations: { '2025-03': 3 }, Unique_Item_Requests: { '2025-03': 3 },
      } },
      { Data_Type: 'Platform', Access_Method: 'Regular', Performance: { Searches_Platform: { '2025-03': 2 } } },
    ] }]);
    const p1 = await report('pr_p1', march);
    expect(counterSchemaErrors('PR_P1', p1.body)).toEqual([]);
    expect((p1.body as unknown as { Report_Items: unknown[] }).Report_Items).toEqual([{ Platform: 'Shop', Attribute_Performance: [
      { Data_Type: 'Database_Full_Item', Performance: { Total_Item_Requests: { '2025-03': 4 }, Unique_Item_Requests: { '2025-03': 3 } } },
      { Data_Type: 'Platform', Performance: { Searches_Platform: { '2025-03': 2 } } },
    ] }]);
  });

  it('the consortium customer reports every institution together', async () => {
    const res = await report('dr_d2', { ...march, customer_id: 'all' });
    expect(counterSchemaErrors('DR_D2', res.body)).toEqual([]);
    const body = res.body as unknown as { Report_Header: Record<string, unknown>; Report_Items: { Database: string }[] };
    expect(body.Report_Header).toMatchObject({ Institution_Name: 'All institutions', Institution_ID: { Proprietary: ['passway:all'] } });
    expect(body.Report_Items.map((i) => i.Database)).toEqual(['Reserve Collection', 'Shop Journals']);
  });

  it('a period up to this month: the months that are over, End_Date the last of them, Exception 3031', async () => {
    const res = await report('dr', { begin_date: '2025-02-01', end_date: `${thisMonth}-01` });
    expect(res.status).toBe(200);
    expect(counterSchemaErrors('DR', res.body)).toEqual([]);
    const header = (res.body as unknown as { Report_Header: Header }).Report_Header;
    expect(header.Report_Filters.End_Date).toBe(`${lastMonth}-${new Date(Date.UTC(Number(thisMonth.slice(0, 4)), Number(thisMonth.slice(5)) - 1, 0)).getUTCDate()}`);
    expect(header.Exceptions![0]).toMatchObject({ Code: 3031, Message: 'Usage Not Ready for Requested Dates' });
    expect(header.Exceptions![0]!.Data).toContain(thisMonth);
  });

  it('no usage: an empty report with 3030; before the first month: 3032', async () => {
    const none = await report('pr_p1', { begin_date: '2025-05', end_date: '2025-06' });
    expect(none.status).toBe(200);
    expect(counterSchemaErrors('PR_P1', none.body)).toEqual([]);
    expect((none.body as unknown as { Report_Items: unknown[] }).Report_Items).toEqual([]);
    expect(codes(none.body)).toEqual([3030, 0]);
    const early = await report('dr_d1', { begin_date: '2024-11', end_date: '2025-03' });
    expect(counterSchemaErrors('DR_D1', early.body)).toEqual([]);
    expect(codes(early.body)).toEqual([3032, 0]);
    expect((early.body as unknown as { Report_Header: Header }).Report_Header.Report_Filters.Begin_Date).toBe('2025-01-01');
  });

  it('ignores what it cannot apply and says so: 3050, 3060, 3062', async () => {
    const view = await report('dr_d1', { ...march, metric_type: 'Searches_Regular', yop: '2020' });
    expect(counterSchemaErrors('DR_D1', view.body)).toEqual([]);
    expect((view.body as unknown as { Report_Header: Header }).Report_Header.Exceptions![0]).toEqual({ Code: 3050, Message: 'Parameter Not Recognized in this Context', Data: 'metric_type, yop' });
    const dr = await report('dr', { ...march, metric_type: 'Searches_Regular|Bogus', country_code: 'CN', attributes_to_show: 'Country_Code', granularity: 'Total' });
    expect(counterSchemaErrors('DR', dr.body)).toEqual([]);
    const drBody = dr.body as unknown as { Report_Header: Header; Report_Items: unknown[] };
    expect(codes(drBody)).toEqual([3060, 3062, 0]);
    expect(drBody.Report_Header.Report_Filters.Metric_Type).toEqual(['Searches_Regular']);
    expect(drBody.Report_Items).toHaveLength(1);
  });
});

describe('COUNTER API: one Exception with the HTTP status of Appendix D', () => {
  const cases: { name: string; path?: string; params: Record<string, string>; status: number; code: number }[] = [
    { name: 'no customer_id', params: { requestor_id: 'jusp', api_key: KEY }, status: 400, code: 1030 },
    { name: 'no requestor_id', params: { customer_id: 'demo-university', api_key: KEY }, status: 400, code: 1030 },
    { name: 'unknown requestor_id', params: { ...auth, requestor_id: 'nobody' }, status: 401, code: 2000 },
    { name: 'no api_key', params: { customer_id: 'demo-university', requestor_id: 'jusp' }, status: 401, code: 2020 },
    { name: 'wrong api_key', params: { ...auth, api_key: 'guess' }, status: 401, code: 2020 },
    { name: 'unknown customer_id', params: { ...auth, customer_id: 'nowhere' }, status: 403, code: 2010 },
    { name: 'a customer the requestor may not harvest', params: { ...auth, customer_id: 'other-college' }, status: 403, code: 2010 },
    { name: 'The World', params: { ...auth, customer_id: '0000000000000000' }, status: 403, code: 2011 },
    { name: 'report without dates', path: '/counter/r51/reports/dr', params: auth, status: 400, code: 1030 },
    { name: 'a future month', path: '/counter/r51/reports/dr', params: { ...auth, begin_date: nextMonth, end_date: nextMonth }, status: 400, code: 3020 },
    { name: 'the current month', path: '/counter/r51/reports/pr', params: { ...auth, begin_date: thisMonth, end_date: thisMonth }, status: 400, code: 3020 },
    { name: 'end before begin', path: '/counter/r51/reports/pr_p1', params: { ...auth, begin_date: '2025-03', end_date: '2025-02' }, status: 400, code: 3020 },
    { name: 'not a date', path: '/counter/r51/reports/dr_d1', params: { ...auth, begin_date: '2025-02-30', end_date: '2025-03' }, status: 400, code: 3020 },
  ];
  test.each(cases)('$name: $status $code', async ({ path: pathname, params, status, code }) => {
    const res = await api(pathname ?? '/counter/r51/members', params);
    expect(res.status).toBe(status);
    expect(counterSchemaErrors(`error-${status}`, res.body)).toEqual([]);
    expect(res.body).toMatchObject({ Code: code });
  });

  it('never logs the api_key (the spec puts it in the query string)', async () => {
    expect((await api('/counter/r51/reports', auth)).status).toBe(200);
    const logged = gw.lines.filter((line) => JSON.stringify(line).includes('/counter/r51/reports'));
    expect(logged.length).toBeGreaterThan(0);
    expect(JSON.stringify(gw.lines)).not.toContain(KEY);
    expect(JSON.stringify(logged)).toContain('api_key=[redacted]');
  });

  it('an unsupported report or release is a wrong path: 404', async () => {
    // Passway knows no title for a denial (TR_J2, TR_B2), no Access_Type breakdown or YOP (TR_J3, TR_B3, TR_J4),
    // no authors (IR_A1) and no multimedia items (IR_M1); TR, TR_J1, TR_B1 and IR are in counter-items.test.ts.
    for (const id of ['tr_j2', 'tr_j3', 'tr_j4', 'tr_b2', 'tr_b3', 'ir_a1', 'ir_m1']) {
      expect((await get(gw.port, `localhost:${gw.port}`, `/counter/r51/reports/${id}?${new URLSearchParams(auth).toString()}`)).statusCode).toBe(404);
    }
    expect((await get(gw.port, `localhost:${gw.port}`, '/counter/r5/status')).statusCode).toBe(404);
  });
});

describe('librarians\' COUNTER reports (/admin/usage/counter)', () => {
  it('the current month is a report with Exception 3031 and no usage yet', async () => {
    const res = await admin(`/admin/usage/counter/dr?month=${thisMonth}&format=json&institution=demo-university`);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text) as { Report_Header: Header; Report_Items: unknown[] };
    expect(body.Report_Header.Exceptions!.map((e) => e.Code)).toContain(3031);
    expect(body.Report_Items).toEqual([]);
  });

  it('a future month is Exception 3020, not an empty report', async () => {
    const json = await admin(`/admin/usage/counter/dr?month=${nextMonth}&format=json`);
    expect(json.status).toBe(400);
    expect(JSON.parse(json.text)).toMatchObject({ Code: 3020, Message: 'Invalid Date Arguments' });
    const tsv = await admin(`/admin/usage/counter/dr?month=${nextMonth}&format=tsv`);
    expect(tsv.status).toBe(400);
    expect(tsv.text).toContain('3020: Invalid Date Arguments');
  });

  it('an unknown institution is Exception 2010, not a report', async () => {
    const res = await admin('/admin/usage/counter/dr?month=2025-03&format=json&institution=nowhere');
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text)).toMatchObject({ Code: 2010 });
  });

  it('no Exception Data holds "; ", the separator between Exceptions in the tabular header', async () => {
    for (const month of ['2025-03', thisMonth]) {
      const res = await admin(`/admin/usage/counter/dr?month=${month}&format=json&institution=demo-university`);
      const exceptions = (JSON.parse(res.text) as { Report_Header: Header }).Report_Header.Exceptions!;
      for (const e of exceptions) expect(e.Data ?? '').not.toContain('; ');
    }
  });

  it('the TSV Institution_ID cell is {namespace}:{value}, the proprietary id with the platform ID as namespace', async () => {
    const res = await admin('/admin/usage/counter/dr?month=2025-03&format=tsv&institution=demo-university');
    expect(res.text.split(/\r?\n/).find((row) => row.startsWith('Institution_ID\t'))).toBe('Institution_ID\tpassway:demo-university');
  });

  it('DR as TSV: 13 header rows, row 14 blank, headings, one row per item, Data_Type and Metric_Type', async () => {
    const res = await admin('/admin/usage/counter/dr?month=2025-03&format=tsv&institution=demo-university');
    expect(res.type).toBe('text/tab-separated-values; charset=utf-8');
    expect(res.text.startsWith('\uFEFF')).toBe(true);
    const rows = res.text.slice(1).split('\n');
    expect(rows.slice(0, 8)).toEqual([
      'Report_Name\tDatabase Report',
      'Report_ID\tDR',
      'Release\t5.1',
      'Institution_Name\tDemo University',
      'Institution_ID\tpassway:demo-university',
      'Metric_Types\t',
      'Report_Filters\t',
      'Report_Attributes\t',
    ]);
    expect(rows[8]).toMatch(/^Exceptions\t0: Info \(Derived by Passway, not by the vendor\. [^\t;]+\)$/);
    expect(rows.slice(9, 15)).toEqual([
      'Reporting_Period\tBegin_Date=2025-03-01; End_Date=2025-03-31',
      expect.stringMatching(/^Created\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      `Created_By\tPassway (localhost:${gw.port})`,
      'Registry_Record\t',
      '',
      'Database\tPublisher\tPublisher_ID\tPlatform\tProprietary_ID\tData_Type\tMetric_Type\tReporting_Period_Total\tMar-2025',
    ]);
    expect(rows.slice(15)).toEqual([
      'Reserve Collection\tShop\t\tShop\tpassway:reserve\tDatabase_Full\tLimit_Exceeded\t1\t1',
      'Shop Journals\tShop\t\tShop\tpassway:shop\tDatabase_Full\tSearches_Regular\t2\t2',
      'Shop Journals\tShop\t\tShop\tpassway:shop\tDatabase_Full_Item\tTotal_Item_Investigations\t4\t4',
      'Shop Journals\tShop\t\tShop\tpassway:shop\tDatabase_Full_Item\tTotal_Item_Requests\t4\t4',
      'Shop Journals\tShop\t\tShop\tpassway:shop\tDatabase_Full_Item\tUnique_Item_Investigations\t3\t3',
      'Shop Journals\tShop\t\tShop\tpassway:shop\tDatabase_Full_Item\tUnique_Item_Requests\t3\t3',
      '',
    ]);
  });

  it('public institution identifiers come first in the Institution_ID cell', async () => {
    const res = await admin('/admin/usage/counter/dr_d2?month=2025-03&format=tsv&institution=other-college');
    expect(res.text.split('\n')[4]).toBe('Institution_ID\tROR:05qbk4x57; ISIL:CN-100000-X; passway:other-college');
  });

  it('DR_D1, DR_D2, PR and PR_P1 as TSV', async () => {
    const tsv = async (id: string, extra = '') => (await admin(`/admin/usage/counter/${id}?month=2025-03&format=tsv&institution=demo-university${extra}`)).text.slice(1).split('\n');
    const d1 = await tsv('dr_d1');
    expect(d1[0]).toBe('Report_Name\tDatabase Search and Item Usage');
    expect(d1[5]).toBe('Metric_Types\tSearches_Automated; Searches_Federated; Searches_Regular; Total_Item_Investigations; Total_Item_Requests; Unique_Item_Investigations; Unique_Item_Requests');
    expect(d1[6]).toBe('Report_Filters\tAccess_Method=Regular');
    expect(d1[13]).toBe('');
    expect(d1.slice(14)).toEqual([
      'Database\tPublisher\tPublisher_ID\tPlatform\tProprietary_ID\tMetric_Type\tReporting_Period_Total\tMar-2025',
      'Shop Journals\tShop\t\tShop\tpassway:shop\tSearches_Regular\t2\t2',
      'Shop Journals\tShop\t\tShop\tpassway:shop\tTotal_Item_Investigations\t4\t4',
      'Shop Journals\tShop\t\tShop\tpassway:shop\tTotal_Item_Requests\t4\t4',
      'Shop Journals\tShop\t\tShop\tpassway:shop\tUnique_Item_Investigations\t3\t3',
      'Shop Journals\tShop\t\tShop\tpassway:shop\tUnique_Item_Requests\t3\t3',
      '',
    ]);
    const d2 = await tsv('dr_d2');
    expect(d2[5]).toBe('Metric_Types\tLimit_Exceeded; No_License');
    expect(d2.slice(14)).toEqual([
      'Database\tPublisher\tPublisher_ID\tPlatform\tProprietary_ID\tMetric_Type\tReporting_Period_Total\tMar-2025',
      'Reserve Collection\tShop\t\tShop\tpassway:reserve\tLimit_Exceeded\t1\t1',
      '',
    ]);
    const pr = await tsv('pr', '&attributes_to_show=Access_Method&exclude_monthly_details=True');
    expect(pr[7]).toBe('Report_Attributes\tAttributes_To_Show=Access_Method; Exclude_Monthly_Details=True');
    expect(pr.slice(14)).toEqual([
      'Platform\tData_Type\tAccess_Method\tMetric_Type\tReporting_Period_Total',
      'Shop\tDatabase_Full_Item\tRegular\tTotal_Item_Investigations\t4',
      'Shop\tDatabase_Full_Item\tRegular\tTotal_Item_Requests\t4',
      'Shop\tDatabase_Full_Item\tRegular\tUnique_Item_Investigations\t3',
      'Shop\tDatabase_Full_Item\tRegular\tUnique_Item_Requests\t3',
      'Shop\tPlatform\tRegular\tSearches_Platform\t2',
      '',
    ]);
    const p1 = await tsv('pr_p1');
    expect(p1[5]).toBe('Metric_Types\tSearches_Platform; Total_Item_Requests; Unique_Item_Requests; Unique_Title_Requests');
    expect(p1.slice(14)).toEqual([
      'Platform\tData_Type\tMetric_Type\tReporting_Period_Total\tMar-2025',
      'Shop\tDatabase_Full_Item\tTotal_Item_Requests\t4\t4',
      'Shop\tDatabase_Full_Item\tUnique_Item_Requests\t3\t3',
      'Shop\tPlatform\tSearches_Platform\t2\t2',
      '',
    ]);
  });

  it('defaults to the last complete month and to all institutions', async () => {
    const res = await admin('/admin/usage/counter/pr_p1');
    const header = (JSON.parse(res.text) as { Report_Header: Header & { Institution_Name: string } }).Report_Header;
    expect(header.Report_Filters.Begin_Date).toBe(`${lastMonth}-01`);
    expect(header.Institution_Name).toBe('All institutions');
    expect(counterSchemaErrors('PR_P1', JSON.parse(res.text))).toEqual([]);
  });
});
