/**
 * COUNTER R5.1 Title and Item Reports (TR, TR_J1, TR_B1, IR) through the real gateway: readers
 * request item URLs of a real upstream on 127.0.0.1 through the rewriting proxy, the catalog's
 * item patterns capture DOIs, vendor ids, ISSNs and ISBNs, and the reports count them exactly,
 * Unique_Item_Requests and Unique_Title_Requests once per user session. Every JSON report is
 * validated against the COUNTER API 5.1 schema (tests/helpers/counter-r51-schema.ts); the
 * aggregates are recounted from the usage log by `rebuildUsage`.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Resource } from '../../resource-catalog/schema';
import { MemoryStore } from '../../gateway/store';
import { createUsageLog, queryItems, rebuildUsage, type UsageLog } from '../../gateway/usage';
import { counterSchemaErrors } from '../helpers/counter-r51-schema';
import { get, member, proxiedHost, signedIn, startGateway, type RunningGateway } from './proxy-harness';

const KEY = 'celus-harvest-key-0001';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const RECORDED = new Date('2025-03-10T04:00:00Z');
const MARCH = { begin_date: '2025-03', end_date: '2025-03' };
const ALL_MARCH = { from: '2025-03-01', to: '2025-03-31' };

let upstream: http.Server;
let port: number;
let gw: RunningGateway;
let usage: UsageLog;
let store: MemoryStore;
let dir: string;
let librarian: string;

const PATTERNS = {
  journals: {
    item: [
      '/doi/pdf/(?<doi>10\\.\\d{4,9}/[^?#]+)$',
      '/journal/(?<online_issn>\\d{4}-?\\d{3}[\\dXx])/article/(?<item>\\d+)\\.pdf$',
    ],
    search: ['/search\\?'],
  },
  books: { item: ['/book/(?<isbn>97[89][-\\d]+)/chapter/(?<item>\\d+)\\.pdf$', '/ebook/(?<book>[a-z]+)/ch(?<item>\\d+)$'] },
  plain: { item: ['/item/\\d+\\.pdf$'] },
};

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': req.url?.endsWith('.pdf') ? 'application/pdf' : 'text/plain' });
    res.end(req.url);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  port = (upstream.address() as AddressInfo).port;
  dir = mkdtempSync(path.join(tmpdir(), 'passway-counter-items-'));
  store = new MemoryStore();
  usage = createUsageLog({ dir, store, pseudonymKey: 'counter-items-pseudonym-key-0123456789', timeZone: 'UTC', now: () => RECORDED });
  // Three databases on one upstream, told apart by host name (localhost, 127.0.0.1, and the IPv4 name of localhost).
  const resource = (id: string, title: string, vendor: string, host: string, patterns: object) => ({
    id, title: { en: title }, vendor, hosts: [{ host: `${host}:${port}`, allowPrivate: true }],
    access: [{ kind: 'proxy' as const, start: `http://${host}:${port}/` }], licences: [{ institution: 'demo-university' }], patterns,
  });
  gw = await startGateway(
    () => ({
      institutions: [{ id: 'demo-university', name: { en: 'Demo University' } }],
      resources: [
        resource('journals', 'Shop Journals', 'Shop', 'localhost', PATTERNS.journals),
        resource('books', 'Shop Books', 'Shop Books', '127.0.0.1', PATTERNS.books),
        resource('plain', 'Plain Archive', 'Plain', 'localhost.localdomain', PATTERNS.plain),
      ],
      usage: { dir, timeZone: 'UTC' },
      proxy: { summaryEveryRequests: 1000 },
      counter: { requestors: [{ id: 'celus', name: 'CELUS', apiKeySha256: sha256(KEY) }] },
      admin: { roles: { librarians: { subjects: ['demo-university:librarian'] } } },
    }),
    { store, usage, resolve: async (name) => (name === 'localhost' || name === 'localhost.localdomain' ? ['127.0.0.1'] : []) },
  );

  const journals = proxiedHost(`localhost---http-${port}`, gw.port);
  const books = proxiedHost(`127-0-0-1---http-${port}`, gw.port);
  const plain = proxiedHost(`localhost-localdomain---http-${port}`, gw.port);
  librarian = await signedIn(gw.gateway, member({ subject: 'librarian' }));
  const a1 = await signedIn(gw.gateway, member({ subject: 'reader-a' }));
  const a2 = await signedIn(gw.gateway, member({ subject: 'reader-a' })); // the same reader's second session
  const b = await signedIn(gw.gateway, member({ subject: 'reader-b' }));
  const script: [string, string, string][] = [
    // The DOI'd article: reader A twice in one session (one unique), again in A's second session, once by B.
    [a1, journals, '/doi/pdf/10.1234/abc.5'], [a1, journals, '/doi/pdf/10.1234/abc.5'], [a2, journals, '/doi/pdf/10.1234/abc.5'], [b, journals, '/doi/pdf/10.1234/abc.5'],
    // An article of journal 1234-567X (its URL leaves the hyphen out), twice by A; a second article of it by B.
    [a1, journals, '/journal/1234567x/article/7.pdf'], [a1, journals, '/journal/1234567x/article/7.pdf'], [b, journals, '/journal/1234567x/article/8.pdf'],
    [a1, journals, '/search?q=x'], [a1, journals, '/about'],
    // Book 978-7-111-11111-1: chapters 1 (twice) and 2 by A, chapter 1 by B; book "algebra" (a vendor id): chapter 3 by B.
    [a1, books, '/book/978-7-111-11111-1/chapter/1.pdf'], [a1, books, '/book/978-7-111-11111-1/chapter/1.pdf'], [a1, books, '/book/978-7-111-11111-1/chapter/2.pdf'],
    [b, books, '/book/978-7-111-11111-1/chapter/1.pdf'], [b, books, '/ebook/algebra/ch3'],
    // Items without identifiers: counted for the database, not per item.
    [a1, plain, '/item/1.pdf'], [b, plain, '/item/2.pdf'],
  ];
  for (const [cookie, host, pathname] of script) {
    const res = await get(gw.port, host, pathname, { cookie });
    expect(res.statusCode).toBe(200);
    await res.body.text();
  }
  await gw.gateway.proxy.flushUsage();
  await usage.settle();
});

afterAll(async () => {
  await gw?.close();
  await usage?.close();
  await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const report = async (id: string, params: Record<string, string> = {}) => {
  const query = new URLSearchParams({ customer_id: 'demo-university', requestor_id: 'celus', api_key: KEY, ...MARCH, ...params });
  const res = await get(gw.port, `localhost:${gw.port}`, `/counter/r51/reports/${id}?${query.toString()}`);
  const body = (await res.body.json()) as { Report_Header: { Exceptions: { Code: number }[]; Report_Filters: unknown; Report_Attributes?: unknown }; Report_Items: unknown[] };
  expect(res.statusCode).toBe(200);
  expect(counterSchemaErrors(id.toUpperCase(), body)).toEqual([]);
  return body;
};
const codes = (body: { Report_Header: { Exceptions: { Code: number }[] } }) => body.Report_Header.Exceptions.map((e) => e.Code);
const m = (n: number) => ({ '2025-03': n });

describe('the catalog: item patterns name what they capture', () => {
  const entry = (item: string[]) => Resource.safeParse({ id: 'x', title: { en: 'X' }, vendor: 'X', hosts: [{ host: 'x.example' }], access: [{ kind: 'direct', url: 'https://x.example/' }], patterns: { item } });
  it('accepts the groups of the Item and Title Reports', () => {
    for (const item of Object.values(PATTERNS).flatMap((p) => p.item)) expect(entry([item]).success).toBe(true);
  });
  it.each([
    ['/a/(?<issn>\\d+)/(?<item>\\d+)', 'unknown capture group (?<issn>…)'],
    ['/journal/(?<online_issn>\\d{8})/latest', 'captures a title (online_issn) but not the item'],
    ['/(?<journal>\\w+)/(?<isbn>\\d+)/(?<item>\\d+)', 'one pattern is one kind of title'],
    ['/(?<item>[', 'not a regular expression'],
  ])('refuses %s', (item, message) => {
    const result = entry([item]);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(message);
  });
});

describe('COUNTER API: Title and Item Reports', () => {
  it('lists TR, TR_B1, TR_J1 and IR', async () => {
    const res = await get(gw.port, `localhost:${gw.port}`, `/counter/r51/reports?${new URLSearchParams({ customer_id: 'demo-university', requestor_id: 'celus', api_key: KEY }).toString()}`);
    const list = (await res.body.json()) as { Report_ID: string; Path: string }[];
    expect(counterSchemaErrors('reports', list)).toEqual([]);
    expect(list.map((r) => r.Report_ID)).toEqual(['DR', 'DR_D1', 'DR_D2', 'PR', 'PR_P1', 'TR', 'TR_B1', 'TR_J1', 'IR']);
    expect(list.find((r) => r.Report_ID === 'TR_J1')!.Path).toBe('/r51/reports/tr_j1');
  });

  it('IR: each identified item, Total_Item_Requests and Unique_Item_Requests once per session', async () => {
    const body = await report('ir');
    expect(codes(body)).toEqual([0]);
    const perf = (total: number, unique: number) => ({ Total_Item_Investigations: m(total), Total_Item_Requests: m(total), Unique_Item_Investigations: m(unique), Unique_Item_Requests: m(unique) });
    expect(body.Report_Items).toEqual([{ Items: [
      { Item: '1', Publisher: 'Shop Books', Platform: 'Shop Books', Item_ID: { Proprietary: 'passway:books/1' }, Attribute_Performance: [{ Data_Type: 'Book_Segment', Performance: perf(3, 2) }] },
      { Item: '10.1234/abc.5', Publisher: 'Shop', Platform: 'Shop', Item_ID: { DOI: '10.1234/abc.5' }, Attribute_Performance: [{ Data_Type: 'Database_Full_Item', Performance: perf(4, 3) }] },
      { Item: '2', Publisher: 'Shop Books', Platform: 'Shop Books', Item_ID: { Proprietary: 'passway:books/2' }, Attribute_Performance: [{ Data_Type: 'Book_Segment', Performance: perf(1, 1) }] },
      { Item: '3', Publisher: 'Shop Books', Platform: 'Shop Books', Item_ID: { Proprietary: 'passway:books/3' }, Attribute_Performance: [{ Data_Type: 'Book_Segment', Performance: perf(1, 1) }] },
      { Item: '7', Publisher: 'Shop', Platform: 'Shop', Item_ID: { Proprietary: 'passway:journals/7' }, Attribute_Performance: [{ Data_Type: 'Article', Performance: perf(2, 1) }] },
      { Item: '8', Publisher: 'Shop', Platform: 'Shop', Item_ID: { Proprietary: 'passway:journals/8' }, Attribute_Performance: [{ Data_Type: 'Article', Performance: perf(1, 1) }] },
    ] }]);
  });

  it('IR with Include_Parent_Details: items under their journal or book, the others last', async () => {
    const body = await report('ir', { include_parent_details: 'True', metric_type: 'Total_Item_Requests|Unique_Item_Requests', attributes_to_show: 'Access_Type|YOP' });
    expect(body.Report_Header.Report_Attributes).toEqual({ Attributes_To_Show: ['YOP', 'Access_Type'], Include_Parent_Details: 'True' });
    const groups = body.Report_Items as { Title?: string; Data_Type?: string; Item_ID?: unknown; Items: { Item: string; Attribute_Performance: unknown[] }[] }[];
    expect(groups.map((g) => [g.Title, g.Data_Type, g.Item_ID, g.Items.map((i) => i.Item)])).toEqual([
      ['1234-567X', 'Journal', { Online_ISSN: '1234-567X' }, ['7', '8']],
      ['978-7-111-11111-1', 'Book', { ISBN: '978-7-111-11111-1' }, ['1', '2']],
      ['algebra', 'Book', { Proprietary: 'passway:books/algebra' }, ['3']],
      [undefined, undefined, undefined, ['10.1234/abc.5']],
    ]);
    expect(groups[0]!.Items[0]!.Attribute_Performance).toEqual([{ Data_Type: 'Article', YOP: '0001', Access_Type: 'Controlled', Performance: { Total_Item_Requests: m(2), Unique_Item_Requests: m(1) } }]);
  });

  it('TR: one row per journal or book; Unique_Title_Requests for books, once per session', async () => {
    const body = await report('tr', { attributes_to_show: 'Access_Method' });
    expect(codes(body)).toEqual([0]);
    expect(body.Report_Items).toEqual([
      { Title: '1234-567X', Publisher: 'Shop', Platform: 'Shop', Item_ID: { Online_ISSN: '1234-567X' }, Attribute_Performance: [{ Data_Type: 'Journal', Access_Method: 'Regular', Performance: {
        Total_Item_Investigations: m(3), Total_Item_Requests: m(3), Unique_Item_Investigations: m(2), Unique_Item_Requests: m(2),
      } }] },
      { Title: '978-7-111-11111-1', Publisher: 'Shop Books', Platform: 'Shop Books', Item_ID: { ISBN: '978-7-111-11111-1' }, Attribute_Performance: [{ Data_Type: 'Book', Access_Method: 'Regular', Performance: {
        Total_Item_Investigations: m(4), Total_Item_Requests: m(4), Unique_Item_Investigations: m(3), Unique_Item_Requests: m(3), Unique_Title_Investigations: m(2), Unique_Title_Requests: m(2),
      } }] },
      { Title: 'algebra', Publisher: 'Shop Books', Platform: 'Shop Books', Item_ID: { Proprietary: 'passway:books/algebra' }, Attribute_Performance: [{ Data_Type: 'Book', Access_Method: 'Regular', Performance: {
        Total_Item_Investigations: m(1), Total_Item_Requests: m(1), Unique_Item_Investigations: m(1), Unique_Item_Requests: m(1), Unique_Title_Investigations: m(1), Unique_Title_Requests: m(1),
      } }] },
    ]);
  });

  it('TR_J1 and TR_B1: the Standard Views with their pre-set filters', async () => {
    const j1 = await report('tr_j1');
    expect(j1.Report_Header.Report_Filters).toEqual({
      Begin_Date: '2025-03-01', End_Date: '2025-03-31', Data_Type: ['Journal'], Access_Type: ['Controlled'], Access_Method: ['Regular'], Metric_Type: ['Total_Item_Requests', 'Unique_Item_Requests'],
    });
    expect(j1.Report_Items).toEqual([{ Title: '1234-567X', Publisher: 'Shop', Platform: 'Shop', Item_ID: { Online_ISSN: '1234-567X' }, Attribute_Performance: [{ Performance: { Total_Item_Requests: m(3), Unique_Item_Requests: m(2) } }] }]);
    const b1 = await report('tr_b1');
    expect((b1.Report_Items as { Title: string; Attribute_Performance: unknown[] }[]).map((t) => [t.Title, t.Attribute_Performance])).toEqual([
      ['978-7-111-11111-1', [{ Data_Type: 'Book', YOP: '0001', Performance: { Total_Item_Requests: m(4), Unique_Title_Requests: m(2) } }]],
      ['algebra', [{ Data_Type: 'Book', YOP: '0001', Performance: { Total_Item_Requests: m(1), Unique_Title_Requests: m(1) } }]],
    ]);
  });

  it('a platform whose item patterns capture no ids: an empty report with 3030, not a 404', async () => {
    for (const id of ['tr', 'ir', 'tr_j1']) {
      const body = await report(id, { platform: 'Plain' });
      expect(body.Report_Items).toEqual([]);
      expect(codes(body)).toEqual([3030, 0]);
    }
  });

  it('filters it cannot apply are said so (3060), and unknown parameters (3050)', async () => {
    const body = await report('tr', { yop: '2020', access_type: 'Open', granularity: 'Total', include_parent_details: 'True' });
    expect(codes(body)).toEqual([3030, 3050, 3060, 3062, 0]);
    expect(body.Report_Items).toEqual([]); // Access_Type Open: Passway's usage is all Controlled
  });

  it('TSV: TR_J1 and IR rows in the column order of the Code of Practice (Tables 4.j, 4.k, 4.p)', async () => {
    const tsv = async (id: string, extra = '') => {
      const res = await get(gw.port, `localhost:${gw.port}`, `/admin/usage/counter/${id}?month=2025-03&format=tsv&institution=demo-university${extra}`, { cookie: librarian });
      expect(res.statusCode).toBe(200);
      return new TextDecoder('utf-8', { ignoreBOM: true }).decode(Buffer.from(await res.body.arrayBuffer())).slice(1).split('\n');
    };
    const j1 = await tsv('tr_j1');
    expect(j1.slice(0, 3)).toEqual(['Report_Name\tJournal Requests (Controlled)', 'Report_ID\tTR_J1', 'Release\t5.1']);
    expect(j1.slice(5, 7)).toEqual(['Metric_Types\tTotal_Item_Requests; Unique_Item_Requests', 'Report_Filters\tData_Type=Journal; Access_Type=Controlled; Access_Method=Regular']);
    expect(j1[13]).toBe('');
    expect(j1.slice(14)).toEqual([
      'Title\tPublisher\tPublisher_ID\tPlatform\tDOI\tProprietary_ID\tPrint_ISSN\tOnline_ISSN\tURI\tMetric_Type\tReporting_Period_Total\tMar-2025',
      '1234-567X\tShop\t\tShop\t\t\t\t1234-567X\t\tTotal_Item_Requests\t3\t3',
      '1234-567X\tShop\t\tShop\t\t\t\t1234-567X\t\tUnique_Item_Requests\t2\t2',
      '',
    ]);
    const b1 = await tsv('tr_b1');
    expect(b1[14]).toBe('Title\tPublisher\tPublisher_ID\tPlatform\tDOI\tProprietary_ID\tISBN\tPrint_ISSN\tOnline_ISSN\tURI\tData_Type\tYOP\tMetric_Type\tReporting_Period_Total\tMar-2025');
    expect(b1[15]).toBe('978-7-111-11111-1\tShop Books\t\tShop Books\t\t\t978-7-111-11111-1\t\t\t\tBook\t0001\tTotal_Item_Requests\t4\t4');
    const ir = await tsv('ir', '&metric_type=Total_Item_Requests|Unique_Item_Requests&include_parent_details=True');
    expect(ir[7]).toBe('Report_Attributes\tInclude_Parent_Details=True');
    expect(ir[14]).toBe([
      'Item', 'Publisher', 'Publisher_ID', 'Platform', 'DOI', 'Proprietary_ID', 'ISBN', 'Print_ISSN', 'Online_ISSN', 'URI', 'Parent_Title', 'Parent_Authors', 'Parent_Publication_Date',
      'Parent_Article_Version', 'Parent_Data_Type', 'Parent_DOI', 'Parent_Proprietary_ID', 'Parent_ISBN', 'Parent_Print_ISSN', 'Parent_Online_ISSN', 'Parent_URI', 'Data_Type', 'Metric_Type',
      'Reporting_Period_Total', 'Mar-2025',
    ].join('\t'));
    expect(ir.slice(15, 17)).toEqual([
      '7\tShop\t\tShop\t\tpassway:journals/7\t\t\t\t\t1234-567X\t\t\t\tJournal\t\t\t\t\t1234-567X\t\tArticle\tTotal_Item_Requests\t2\t2',
      '7\tShop\t\tShop\t\tpassway:journals/7\t\t\t\t\t1234-567X\t\t\t\tJournal\t\t\t\t\t1234-567X\t\tArticle\tUnique_Item_Requests\t1\t1',
    ]);
    expect(ir.at(-2)).toBe('10.1234/abc.5\tShop\t\tShop\t10.1234/abc.5\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\tDatabase_Full_Item\tUnique_Item_Requests\t3\t3');
  });
});

describe('rebuild', () => {
  it('recounts items and titles from the usage log exactly', async () => {
    const before = await queryItems(store, ALL_MARCH);
    expect(before.items.reduce((n, i) => n + i.requests, 0)).toBe(12);
    const fresh = new MemoryStore();
    await rebuildUsage(fresh, dir);
    expect(await queryItems(fresh, ALL_MARCH)).toEqual(before);
    // On the live store: cleared, then counted again, never twice.
    const ir = await report('ir');
    await rebuildUsage(store, dir);
    expect(await queryItems(store, ALL_MARCH)).toEqual(before);
    expect((await report('ir')).Report_Items).toEqual(ir.Report_Items);
  });
});
