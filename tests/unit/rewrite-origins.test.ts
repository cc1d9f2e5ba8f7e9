import { createBodyRewriter, OriginMap, type BodyRewriter } from '../../gateway/proxy/rewrite';

/** The OriginMap the proxy keeps per catalog snapshot, shared by every response it rewrites, and the compiled scanner's host table filled from it. */

function counting(catalogued = new Set(['www.vendor.com', 'localhost:8083'])) {
  const asked: string[] = [];
  const mapUrl = (url: string) => {
    asked.push(url);
    const m = /^(https?):\/\/([^/]+)\/$/.exec(url);
    return m && catalogued.has(m[2]!) ? `https://${m[2]!.replace(/[.:]/g, '-')}.p.gw.test/` : undefined;
  };
  return { asked, options: { mapUrl, mapHost: () => undefined } };
}

function html(origins: OriginMap, seen?: string[]): BodyRewriter {
  return createBodyRewriter({ contentType: 'text/html', origins, baseUrl: 'https://www.vendor.com/', onUnknownHost: seen && ((h) => seen.push(h)) })!;
}

const whole = (rewriter: BodyRewriter, text: string) => Buffer.concat([rewriter.push(Buffer.from(text, 'latin1')), rewriter.end()]).toString('latin1');

describe('OriginMap', () => {
  it('asks the mapping once per host and scheme, whatever the spelling, across responses', () => {
    const { asked, options } = counting();
    const map = new OriginMap(options);
    const page = '<a href="https://www.vendor.com/a">a</a> <a href="HTTPS://WWW.Vendor.COM/b">b</a> <a href="http://www.vendor.com/c">c</a> <a href="https://www.vendor.co/d">d</a>';
    for (let i = 0; i < 2; i++) {
      expect(whole(html(map), page)).toBe(
        '<a href="https://www-vendor-com.p.gw.test/a">a</a> <a href="https://www-vendor-com.p.gw.test/b">b</a> <a href="https://www-vendor-com.p.gw.test/c">c</a> <a href="https://www.vendor.co/d">d</a>',
      );
    }
    expect(asked).toEqual(['https://www.vendor.com/', 'http://www.vendor.com/', 'https://www.vendor.co/']);
  });

  it('maps a host with its port', () => {
    const map = new OriginMap(counting().options);
    expect(whole(html(map), 'src="http://localhost:8083/x"')).toBe('src="https://localhost-8083.p.gw.test/x"');
    expect(map.resolve(false, 'localhost:8083')).toEqual({ scheme: 'https', hostport: 'localhost-8083.p.gw.test' });
  });

  it('starts over beyond its size limit and still answers right', () => {
    const { asked, options } = counting();
    const map = new OriginMap(options, 3);
    for (let i = 0; i < 10; i++) expect(map.resolve(true, `h${i}.example`)).toBeNull();
    expect(map.resolve(true, 'www.vendor.com')?.hostport).toBe('www-vendor-com.p.gw.test');
    expect(asked).toHaveLength(11);
  });

  it('serves several responses at once, each reporting its unknown hosts once', () => {
    const shared = new OriginMap(counting().options);
    const reports: string[][] = [[], []];
    const rewriters = reports.map((seen) => html(shared, seen));
    const link = (host: string, path: string) => `<a href="https://${host}/${path}">${'x'.repeat(300)}</a>\n`;
    const page = link('www.vendor.com', 'a') + link('cdn.other.example', 'b') + link('CDN.other.example', 'c') + link('www.vendor.com', 'd');
    const out: Buffer[][] = [[], []];
    // the two responses' rounds interleave, a few hundred bytes at a time
    for (let at = 0; at < page.length; at += 200) {
      rewriters.forEach((r, i) => out[i]!.push(r.push(Buffer.from(page.slice(at, at + 200), 'latin1'))));
    }
    rewriters.forEach((r, i) => out[i]!.push(r.end()));
    for (const chunks of out) {
      const text = Buffer.concat(chunks).toString('latin1');
      expect(text).toBe(page.replaceAll('https://www.vendor.com/', 'https://www-vendor-com.p.gw.test/'));
    }
    expect(reports).toEqual([['cdn.other.example'], ['cdn.other.example']]);
  });

  it('keeps responses of two catalog snapshots apart when their rounds interleave', () => {
    const before = new OriginMap(counting(new Set(['www.vendor.com'])).options);
    const after = new OriginMap(counting(new Set(['cdn.vendor.com'])).options);
    const page = '<a href="https://www.vendor.com/a">a</a> <img src="https://cdn.vendor.com/i.png">'.padEnd(1000, ' ');
    const [old, fresh] = [html(before), html(after)];
    const out: Buffer[][] = [[], []];
    for (let at = 0; at < page.length; at += 100) {
      out[0]!.push(old.push(Buffer.from(page.slice(at, at + 100))));
      out[1]!.push(fresh.push(Buffer.from(page.slice(at, at + 100))));
    }
    out[0]!.push(old.end());
    out[1]!.push(fresh.end());
    expect(Buffer.concat(out[0]!).toString()).toBe(page.replace('https://www.vendor.com/', 'https://www-vendor-com.p.gw.test/'));
    expect(Buffer.concat(out[1]!).toString()).toBe(page.replace('https://cdn.vendor.com/', 'https://cdn-vendor-com.p.gw.test/'));
  });

  it('answers right when one page names more hosts than the scanner’s host table holds', () => {
    const seen: string[] = [];
    const map = new OriginMap(counting().options);
    const hosts = Array.from({ length: 12_000 }, (_, i) => `https://h${i}.example/`);
    const page = `<a href="https://www.vendor.com/first">${hosts.join(' ')} <a href="https://www.vendor.com/last">`;
    const out = whole(html(map, seen), page);
    expect(out.startsWith('<a href="https://www-vendor-com.p.gw.test/first">')).toBe(true);
    expect(out.endsWith(' <a href="https://www-vendor-com.p.gw.test/last">')).toBe(true);
    expect(out.split('https://h').length - 1).toBe(12_000);
    expect(new Set(seen).size).toBe(12_000);
  });
});
