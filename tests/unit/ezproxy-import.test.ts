import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../config';
import { EzproxyReadError, formatImportReport, importEzproxy, Resource, validateCatalog } from '../../resource-catalog';
import { ezproxyReplacement } from '../../resource-catalog/ezproxy-import';

const FIXTURE = path.join(PACKAGE_ROOT, 'tests', 'fixtures', 'ezproxy', 'config.txt');
const temp = () => mkdtempSync(path.join(tmpdir(), 'passway-ezproxy-'));

describe('EZproxy import of a realistic config', () => {
  const result = importEzproxy(FIXTURE, { institution: 'uni' });
  const byId = (id: string) => Resource.parse(result.resources.find((r) => r.id === id));

  it('turns each convertible stanza, including the included file, into one entry with a unique id', () => {
    expect(result.stanzas).toBe(12);
    expect(result.files).toEqual(['config.txt', path.join('databases', 'chinese.txt')]);
    expect(result.resources.map((r) => r.id)).toEqual([
      'jstor',
      'sciencedirect',
      'web-of-science',
      'ieee-xplore',
      'cnki',
      'wanfangdata-com-cn',
      'american-chemical-society',
      'springerlink',
      'ebscohost-academic-search-complete',
      'wiley-online-library',
    ]);
    expect(validateCatalog({ resources: result.resources }).ok).toBe(true);
  });

  it('maps URL/Host/HJ to exact hosts and Domain/DJ to domains, marking the JavaScript ones', () => {
    const jstor = byId('jstor');
    expect(jstor.hosts).toEqual([
      { host: 'www.jstor.org', match: 'host', allowPrivate: false, javascript: true },
      { host: 'jstor.org', match: 'domain', allowPrivate: false, javascript: true },
    ]);
    expect(jstor.access).toEqual([{ kind: 'proxy', start: 'https://www.jstor.org/' }]);
    expect(jstor.licences).toEqual([{ institution: 'uni', affiliations: ['faculty', 'student', 'staff'] }]);
    expect(jstor.sources).toEqual(['EZproxy stanza config.txt:8']);

    const wos = byId('web-of-science');
    expect(wos.hosts.map((h) => [h.host, h.match, h.javascript ?? false])).toEqual([
      ['www.webofscience.com', 'host', false],
      ['webofscience.com', 'domain', false],
      ['clarivate.com', 'domain', false],
    ]);
    expect(wos.access).toEqual([{ kind: 'proxy', start: 'https://www.webofscience.com/wos/woscc/basic-search' }]);
  });

  it('keeps the short forms (T, U), Description, Find/Replace as rewrite rules and Chinese titles', () => {
    const sd = byId('sciencedirect');
    expect(sd.title).toEqual({ en: 'ScienceDirect' });
    expect(sd.hosts.map((h) => h.host)).toEqual(['www.sciencedirect.com', 'sciencedirect.com', 'sciencedirectassets.com']);
    // ^p<host>^/ (EZproxy's proxied host) becomes the upstream host: the proxy's URL rewriting maps it.
    expect(sd.rewrite).toEqual({ rules: [{ find: '"https://www.sciencedirect.com/science/article', replace: '"https://www.sciencedirect.com/science/article' }] });
    expect(sd.notes).toBeUndefined();
    expect(byId('ieee-xplore').description).toEqual({ en: 'IEEE and IET journals, proceedings and standards' });
    const cnki = byId('cnki');
    expect(cnki.title).toEqual({ en: '中国知网 CNKI', zh: '中国知网 CNKI' });
    expect(cnki.sources).toEqual([`EZproxy stanza ${path.join('databases', 'chinese.txt')}:2`]);
    expect(byId('wanfangdata-com-cn').title.zh).toBe('万方数据知识服务平台');
    expect(byId('ebscohost-academic-search-complete').access).toEqual([
      { kind: 'proxy', start: 'http://search.ebscohost.com/login.aspx?authtype=ip,uid&profile=ehost&defaultdb=a9h' },
    ]);
  });

  it('lists every directive it did not convert, with file:line and a reason', () => {
    const chinese = path.join('databases', 'chinese.txt');
    expect(result.unconverted.map((u) => `${u.file}:${u.line} ${u.text.split(' ')[0]}`)).toEqual([
      'config.txt:3 LoginPort',
      'config.txt:4 Option',
      'config.txt:5 ExcludeIP',
      'config.txt:28 AnonymousURL',
      'config.txt:42 Option',
      'config.txt:54 NeverProxy',
      'config.txt:60 Group',
      'config.txt:62 Title',
      'config.txt:63 URL',
      'config.txt:64 DJ',
      'config.txt:66 IncludeFile',
      'config.txt:67 Title',
      `${chinese}:12 ProxyHostnameEdit`,
      `${chinese}:14 IncludeFile`,
    ]);
    const reason = (file: string, line: number) => result.unconverted.find((u) => u.file === file && u.line === line)!.reason;
    expect(reason('config.txt', 5)).toMatch(/on-campus/);
    expect(reason('config.txt', 28)).toMatch(/without signing in/);
    expect(reason('config.txt', 62)).toMatch(/stanza skipped: hosts/);
    expect(reason('config.txt', 64)).toMatch(/overlaps host "www.sciencedirect.com" of "sciencedirect" \(config.txt:14\)/);
    expect(reason('config.txt', 66)).toMatch(/cannot read databases\/missing.txt: ENOENT/);
    expect(reason('config.txt', 67)).toMatch(/no URL/);
    expect(reason(chinese, 14)).toMatch(/include cycle/);
  });

  it('prints a readable report', () => {
    const report = formatImportReport('config.txt', result);
    expect(report).toContain('10 of 12 stanzas imported');
    expect(report).toContain('✓ jstor: JSTOR (www.jstor.org, *.jstor.org)');
    expect(report).toContain('✗ config.txt:4: Option Cookie');
    expect(report).toContain('Not converted (14):');
  });
});

