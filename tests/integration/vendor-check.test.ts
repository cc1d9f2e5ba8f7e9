import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkResources, defaultDeps, failed, formatCheckReport, Resource, type CheckDeps, type ResourceReport } from '../../resource-catalog';

/** Real HTTP servers on 127.0.0.1; names ending in .test resolve there through the injected lookup, nothing else resolves. */
const lookup: CheckDeps['lookup'] = async (hostname) => {
  if (hostname.endsWith('.test')) return [{ address: '127.0.0.1', family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
};
const deps = defaultDeps({ lookup, timeoutMs: 5000, today: new Date('2026-06-01T00:00:00Z') });

const context = {
  institutions: [{ id: 'uni' }, { id: 'college' }],
  logins: [
    { kind: 'saml', id: 'uni-idp', institution: 'uni', entityID: 'https://idp.uni.example.edu/idp/shibboleth' },
    { kind: 'cas', id: 'college-cas', institution: 'college' },
  ],
};

let server: http.Server;
let port: number;
let deadPort: number;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/moved') res.writeHead(302, { location: `http://elsewhere.test:${port}/landing` }).end();
    else if (req.url === '/inside') res.writeHead(301, { location: '/' }).end();
    else if (req.url === '/broken') res.writeHead(503).end('down');
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>vendor</h1>');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  port = (server.address() as AddressInfo).port;
  const closed = http.createServer();
  await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
  deadPort = (closed.address() as AddressInfo).port;
  await new Promise((done) => closed.close(done));
});
afterAll(() => new Promise((done) => server.close(done)));

function resource(id: string, fields: Partial<Record<keyof Resource, unknown>> = {}): Resource {
  return Resource.parse({
    id,
    title: { en: id },
    vendor: 'Test',
    hosts: [{ host: `${id}.test:${port}`, allowPrivate: true }],
    access: [{ kind: 'proxy', start: `http://${id}.test:${port}/` }],
    licences: [{ institution: 'uni' }],
    ...fields,
  });
}

const statuses = (report: ResourceReport) => report.checks.map((c) => `${c.status} ${c.message}`);
async function checkOne(target: Resource, others: Resource[] = []): Promise<ResourceReport> {
  const [report] = await checkResources([...others, target], context, [target.id], deps);
  return report!;
}

