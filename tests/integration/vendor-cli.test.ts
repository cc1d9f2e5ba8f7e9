import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { PACKAGE_ROOT } from '../../config';
import { CatalogFile, listPresets, readCatalogFile } from '../../resource-catalog';
import { runCli } from '../helpers/process';

const temp = () => mkdtempSync(path.join(tmpdir(), 'passway-vendor-'));
const FIXTURE = path.join(PACKAGE_ROOT, 'tests', 'fixtures', 'ezproxy', 'config.txt');

describe('passway vendor add', () => {
  it('--list lists every preset', async () => {
    const result = await runCli(['vendor', 'add', '--list']);
    expect(result.code).toBe(0);
    for (const name of listPresets()) expect(result.stdout).toMatch(new RegExp(`^${name} `, 'm'));
  });

  it('prints a valid catalog entry to stdout', async () => {
    const result = await runCli(['vendor', 'add', '--preset', 'ieee-xplore', '--institution', 'uni']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^# from preset "ieee-xplore"/);
    const catalog = CatalogFile.parse(parse(result.stdout));
    expect(catalog.resources.map((r) => [r.id, r.licences[0]?.institution])).toEqual([['ieee-xplore', 'uni']]);
  });

  it('writes into a catalog file and refuses an id or host already there (exit 2)', async () => {
    const file = path.join(temp(), 'catalog.yaml');
    const first = await runCli(['vendor', 'add', '--preset', 'wiley', '--institution', 'uni', '--catalog', file]);
    expect(first.stdout).toContain(`created ${file}: wiley (Wiley Online Library)`);
    expect(first.code).toBe(0);
    const second = await runCli(['vendor', 'add', '--preset', 'rsc', '--institution', 'uni', '--catalog', file]);
    expect(second.code).toBe(0);
    expect(readCatalogFile(file)).toMatchObject({ ok: true, resources: [{ id: 'wiley' }, { id: 'rsc' }] });

    const sameId = await runCli(['vendor', 'add', '--preset', 'wiley', '--institution', 'uni', '--catalog', file]);
    expect(sameId.code).toBe(2);
    expect(sameId.stderr).toContain('id "wiley" is already in the catalog; choose another with --id');
    const sameHost = await runCli(['vendor', 'add', '--preset', 'wiley', '--institution', 'uni', '--catalog', file, '--id', 'wiley-2']);
    expect(sameHost.code).toBe(2);
    expect(sameHost.stderr).toContain('host "onlinelibrary.wiley.com" is already claimed by resource "wiley"');
    expect(readCatalogFile(file).resources).toHaveLength(2);
  });

  it('exits 2 for an unknown preset or a missing institution', async () => {
    const unknown = await runCli(['vendor', 'add', '--preset', 'nope', '--institution', 'uni']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown preset "nope"; presets: .*cnki/);
    const missing = await runCli(['vendor', 'add', '--preset', 'cnki']);
    expect(missing.code).toBe(2);
  });
});

describe('passway vendor import-ezproxy', () => {
  it('writes the catalog, reports what it could not convert and exits 1', async () => {
    const out = path.join(temp(), 'imported.yaml');
    const result = await runCli(['vendor', 'import-ezproxy', FIXTURE, '--institution', 'uni', '--out', out]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('10 of 12 stanzas imported');
    expect(result.stdout).toContain('✗ config.txt:4: Option Cookie');
    expect(result.stdout).toContain(`wrote 10 entries to ${out}`);
    const read = readCatalogFile(out);
    expect(read.ok).toBe(true);
    expect(read.resources).toHaveLength(10);
    expect(readFileSync(out, 'utf8')).toMatch(/^# imported from EZproxy/);
  });

  it('exits 0 when everything converted (catalog on stdout, report on stderr) and 2 on unreadable input', async () => {
    const dir = temp();
    const file = path.join(dir, 'config.txt');
    writeFileSync(file, 'T ACM Digital Library\nU https://dl.acm.org\nHJ dl.acm.org\nDJ acm.org\n');
    const clean = await runCli(['vendor', 'import-ezproxy', file]);
    expect(clean.code).toBe(0);
    expect(CatalogFile.parse(parse(clean.stdout)).resources.map((r) => r.id)).toEqual(['acm-digital-library']);
    expect(clean.stderr).toContain('Everything was converted.');
    const missing = await runCli(['vendor', 'import-ezproxy', path.join(dir, 'nope.txt')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.txt: ENOENT/);
  });
});

describe('passway vendor import-ezproxy and the old EZproxy server', () => {
  it('translates Replace text naming the old proxied host, converts AnonymousURL, and the catalog passes the validator', async () => {
    const out = path.join(temp(), 'imported.yaml');
    const result = await runCli(['vendor', 'import-ezproxy', path.join(path.dirname(FIXTURE), 'old-addresses.txt'), '--out', out]);
    expect(result.code).toBe(1); // qurl=, proxy by port, -RE … are reported
    expect(result.stdout).toContain('Old EZproxy server: ezproxy.lib.example.edu.cn');
    expect(result.stdout).toMatch(/web-of-science: .*; 3 anonymous URL patterns/);
    const read = readCatalogFile(out);
    expect(read.problems).toEqual([]);
    const rules = read.resources.flatMap((r) => r.rewrite?.rules ?? []);
    expect(rules).toContainEqual({ find: '"//pdf.jstor.org/', replace: '"https://www.jstor.org/pdf/' });
    expect(rules.filter((r) => r.replace.includes('ezproxy.lib.example.edu.cn'))).toEqual([]); // only notes keep them
    expect(read.resources.find((r) => r.id === 'web-of-science')?.anonymous).toContain('-https://www.webofscience.com/api/rss/private/*');
  });

  it('config check refuses a catalog whose Replace names the old EZproxy proxied host (exit 2)', async () => {
    const dir = temp();
    writeFileSync(
      path.join(dir, 'catalog.yaml'),
      [
        'resources:',
        '  - id: jstor',
        '    title: { en: JSTOR }',
        '    vendor: JSTOR',
        '    hosts: [{ host: www.jstor.org }]',
        '    access: [{ kind: proxy, start: "https://www.jstor.org/" }]',
        '    rewrite:',
        '      rules: [{ find: "/stable/", replace: "https://www-jstor-org.ezproxy.lib.example.edu.cn/stable/" }]',
      ].join('\n'),
    );
    writeFileSync(path.join(dir, 'passway.yaml'), 'catalog: { files: [catalog.yaml] }\n');
    const result = await runCli(['config', 'check', path.join(dir, 'passway.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('catalog.yaml: resources[0].rewrite.rules[0].replace: names www-jstor-org.ezproxy.lib.example.edu.cn, an EZproxy address for www.jstor.org');
  });

  it('--ezproxy-host names the server when config.txt does not', async () => {
    const dir = temp();
    const file = path.join(dir, 'config.txt');
    writeFileSync(file, 'T JSTOR\nU https://www.jstor.org\nDJ jstor.org\nFind "/img/\nReplace "http://proxy.other.edu:2050/img/\n');
    const result = await runCli(['vendor', 'import-ezproxy', file, '--ezproxy-host', 'proxy.other.edu']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('proxy.other.edu:2050 is an EZproxy proxy-by-port address');
    expect(CatalogFile.parse(parse(result.stdout)).resources[0]?.rewrite).toBeUndefined();
  });
});

describe('passway vendor check', () => {
  let server: http.Server;
  let port: number;
  let deadPort: number;
  let config: string;

  beforeAll(async () => {
    server = http.createServer((_req, res) => res.writeHead(200).end('ok'));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as AddressInfo).port;
    const closed = http.createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    deadPort = (closed.address() as AddressInfo).port;
    await new Promise((done) => closed.close(done));
    // IP-literal hosts: the spawned CLI resolves nothing through DNS.
    config = path.join(temp(), 'passway.yaml');
    writeFileSync(
      config,
      [
        'session: { secret: "0123456789abcdef0123456789abcdef" }',
        'institutions: [{ id: uni, name: { en: Uni } }]',
        'logins:',
        '  - { kind: saml, id: uni-idp, institution: uni, entityID: "https://idp.uni.example.edu/idp/shibboleth", metadataUrl: "https://127.0.0.1:9/metadata", metadataSigningCertSha256: "AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB" }',
        'resources:',
        '  - id: good',
        '    title: { en: Good }',
        '    vendor: Test',
        `    hosts: [{ host: "127.0.0.1:${port}", allowPrivate: true }]`,
        `    access: [{ kind: wayfless, template: "http://127.0.0.1:${port}/sso?entityID={entityIDEncoded}" }, { kind: proxy, start: "http://127.0.0.1:${port}/" }]`,
        '    licences: [{ institution: uni }]',
        '  - id: dead',
        '    title: { en: Dead }',
        '    vendor: Test',
        `    hosts: [{ host: "127.0.0.1:${deadPort}", allowPrivate: true }]`,
        `    access: [{ kind: proxy, start: "http://127.0.0.1:${deadPort}/" }]`,
        '    licences: [{ institution: uni }]',
      ].join('\n'),
    );
  });
  afterAll(() => new Promise((done) => server.close(done)));

  it('passes a good resource (exit 0)', async () => {
    const result = await runCli(['vendor', 'check', 'good', '--config', config]);
    expect(result.stdout).toContain('good — Good');
    expect(result.stdout).toContain(`✓ start http://127.0.0.1:${port}/ answers 200`);
    expect(result.stdout).toContain('✓ WAYFless for uni renders');
    expect(result.stdout).toMatch(/1 resource: \d+ passed, 0 warnings, 0 failed/);
    expect(result.code).toBe(0);
  });

  it('--all fails on a dead start URL (exit 1)', async () => {
    const result = await runCli(['vendor', 'check', '--all', '--config', config, '--timeout', '5000']);
    expect(result.stdout).toContain(`✗ start http://127.0.0.1:${deadPort}/ does not answer: ECONNREFUSED`);
    expect(result.code).toBe(1);
  });

  it('checks entries of a catalog file beside the config, and exits 2 for an unknown id', async () => {
    const catalog = path.join(temp(), 'catalog.yaml');
    writeFileSync(catalog, `resources:\n  - { id: extra, title: { en: Extra }, vendor: T, hosts: [{ host: "127.0.0.1:${port}", allowPrivate: true }], access: [{ kind: direct, url: "http://127.0.0.1:${port}/" }] }\n`);
    const result = await runCli(['vendor', 'check', 'extra', '--config', config, '--catalog', catalog]);
    expect(result.stdout).toContain(`✗ host "127.0.0.1:${port}" is already claimed by resource "good"`);
    expect(result.code).toBe(1);
    const unknown = await runCli(['vendor', 'check', 'ghost', '--config', config]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown resource "ghost"; known: good, dead');
  });
});
