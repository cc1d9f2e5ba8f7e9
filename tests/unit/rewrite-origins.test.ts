import { hostHash, OriginMap } from '../../gateway/proxy/rewrite/origin-map';
import { createTextRewriter } from '../../gateway/proxy/rewrite';

/** The OriginMap the proxy keeps per catalog snapshot, shared by every response it rewrites. */

const catalogued = new Set(['www.vendor.com', 'localhost:8083']);
function counting() {
  const asked: string[] = [];
  const mapUrl = (url: string) => {
    asked.push(url);
    const m = /^(https?):\/\/([^/]+)\/$/.exec(url);
    return m && catalogued.has(m[2]!) ? `https://${m[2]!.replace(/[.:]/g, '-')}.p.gw.test/` : undefined;
  };
  return { asked, options: { mapUrl, mapHost: () => undefined } };
}

const look = (map: OriginMap, https: boolean, text: string) => map.lookup(https, text, 0, text.length, hostHash(text, 0, text.length));

describe('OriginMap', () => {
  it('asks the mapping once per host and scheme, whatever the spelling', () => {
    const { asked, options } = counting();
    const map = new OriginMap(options);
    const first = look(map, true, 'www.vendor.com');
    expect(first.mapped).toEqual({ scheme: 'https', hostport: 'www-vendor-com.p.gw.test' });
    expect(look(map, true, 'WWW.Vendor.COM')).toBe(first);
    expect(look(map, true, 'www.vendor.com')).toBe(first);
    expect(look(map, false, 'www.vendor.com')).not.toBe(first);
    expect(look(map, true, 'www.vendor.co').mapped).toBeNull();
    expect(asked).toEqual(['https://www.vendor.com/', 'http://www.vendor.com/', 'https://www.vendor.co/']);
  });

  it('finds a host where it stands in a longer text', () => {
    const map = new OriginMap(counting().options);
    const text = 'src="http://localhost:8083/x"';
    const start = text.indexOf('localhost');
    const end = text.indexOf('/x');
    expect(map.lookup(false, text, start, end, hostHash(text, start, end)).mapped?.hostport).toBe('localhost-8083.p.gw.test');
  });

  it('starts over beyond its size limit and still answers right', () => {
    const { asked, options } = counting();
    const map = new OriginMap(options, 3);
    for (let i = 0; i < 10; i++) expect(look(map, true, `h${i}.example`).mapped).toBeNull();
    expect(look(map, true, 'www.vendor.com').mapped?.hostport).toBe('www-vendor-com.p.gw.test');
    expect(asked).toHaveLength(11);
  });

  it('serves several responses at once, each reporting its unknown hosts once', () => {
    const { options } = counting();
    const shared = new OriginMap(options);
    const reports: string[][] = [[], []];
    const rewriters = reports.map((seen) =>
      createTextRewriter({ contentType: 'text/html', ...options, origins: shared, baseUrl: 'https://www.vendor.com/', onUnknownHost: (h) => seen.push(h) })!,
    );
    const page = '<a href="https://www.vendor.com/a">a</a> <a href="https://cdn.other.example/b">b</a> <a href="http://CDN.other.example/c">c</a>';
    const out = rewriters.map((r) => r.push(page) + r.end());
    for (const text of out) {
      expect(text).toContain('href="https://www-vendor-com.p.gw.test/a"');
      expect(text).toContain('href="https://cdn.other.example/b"');
    }
    expect(reports).toEqual([['cdn.other.example'], ['cdn.other.example']]);
  });
});