describe('passway vendor check (library)', () => {
  it('passes a good resource: no collisions, resolves, start page answers, WAYFless renders, licence valid', async () => {
    const good = resource('good', {
      access: [
        { kind: 'wayfless', template: `http://good.test:${port}/Shibboleth.sso/Login?entityID={entityIDEncoded}&target={targetEncoded}` },
        { kind: 'proxy', start: `http://good.test:${port}/inside` },
      ],
    });
    const report = await checkOne(good);
    expect(report.checks.every((c) => c.status === 'pass')).toBe(true);
    expect(statuses(report)).toEqual([
      'pass host claims overlap no other resource',
      `pass host good.test:${port} resolves to 127.0.0.1`,
      `pass start http://good.test:${port}/inside answers 200 after redirects, at http://good.test:${port}/`,
      `pass WAYFless for uni renders: http://good.test:${port}/Shibboleth.sso/Login?entityID=https%3A%2F%2Fidp.uni.example.edu%2Fidp%2Fshibboleth&target=http%3A%2F%2Fgood.test%3A${port}%2Finside`,
      'pass licence for uni',
    ]);
    expect(failed([report])).toBe(false);
  });

  it('fails a dead start URL and a 5xx start page', async () => {
    const dead = resource('dead', { hosts: [{ host: `dead.test:${deadPort}`, allowPrivate: true }], access: [{ kind: 'proxy', start: `http://dead.test:${deadPort}/` }] });
    const report = await checkOne(dead);
    expect(statuses(report)).toContain(`fail start http://dead.test:${deadPort}/ does not answer: ECONNREFUSED`);
    expect(failed([report])).toBe(true);

    const broken = await checkOne(resource('broken', { access: [{ kind: 'direct', url: `http://broken.test:${port}/broken` }] }));
    expect(statuses(broken)).toContain(`fail start http://broken.test:${port}/broken answers 503`);
  });

  it('warns about a redirect to a host the resource does not claim, and where it ends', async () => {
    const report = await checkOne(resource('hop', { access: [{ kind: 'proxy', start: `http://hop.test:${port}/moved` }] }));
    expect(statuses(report)).toEqual(
      expect.arrayContaining([
        `warn start http://hop.test:${port}/moved redirects to http://elsewhere.test:${port}/landing: host elsewhere.test:${port} is not claimed; add this host to hosts`,
        `pass start http://hop.test:${port}/moved answers 200 after redirects, at http://elsewhere.test:${port}/landing`,
      ]),
    );
    expect(failed([report])).toBe(false);
  });

  it('fails colliding host claims, including a host inside another resource\'s domain', async () => {
    const wide = resource('wide', { hosts: [{ host: `shared.test:${port}`, match: 'domain', allowPrivate: true }], access: [{ kind: 'proxy', start: `http://shared.test:${port}/` }] });
    const narrow = resource('narrow', { hosts: [{ host: `www.shared.test:${port}`, allowPrivate: true }], access: [{ kind: 'proxy', start: `http://www.shared.test:${port}/` }] });
    const reports = await checkResources([wide, narrow], context, undefined, deps);
    expect(statuses(reports[1]!)).toContain(`fail host "www.shared.test:${port}" overlaps domain "shared.test:${port}" claimed by resource "wide"`);
    expect(statuses(reports[0]!)).toContain(`fail resource "narrow" claims "www.shared.test:${port}", which overlaps "shared.test:${port}" claimed here`);
    expect(failed(reports)).toBe(true);
  });

  it('warns when a WAYFless template goes to a host the resource does not claim, or an institution has no SAML login', async () => {
    const report = await checkOne(
      resource('sso', {
        access: [{ kind: 'wayfless', template: 'https://sso.vendor.example/start?idp={entityIDEncoded}', institutions: ['uni', 'college'] }],
      }),
    );
    expect(statuses(report)).toEqual(
      expect.arrayContaining([
        'warn WAYFless for uni goes to sso.vendor.example, which the resource does not claim and is not a known vendor sign-in host: https://sso.vendor.example/start?idp=https%3A%2F%2Fidp.uni.example.edu%2Fidp%2Fshibboleth',
        'warn WAYFless for college: no SAML login for this institution, so its users will not be sent this way',
      ]),
    );
    expect(failed([report])).toBe(false);
  });

  it('fails a host resolving to a private address without allowPrivate, and a name that does not resolve', async () => {
    const report = await checkOne(resource('inside', { hosts: [{ host: `inside.test:${port}` }, { host: 'nowhere.invalid' }] }));
    expect(statuses(report)).toEqual(
      expect.arrayContaining([
        `fail host inside.test:${port} resolves to an address the proxy refuses (127.0.0.1: loopback); set allowPrivate only for on-campus or demo services`,
        'fail host nowhere.invalid does not resolve (ENOTFOUND)',
      ]),
    );
  });

  it('fails a licence naming an unknown institution and warns about an expired one', async () => {
    const report = await checkOne(resource('lic', { licences: [{ institution: 'ghost' }, { institution: 'uni', until: '2026-01-31' }] }));
    expect(statuses(report)).toEqual(expect.arrayContaining(['fail licence names unknown institution "ghost"', 'warn licence for uni ended on 2026-01-31']));
  });

  it('prints ✓, ! and ✗ per check, grouped per resource, with a summary', async () => {
    const reports = await checkResources([resource('good'), resource('lic', { licences: [{ institution: 'ghost' }] })], context, undefined, deps);
    const text = formatCheckReport(reports);
    expect(text).toMatch(/^good — good\n {2}✓ host claims overlap no other resource\n/);
    expect(text).toContain('\nlic — lic\n');
    expect(text).toContain('  ✗ licence names unknown institution "ghost"');
    expect(text).toMatch(/2 resources: \d+ passed, 0 warnings, 1 failed$/);
  });
});
