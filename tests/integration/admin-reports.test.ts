import request from 'supertest';
import { adminGateway, identity } from './admin-harness';

const { gateway, signedIn, asked } = adminGateway();
const librarian = identity({ subject: 'lib', groups: ['library-staff'] });
let cookie = '';
beforeAll(async () => {
  cookie = await signedIn(librarian);
});
const get = (path: string) => request(gateway.handle).get(path).set('Cookie', cookie);

describe('usage reports', () => {
  it('shows totals, charts with text alternatives and the table for the chosen week', async () => {
    const res = await get('/admin/usage?from=2025-03-03&to=2025-03-09');
    expect(res.status).toBe(200);
    expect(asked.at(-1)).toEqual({ from: '2025-03-03', to: '2025-03-09' });
    const totals = [...res.text.matchAll(/<dt>([^<]+)<\/dt><dd>([^<]+)<\/dd>/g)].map((m) => [m[1], m[2]]);
    expect(totals).toEqual([
      ['Campus sign-ins', '4'], ['Database launches', '11'], ['Unique users', '7'], ['Denials', '3'], ['Off campus', '9'], ['On campus', '2'],
    ]);
    expect(res.text).toMatch(/<svg class="chart" role="img" aria-labelledby="[^"]+"/);
    expect(res.text).toContain('<title id="chart-');
    expect(res.text).toContain('Journal Platform: 6; CNKI, China Academic Journals: 5');
    expect(res.text).toContain('not-licensed: 1');
    expect(res.text).toContain('<th scope="row">Journal Platform</th><td>6</td><td>6</td><td>0</td><td>3</td><td>2.5 MB</td>');
    expect(res.text).toContain('<th scope="row">CNKI, China Academic Journals</th><td>5</td><td>3</td><td>2</td><td>0</td><td>1.0 KB</td>');
    expect(res.text).not.toContain('<th scope="col">MB</th>');
    expect(res.text).not.toMatch(/<script/);
  });

  it('defaults to the last 30 days and passes the filters on', async () => {
    await get('/admin/usage');
    const f = asked.at(-1)!;
    expect(Date.parse(f.to) - Date.parse(f.from)).toBe(29 * 86_400_000);
    await get('/admin/usage?from=2025-03-09&to=2025-03-03&institution=other&affiliation=student&resource=journals');
    expect(asked.at(-1)).toEqual({ from: '2025-03-03', to: '2025-03-09', institution: 'other', affiliation: 'student', resource: 'journals' });
  });

  it('is bilingual', async () => {
    const res = await get('/admin/usage?from=2025-03-03&to=2025-03-09').set('Accept-Language', 'zh-CN,zh;q=0.9');
    expect(res.text).toContain('使用统计');
    expect(res.text).toContain('中国知网');
    expect(res.headers['content-language']).toBe('zh-CN');
  });

  it('exports CSV with a BOM, CRLF lines and proper quoting', async () => {
    const res = await get('/admin/usage.csv?from=2025-03-03&to=2025-03-09').set('Accept-Language', 'zh-CN').buffer(true).parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="passway-usage-2025-03-03-2025-03-09.csv"');
    const body = res.body as Buffer;
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = body.toString('utf8').slice(1).split('\r\n');
    // Every counted figure: sign-ins and their failures by reason, launches and denials by reason, proxied traffic,
    // seat refusals, suspensions and requests shed under overload.
    // The first row names the columns in the reader's language, the second gives their codes.
    expect(lines[0]).toBe(
      '日期,数据库代码,数据库,机构代码,机构,身份,登录或访问方式,校内,登录次数,登录失败,登录失败: no-attributes,登录失败: saml-error,'
      + '访问次数,拒绝次数,拒绝次数: 身份不在许可范围内,拒绝次数: not-licensed,代理请求,传输字节数,条目请求,唯一条目请求,检索次数,并发名额已满被拒,暂停访问次数,网关过载被拒',
    );
    expect(lines[1]).toBe(
      'day,resource,resource_name,institution,institution_name,affiliation,method,on_campus,logins,login_failures,login_failed_no-attributes,login_failed_saml-error,'
      + 'launches,denials,denied_affiliation-not-licensed,denied_not-licensed,requests,bytes,item_requests,unique_item_requests,searches,seat_refusals,suspensions,overload_shed',
    );
    expect(lines).toContain('2025-03-03,,,uni,示例大学,faculty,cas,false,4,3,2,1,0,0,0,0,0,0,0,0,0,0,0,0');
    expect(lines).toContain('2025-03-03,cnki,中国知网,uni,示例大学,student,direct,true,0,0,0,0,2,0,0,0,0,0,0,0,0,0,0,0');
    expect(lines).toContain('2025-03-03,journals,期刊平台,uni,示例大学,faculty,proxy,false,0,0,0,0,5,1,0,1,40,2000000,5,4,3,2,1,3');
    expect(lines.at(-1)).toBe('');
    const en = await get('/admin/usage.csv?from=2025-03-03&to=2025-03-03&resource=cnki');
    expect(en.text).toContain('"CNKI, China Academic Journals"');
  });

  it('serves the same numbers as JSON at /api/v1/usage to a librarian session or a bearer token', async () => {
    const res = await get('/api/v1/usage?from=2025-03-03&to=2025-03-09&institution=other');
    expect(res.status).toBe(200);
    expect(res.body.filter).toEqual({ from: '2025-03-03', to: '2025-03-09', institution: 'other' });
    expect(res.body.totals).toEqual({ logins: 0, launches: 1, denials: 2, bytes: 500_000, uniqueUsers: 1, onCampus: 0, offCampus: 1 });
    expect(res.body.rows).toHaveLength(1);
    const token = await request(gateway.handle).get('/api/v1/usage?from=2025-03-03&to=2025-03-09').set('Authorization', 'Bearer password');
    expect(token.status).toBe(200);
    expect(token.body.totals.launches).toBe(11);
  });

  it('refuses the API without a role or with a wrong token', async () => {
    expect((await request(gateway.handle).get('/api/v1/usage')).status).toBe(401);
    expect((await request(gateway.handle).get('/api/v1/usage').set('Authorization', 'Bearer nope')).status).toBe(401);
    const reader = await signedIn(identity());
    const res = await request(gateway.handle).get('/api/v1/usage').set('Cookie', reader);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'librarian-role-required' });
  });

  it('serves COUNTER R5.1 DR and PR for a month as JSON and TSV', async () => {
    const dr = await get('/admin/usage/counter/dr?month=2025-03&format=json');
    expect(dr.status).toBe(200);
    expect(asked.at(-1)).toEqual({ from: '2025-03-01', to: '2025-03-31' });
    expect(dr.body.Report_Header).toMatchObject({ Report_ID: 'DR', Release: '5.1', Report_Name: 'Database Report', Institution_Name: 'All institutions' });
    expect(dr.body.Report_Items).toEqual([expect.objectContaining({
      Database: 'Journal Platform',
      Attribute_Performance: [
        { Data_Type: 'Database_Full', Performance: { No_License: { '2025-03': 3 }, Searches_Regular: { '2025-03': 4 } } },
        { Data_Type: 'Database_Full_Item', Performance: {
          Total_Item_Investigations: { '2025-03': 7 }, Total_Item_Requests: { '2025-03': 7 }, Unique_Item_Investigations: { '2025-03': 6 }, Unique_Item_Requests: { '2025-03': 6 },
        } },
      ],
    })]);
    const pr = await get('/admin/usage/counter/pr?month=2025-03&format=tsv&institution=uni');
    expect(pr.headers['content-type']).toBe('text/tab-separated-values; charset=utf-8');
    const lines = pr.text.replace(/^\uFEFF/, '').split('\n');
    expect(lines[0]).toBe('Report_Name\tPlatform Report');
    expect(lines[3]).toBe('Institution_Name\tExample University');
    expect(lines[14]).toBe('Platform\tData_Type\tMetric_Type\tReporting_Period_Total\tMar-2025');
    expect(lines.slice(15, 20)).toEqual([
      'Publisher\tDatabase_Full_Item\tTotal_Item_Investigations\t5\t5',
      'Publisher\tDatabase_Full_Item\tTotal_Item_Requests\t5\t5',
      'Publisher\tDatabase_Full_Item\tUnique_Item_Investigations\t4\t4',
      'Publisher\tDatabase_Full_Item\tUnique_Item_Requests\t4\t4',
      'Publisher\tPlatform\tSearches_Platform\t3\t3',
    ]);
  });

  it('explains a bad COUNTER request', async () => {
    expect((await get('/admin/usage/counter/xx?month=2025-03')).status).toBe(400);
    expect((await get('/admin/usage/counter/dr?month=2025-13')).status).toBe(400);
    expect((await get('/admin/usage/counter/dr?month=2025-03&format=xml')).status).toBe(400);
  });
});
