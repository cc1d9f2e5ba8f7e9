import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  appendToCatalogFile,
  claimsHost,
  claimsOverlap,
  findHostCollisions,
  KNOWN_SSO_HOSTS,
  listPresets,
  loadPreset,
  presetEntry,
  PresetError,
  readCatalogFile,
  renderWayfless,
  Resource,
  defaultTarget,
} from '../../resource-catalog';

const REQUIRED = ['cnki', 'elsevier', 'springer', 'nature', 'web-of-science', 'ieee-xplore', 'ebsco', 'proquest', 'wiley', 'jstor', 'rsc', 'emerald', 'iop'];
const ENTITY_ID = 'https://idp.example.edu.cn/idp/shibboleth';
const temp = () => mkdtempSync(path.join(tmpdir(), 'passway-catalog-'));

describe('vendor presets', () => {
  const names = listPresets();

  it('ships at least the vendors of VENDORS.md', () => {
    expect(names).toEqual(expect.arrayContaining(REQUIRED));
  });

  describe.each(names)('%s', (name) => {
    const preset = loadPreset(name);

    it('validates, cites its sources and carries no licences', () => {
      expect(preset.sources?.length).toBeGreaterThan(0);
      // Public sources only: a file outside the repository is no citation.
      for (const source of preset.sources!) expect(source).toMatch(/^https:\/\//);
      expect('licences' in preset).toBe(false);
    });

    it('claims the host of every start page', () => {
      for (const method of preset.access) {
        if (method.kind === 'proxy') expect(preset.hosts.some((h) => claimsHost(h, new URL(method.start).host))).toBe(true);
      }
    });

    it('renders each WAYFless template into an https URL at a claimed or known sign-in host', () => {
      for (const method of preset.access) {
        if (method.kind !== 'wayfless') continue;
        const url = new URL(renderWayfless(method.template, { entityID: ENTITY_ID, target: defaultTarget(preset, method) }));
        expect(url.protocol).toBe('https:');
        expect(url.href).toContain(encodeURIComponent(ENTITY_ID));
        expect(url.href).not.toMatch(/[{}]/);
        expect(preset.hosts.some((h) => claimsHost(h, url.host)) || KNOWN_SSO_HOSTS.includes(url.host)).toBe(true);
      }
    });

    it('has item and search patterns that compile', () => {
      for (const source of [...(preset.patterns?.item ?? []), ...(preset.patterns?.search ?? [])]) expect(() => new RegExp(source)).not.toThrow();
    });
  });

  it('IOP is proxy-only (no WAYFless form is known)', () => {
    expect(loadPreset('iop').access.map((a) => a.kind)).toEqual(['proxy']);
  });

  it('can all sit in one catalog: no two presets claim the same host', () => {
    expect(findHostCollisions(names.map((n) => loadPreset(n)))).toEqual([]);
  });

  it('presetEntry licenses one institution (faculty, student, staff) and takes an id override', () => {
    const entry = Resource.parse(presetEntry('jstor', 'uni', { id: 'jstor-archive' }));
    expect(entry.id).toBe('jstor-archive');
    expect(entry.licences).toEqual([{ institution: 'uni', affiliations: ['faculty', 'student', 'staff'] }]);
    expect(entry.hosts[0]!.host).toBe('www.jstor.org');
  });

  it('refuses an unknown preset, naming the known ones', () => {
    expect(() => presetEntry('nope', 'uni')).toThrow(PresetError);
    expect(() => presetEntry('nope', 'uni')).toThrow(/presets: .*cnki/);
  });
});

describe('host claims', () => {
  it.each([
    [{ host: 'www.jstor.org' }, { host: 'WWW.JSTOR.ORG' }, true],
    [{ host: 'www.jstor.org' }, { host: 'jstor.org' }, false],
    [{ host: 'jstor.org', match: 'domain' as const }, { host: 'www.jstor.org' }, true],
    [{ host: 'www.jstor.org' }, { host: 'jstor.org', match: 'domain' as const }, true],
    [{ host: 'jstor.org', match: 'domain' as const }, { host: 'notjstor.org', match: 'domain' as const }, false],
    [{ host: 'a.b.org', match: 'domain' as const }, { host: 'b.org', match: 'domain' as const }, true],
    [{ host: 'localhost:8082' }, { host: 'localhost:8083' }, false],
  ])('%j and %j overlap: %s', (a, b, expected) => {
    expect(claimsOverlap(a, b)).toBe(expected);
    expect(claimsOverlap(b, a)).toBe(expected);
  });

  it('a domain claims itself and its subdomains, a host only itself, ports included', () => {
    expect(claimsHost({ host: 'cnki.net', match: 'domain' }, 'kns.cnki.net')).toBe(true);
    expect(claimsHost({ host: 'cnki.net', match: 'domain' }, 'cnki.net.evil.com')).toBe(false);
    expect(claimsHost({ host: 'kns.cnki.net' }, 'www.cnki.net')).toBe(false);
    expect(claimsHost({ host: 'localhost:8083' }, 'localhost:8083')).toBe(true);
    expect(claimsHost({ host: 'localhost' }, 'localhost:8083')).toBe(false);
  });
});

describe('catalog files', () => {
  it('creates a catalog, appends keeping comments, and refuses a taken id or an overlapping host', () => {
    const file = path.join(temp(), 'catalog.yaml');
    writeFileSync(file, '# Our licensed databases\nresources:\n  # the first one\n  - id: local\n    title: { en: Local archive }\n    vendor: Us\n    hosts: [{ host: archive.lib.example.edu }]\n    access: [{ kind: direct, url: "https://archive.lib.example.edu/" }]\n');
    expect(appendToCatalogFile(file, presetEntry('cnki', 'uni'))).toEqual({ ok: true, created: false });
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('# Our licensed databases');
    expect(text).toContain('# the first one');
    const read = readCatalogFile(file);
    expect(read.ok).toBe(true);
    expect(read.resources.map((r) => r.id)).toEqual(['local', 'cnki']);

    const again = appendToCatalogFile(file, presetEntry('cnki', 'uni'));
    expect(again.ok).toBe(false);
    expect(!again.ok && again.problems.join('\n')).toMatch(/id "cnki" is already in the catalog/);
    const renamed = appendToCatalogFile(file, presetEntry('cnki', 'uni', { id: 'cnki-2' }));
    expect(!renamed.ok && renamed.problems.join('\n')).toMatch(/domain "cnki.net" is already claimed by resource "cnki"/);
    expect(readCatalogFile(file).resources).toHaveLength(2);
  });

  it('creates a missing file', () => {
    const file = path.join(temp(), 'new.yaml');
    expect(appendToCatalogFile(file, presetEntry('nature', 'uni'))).toEqual({ ok: true, created: true });
    expect(readCatalogFile(file).resources.map((r) => r.id)).toEqual(['nature']);
  });

  it('reports problems by key path and YAML errors by line', () => {
    const dir = temp();
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      [
        'resources:',
        '  - { id: a, title: { en: A }, vendor: V, hosts: [{ host: a.example.org }], access: [{ kind: proxy, start: "https://a.example.org/" }] }',
        '  - { id: b, title: { en: B }, vendor: V, hosts: [{ host: "bad host" }], access: [{ kind: proxy, start: "https://b.example.org/" }] }',
        '  - { id: c, title: { en: C }, vendor: V, hosts: [{ host: example.org, match: domain }], access: [{ kind: proxy, start: "https://example.org/" }] }',
      ].join('\n'),
    );
    const read = readCatalogFile(bad);
    expect(read.ok).toBe(false);
    expect(read.problems.map((p) => p.path)).toEqual(['resources[1].hosts[0].host']);
    writeFileSync(bad, readFileSync(bad, 'utf8').replace('"bad host"', 'b.example.org'));
    expect(readCatalogFile(bad).problems).toEqual([{ path: 'resources[2].hosts[0].host', message: 'domain "example.org" overlaps host "a.example.org" claimed by resource "a"' }]);
    const broken = path.join(dir, 'broken.yaml');
    writeFileSync(broken, 'resources:\n  - id: [\n');
    expect(readCatalogFile(broken).problems[0]!.path).toMatch(/^line \d+, column \d+$/);
    expect(readCatalogFile(path.join(dir, 'missing.yaml')).problems[0]!.message).toMatch(/does not exist/);
  });
});