describe('EZproxy import details', () => {
  it('reads directives case-insensitively and converts a clean config completely', () => {
    const file = path.join(temp(), 'config.txt');
    writeFileSync(file, ['title Optica Publishing Group', 'url https://opg.optica.org', 'hj opg.optica.org', 'dj optica.org', '', 'TITLE -Hide Optica', 'URL https://www.osapublishing.org/about'].join('\n'));
    const result = importEzproxy(file);
    expect(result.unconverted).toEqual([]);
    expect(result.resources.map((r) => r.id)).toEqual(['optica-publishing-group', 'optica']);
    expect(result.resources[0]!.licences).toBeUndefined();
    expect(result.resources[1]!.notes).toEqual(['hidden from the EZproxy menu (Title -Hide)']);
    expect(result.resources[1]!.hosts).toEqual([{ host: 'www.osapublishing.org', match: 'host', allowPrivate: false }]);
    expect(formatImportReport(file, result)).toContain('Everything was converted.');
  });

  it('throws EzproxyReadError when the file itself cannot be read', () => {
    expect(() => importEzproxy(path.join(temp(), 'nope.txt'))).toThrow(EzproxyReadError);
  });
});

describe('EZproxy Replace text as a rewrite rule', () => {
  it('turns ^p<host>^/ into the upstream host (the proxy maps it) and refuses other ^ codes', () => {
    expect(ezproxyReplacement('"https://^pwww.vendor.com^/api')).toBe('"https://www.vendor.com/api');
    expect(ezproxyReplacement("'//' + '^pcdn.vendor.com^/'")).toBe("'//' + 'cdn.vendor.com/'");
    expect(ezproxyReplacement('plain text')).toBe('plain text');
    expect(ezproxyReplacement('^A^B')).toBeUndefined();
  });
});
