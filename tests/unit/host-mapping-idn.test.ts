import fc from 'fast-check';
import { fromProxied, labelFor, originOf, toProxied } from '../../gateway/proxy/host-mapping';

/** Internationalised domain names: the mapping works on the punycode (A-label) form only. */
const gw = { proxyDomain: 'p.gw.lib.example.edu', publicUrl: new URL('https://gw.lib.example.edu') };

describe('host mapping: IDN', () => {
  it('maps punycode hosts (their "xn--" hyphens escaped) and round-trips them', () => {
    for (const [upstream, label] of [
      ['https://xn--fiqs8s.xn--55qx5d.cn/x', 'xn----fiqs8s-xn----55qx5d-cn'],
      ['https://www.xn--mller-kva.de/', 'www-xn----mller--kva-de'],
      ['http://xn--80ak6aa92e.com:8080/', 'xn----80ak6aa92e-com---http-8080'],
    ] as const) {
      const url = new URL(upstream);
      expect(labelFor(url)).toBe(label);
      const proxied = toProxied(url, gw)!;
      expect(proxied.hostname).toBe(`${label}.${gw.proxyDomain}`);
      expect(fromProxied(proxied, gw)!.href).toBe(url.href);
      expect(originOf(label)).toBe(url.origin);
    }
  });

  it('maps Unicode input through the form new URL normalises it to (punycode, lower case, NFC, full-width dots)', () => {
    const cases: [string, string][] = [
      ['https://中国.中国/', 'https://xn--fiqs8s.xn--fiqs8s/'],
      ['https://www.Müller.de/a', 'https://www.xn--mller-kva.de/a'],
      ['https://www.mu\u0308ller.de/a', 'https://www.xn--mller-kva.de/a'], // NFD → NFC
      ['https://ＷＷＷ．ｖｅｎｄｏｒ．ｃｏｍ/', 'https://www.vendor.com/'], // full-width letters and dot
      ['https://пример.рф/', 'https://xn--e1afmkfd.xn--p1ai/'],
    ];
    for (const [input, normalised] of cases) {
      const url = new URL(input);
      expect(url.href).toBe(normalised);
      const proxied = toProxied(url, gw)!;
      expect(proxied.hostname).toMatch(/^[a-z0-9-]+\.p\.gw\.lib\.example\.edu$/);
      expect(fromProxied(proxied, gw)!.href).toBe(normalised);
    }
  });

  it('never accepts a Unicode or mixed-script proxied host: only the canonical ASCII label decodes', () => {
    for (const host of ['中国-中国.p.gw.lib.example.edu', 'www-müller-de.p.gw.lib.example.edu']) {
      expect(fromProxied(host, gw)).toBeUndefined();
    }
    // An unescaped "xn--" in a label is two dots' worth of hyphens, not the punycode host: it names another host.
    expect(fromProxied('xn--fiqs8s-xn--fiqs8s.p.gw.lib.example.edu', gw)!.origin).toBe('https://xn-fiqs8s.xn-fiqs8s');
    expect(fromProxied('xn----fiqs8s-xn----fiqs8s.p.gw.lib.example.edu', gw)!.origin).toBe('https://xn--fiqs8s.xn--fiqs8s');
    // The Unicode form of the proxy domain is not the proxy domain.
    expect(fromProxied('www-vendor-com.p.gw.lib.exämple.edu', gw)).toBeUndefined();
  });

  it('round-trips Unicode host names after URL normalisation (property)', () => {
    const chars = [...'abcxyz0123中国文献期刊пример日本語éüßçñ'];
    const label = fc.array(fc.constantFrom(...chars), { minLength: 1, maxLength: 12 }).map((a) => a.join(''));
    const host = fc.array(label, { minLength: 1, maxLength: 3 }).map((labels) => [...labels, 'cn'].join('.'));
    fc.assert(
      fc.property(host, fc.constantFrom('http', 'https'), (name, scheme) => {
        let url: URL;
        try {
          url = new URL(`${scheme}://${name}/p`);
        } catch {
          return; // not a valid IDN (URL refuses it): nothing to map
        }
        const proxied = toProxied(url, gw);
        if (!proxied) return; // over the DNS length limits (labels of 63, names of 253)
        expect(proxied.hostname.endsWith(`.${gw.proxyDomain}`)).toBe(true);
        const resolve = (l: string) => (l === labelFor(url) ? url.origin : undefined);
        expect(fromProxied(proxied, gw, resolve)!.href).toBe(url.href);
      }),
      { numRuns: 1000 },
    );
  });
});
