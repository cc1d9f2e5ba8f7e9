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
    // ^p<host>^/ (EZproxy's proxied host) becomes the upstream host, which the proxy maps itself: this rule
    // then replaces the text with itself, so it is dropped (and reported).
    expect(sd.rewrite).toBeUndefined();
    expect(sd.notes).toBeUndefined();
    expect(byId('web-of-science').anonymous).toEqual(['https://www.webofscience.com/api/*']);
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
      'config.txt:21 Replace',
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
    expect(reason('config.txt', 21)).toMatch(/^not needed: .*dropped$/);
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

describe('EZproxy import of the old server\'s own addresses (Name, proxied hosts, starting points)', () => {
  const OLD = path.join(PACKAGE_ROOT, 'tests', 'fixtures', 'ezproxy', 'old-addresses.txt');
  const result = importEzproxy(OLD);
  const byId = (id: string) => Resource.parse(result.resources.find((r) => r.id === id));
  const reason = (line: number) => result.unconverted.filter((u) => u.line === line).map((u) => u.reason);

  it('understands HostName (EZproxy Name) instead of reporting it', () => {
    expect(result.server).toBe('ezproxy.lib.example.edu.cn');
    expect(result.unconverted.map((u) => u.text)).not.toContain('HostName ezproxy.lib.example.edu.cn');
    expect(formatImportReport('old-addresses.txt', result)).toContain('Old EZproxy server: ezproxy.lib.example.edu.cn');
  });

  it('translates proxied host names, hyphenated and dotted, to the vendor host the proxy maps itself', () => {
    expect(byId('jstor').rewrite?.rules).toEqual([
      { find: '"//pdf.jstor.org/', replace: '"https://www.jstor.org/pdf/' },
      { find: 'var base = location.host;', replace: "var base = 'www.jstor.org';" },
    ]);
    // A doubled hyphen is a hyphen of the real name.
    expect(byId('e-journals-archive').rewrite?.rules).toEqual([{ find: '"/viewer/', replace: '"https://www.e-journals.org/viewer/' }]);
  });

  it('drops a rule that, translated, replaces the text with itself, and says so', () => {
    expect(reason(13)).toEqual([expect.stringMatching(/^not needed/)]);
  });

  it('drops EZproxy /login?url= starting points in front of a vendor URL', () => {
    expect(byId('oxford-academic').rewrite?.rules).toEqual([{ find: 'href="/sso?target=', replace: 'href="https://academic.oup.com/sso?target=' }]);
  });

  it('reports what it cannot translate, keeping the pair as a note: qurl=, proxy by port, an unclaimed host', () => {
    expect(reason(26)[0]).toMatch(/qurl=/);
    expect(reason(40)[0]).toMatch(/ezproxy.lib.example.edu.cn:2050 is an EZproxy proxy-by-port address/);
    expect(reason(34)[0]).toMatch(/EZproxy's address for www.partner.example.com, which no stanza claims/);
    expect(byId('old-platform').rewrite).toBeUndefined();
    expect(byId('old-platform').notes).toEqual([expect.stringContaining('EZproxy Find "http://old.platform.example.com/img/"')]);
  });

  it('converts AnonymousURL (+ and -, * wildcards) into the anonymous patterns of the resource that claims the host', () => {
    const wos = byId('web-of-science');
    expect(wos.anonymous).toEqual(['https://www.webofscience.com/api/rss/*', '-https://www.webofscience.com/api/rss/private/*', 'https://*.webofscience.com/feeds/*']);
    expect(wos.notes).toEqual([expect.stringMatching(/-CS .*case-insensitively/)]);
    expect(reason(45)[0]).toMatch(/regular expression/);
    expect(reason(46)[0]).toMatch(/OPTIONS/);
    expect(reason(47)[0]).toMatch(/www.not-catalogued.example is not claimed by any imported database/);
    expect(reason(48)[0]).toMatch(/scheme and host written out/);
    expect(reason(53)).toEqual([]); // AnonymousURL -* only ends the list
  });

  it('writes a catalog the validator accepts', () => {
    expect(validateCatalog({ resources: result.resources }).problems).toEqual([]);
  });

  it('recognises the proxied forms of imported hosts without a Name line, and proxy by port with --ezproxy-host', () => {
    const file = path.join(temp(), 'config.txt');
    writeFileSync(
      file,
      ['Title JSTOR', 'URL https://www.jstor.org', 'DJ jstor.org', 'Find "//pdf.jstor.org/', 'Replace "https://www-jstor-org.proxy.other.edu/pdf/', 'Find "/img/', 'Replace "http://proxy.other.edu:2050/img/'].join('\n'),
    );
    const guessed = importEzproxy(file);
    expect(guessed.resources[0]!.rewrite?.rules).toEqual([
      { find: '"//pdf.jstor.org/', replace: '"https://www.jstor.org/pdf/' },
      { find: '"/img/', replace: '"http://proxy.other.edu:2050/img/' }, // nothing says proxy.other.edu is EZproxy
    ]);
    const told = importEzproxy(file, { ezproxyHost: 'proxy.other.edu' });
    expect(told.resources[0]!.rewrite?.rules).toEqual([{ find: '"//pdf.jstor.org/', replace: '"https://www.jstor.org/pdf/' }]);
    expect(told.unconverted.map((u) => u.reason)).toContainEqual(expect.stringMatching(/proxy-by-port/));
  });
});

describe('the catalog validator and old EZproxy addresses, anonymous patterns', () => {
  const entry = (over: Record<string, unknown>) => ({
    id: 'jstor',
    title: { en: 'JSTOR' },
    vendor: 'JSTOR',
    hosts: [{ host: 'www.jstor.org' }, { host: 'jstor.org', match: 'domain' }],
    access: [{ kind: 'proxy', start: 'https://www.jstor.org/' }],
    ...over,
  });
  const problems = (over: Record<string, unknown>) => validateCatalog({ resources: [entry(over)] }).problems;

  it.each([
    ['a hyphenated proxied host', 'https://www-jstor-org.ezproxy.lib.example.edu.cn/stable/', /names www-jstor-org.ezproxy.lib.example.edu.cn, an EZproxy address for www.jstor.org/],
    ['a dotted proxied host', "'www.jstor.org.ezproxy.lib.example.edu.cn'", /an EZproxy address for www.jstor.org/],
    ['a starting point', 'https://ezproxy.lib.example.edu.cn:2048/login?url=https://www.jstor.org/x', /EZproxy starting point/],
    ['Passway\'s own proxied form', 'https://www-jstor-org.p.gw.lib.example.edu/x', /an EZproxy address for www.jstor.org/],
  ])('flags a Replace naming %s', (_name, replace, message) => {
    expect(problems({ rewrite: { rules: [{ find: 'x', replace }] } })).toEqual([{ path: 'resources[0].rewrite.rules[0].replace', message: expect.stringMatching(message) }]);
  });

  it('accepts a Replace naming the vendor host itself', () => {
    expect(problems({ rewrite: { rules: [{ find: 'x', replace: 'https://www.jstor.org/pdf/' }] } })).toEqual([]);
  });

  it.each([
    ['a claimed host', ['https://www.jstor.org/rss/*', '-https://www.jstor.org/rss/private/*'], []],
    ['subdomains of a claimed domain', ['https://*.jstor.org/feeds/*'], []],
    ['an explicit default port', ['https://www.jstor.org:443/rss/*'], []],
  ])('accepts anonymous patterns on %s', (_name, anonymous, expected) => {
    expect(problems({ anonymous })).toEqual(expected);
  });

  it.each([
    ['an uncatalogued host', 'https://evil.example/*', /evil.example is not one of this resource's hosts/],
    ['a look-alike host', 'https://www.jstor.org.evil.example/*', /not one of this resource's hosts/],
    ['another port', 'https://www.jstor.org:8443/*', /not one of this resource's hosts/],
  ])('refuses an anonymous pattern on %s', (_name, pattern, message) => {
    expect(problems({ anonymous: [pattern] })).toEqual([{ path: 'resources[0].anonymous[0]', message: expect.stringMatching(message) }]);
  });

  it('refuses subdomains of a host claimed exactly (a *. pattern needs a domain claim)', () => {
    const found = problems({ hosts: [{ host: 'www.jstor.org' }], anonymous: ['https://*.www.jstor.org/*'] });
    expect(found).toEqual([{ path: 'resources[0].anonymous[0]', message: expect.stringMatching(/needs a domain claim/) }]);
  });

  it.each(['*', 'www.jstor.org/rss/*', 'https://*/x', 'ftp://www.jstor.org/'])('refuses the pattern %s (scheme and host must be written out)', (pattern) => {
    expect(problems({ anonymous: [pattern] })[0]?.path).toBe('resources[0].anonymous[0]');
  });
});
