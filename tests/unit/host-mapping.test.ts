import fc from 'fast-check';
import { fromProxied, labelFor, toProxied } from '../../gateway/proxy/host-mapping';

const gw = { proxyDomain: 'p.gw.lib.example.edu', publicUrl: new URL('https://gw.lib.example.edu') };
const demo = { proxyDomain: 'p.localhost', publicUrl: new URL('http://localhost:8080') };

/** Upstream origins: random valid host names (and IPv4 literals), http or https, any port. */
const upstream = fc
  .record({
    host: fc.oneof(fc.domain(), fc.ipV4(), fc.constant('localhost')),
    scheme: fc.constantFrom('http', 'https'),
    port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    path: fc.webPath(),
  })
  .map(({ host, scheme, port, path }) => new URL(`${scheme}://${host}${port ? `:${port}` : ''}${path || '/'}`));

/** Digest labels resolve through the proxy's memory of long names; here, a map filled as we go. */
function resolver() {
  const known = new Map<string, string>();
  return {
    remember: (url: URL) => known.set(labelFor(url)!, url.origin),
    resolve: (label: string) => known.get(label),
  };
}

describe('host mapping', () => {
  it('maps the documented examples', () => {
    expect(toProxied(new URL('https://www.vendor.com/x?y=1'), gw)!.href).toBe('https://www-vendor-com.p.gw.lib.example.edu/x?y=1');
    expect(toProxied(new URL('https://pubs.a-b.org/'), gw)!.host).toBe('pubs-a--b-org.p.gw.lib.example.edu');
    expect(toProxied(new URL('http://localhost:8083/'), demo)!.href).toBe('http://localhost---http-8083.p.localhost:8080/');
    expect(toProxied(new URL('https://x.example.com:8443/'), gw)!.host).toBe('x-example-com---8443.p.gw.lib.example.edu');
    expect(toProxied(new URL('https://xn--fiqs8s.xn--55qx5d.cn/'), gw)!.host).toBe('xn----fiqs8s-xn----55qx5d-cn.p.gw.lib.example.edu');
    expect(fromProxied('localhost---http-8083.p.localhost:8080', demo)!.href).toBe('http://localhost:8083/');
    expect(fromProxied(new URL('https://www-vendor-com.p.gw.lib.example.edu/a/b?c#d'), gw)!.href).toBe('https://www.vendor.com/a/b?c#d');
  });

  it('refuses what is not a canonical proxied address', () => {
    for (const host of [
      'www-vendor-com.gw.lib.example.edu', // not under the proxy domain
      'a.www-vendor-com.p.gw.lib.example.edu', // two labels
      'p.gw.lib.example.edu',
      'www-vendor-com---https.p.gw.lib.example.edu', // default scheme spelled out
      'x---http-80.p.gw.lib.example.edu', // default port spelled out
      'x---08443.p.gw.lib.example.edu',
      '-x.p.gw.lib.example.edu',
      'x---ftp.p.gw.lib.example.edu',
      'x---xaaaaaaaaaaaaaaaa.p.gw.lib.example.edu', // a digest nobody knows
    ]) {
      expect(fromProxied(host, gw)).toBeUndefined();
    }
    expect(toProxied(new URL('http://[::1]:8080/'), gw)).toBeUndefined();
    expect(toProxied(new URL('ftp://vendor.com/'), gw)).toBeUndefined();
  });

  it('keeps every label within 63 characters; long names use a digest label', () => {
    const long = new URL(`https://${'a'.repeat(50)}.${'b'.repeat(50)}.example.com/`);
    const label = labelFor(long)!;
    expect(label.length).toBeLessThanOrEqual(63);
    expect(label).toMatch(/---x[a-z2-7]{16}$/);
    const { remember, resolve } = resolver();
    expect(fromProxied(toProxied(long, gw)!, gw, resolve)).toBeUndefined();
    remember(long);
    expect(fromProxied(toProxied(long, gw)!, gw, resolve)!.href).toBe(long.href);
  });

  it('round-trips any upstream URL (property)', () => {
    fc.assert(
      fc.property(upstream, fc.constantFrom(gw, demo), (url, gateway) => {
        const proxied = toProxied(url, gateway)!;
        expect(proxied.protocol).toBe(gateway.publicUrl.protocol);
        expect(proxied.port).toBe(gateway.publicUrl.port);
        const label = proxied.hostname.slice(0, -(gateway.proxyDomain.length + 1));
        expect(label).not.toContain('.');
        expect(label.length).toBeLessThanOrEqual(63);
        const { remember, resolve } = resolver();
        remember(url);
        expect(fromProxied(proxied, gateway, resolve)!.href).toBe(url.href);
        expect(fromProxied(proxied.host, gateway, resolve)!.origin).toBe(url.origin);
      }),
      { numRuns: 2000 },
    );
  });

  it('never maps two upstream origins to one label (property)', () => {
    fc.assert(
      fc.property(upstream, upstream, (a, b) => {
        fc.pre(a.origin !== b.origin);
        expect(labelFor(a)).not.toBe(labelFor(b));
      }),
      { numRuns: 5000 },
    );
    // Near-misses that a naive scheme confuses: dots against hyphens, ports against names.
    const tricky = ['https://a-b.c', 'https://a.b-c', 'https://a.b.c', 'https://a--b.c', 'https://a-b-c', 'http://a.b', 'https://a.b:80', 'http://a.b:443', 'https://a.b-8080', 'https://a.b:8080', 'http://a.b-http', 'https://xn--a.b', 'https://xn.a.b'];
    const labels = tricky.map((u) => labelFor(new URL(u)));
    expect(new Set(labels).size).toBe(tricky.length);
  });
});
