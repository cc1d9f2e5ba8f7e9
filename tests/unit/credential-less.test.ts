import { anonymousPatternRegExp, decideCredentialLess } from '../../resource-catalog/credential-less';
import { Resource } from '../../resource-catalog/schema';

const vendor = Resource.parse({
  id: 'vendor',
  title: { en: 'Vendor' },
  vendor: 'Vendor',
  hosts: [{ host: 'www.vendor.com' }, { host: 'vendor-cdn.com', match: 'domain' }],
  access: [{ kind: 'proxy', start: 'https://www.vendor.com/' }],
  anonymous: ['https://www.vendor.com/rss/*', '-https://www.vendor.com/rss/private/*', 'https://*.vendor-cdn.com:443/js/*'],
  patterns: { item: ['/doi/pdf/'] },
});

const ask = (url: string, method = 'GET', preflight = false) => decideCredentialLess(vendor, { url: new URL(url), method, preflight });
const why = (url: string, method = 'GET', preflight = false) => {
  const decision = ask(url, method, preflight);
  return decision.allow ? decision.credentialLess?.why : decision.reason;
};

describe('anonymous URL patterns', () => {
  it.each([
    ['https://www.vendor.com/rss/*', 'https://www.vendor.com/rss/feed.xml?x=1', true],
    ['https://www.vendor.com/rss/*', 'https://WWW.VENDOR.COM/RSS/feed.xml', true],
    ['https://www.vendor.com/rss/*', 'http://www.vendor.com/rss/feed.xml', false],
    ['https://www.vendor.com/rss/*', 'https://www.vendor.com.evil.example/rss/feed.xml', false],
    ['https://www.vendor.com:443/rss/*', 'https://www.vendor.com/rss/a', true],
    ['https://*.vendor-cdn.com/js/*', 'https://static.vendor-cdn.com/js/app.js', true],
    ['https://*.vendor-cdn.com/js/*', 'https://vendor-cdn.com/js/app.js', false],
    ['https://www.vendor.com', 'https://www.vendor.com/', true],
    ['https://www.vendor.com', 'https://www.vendor.com/article', false],
  ])('%s matches %s: %s', (pattern, url, matches) => {
    const u = new URL(url);
    expect(anonymousPatternRegExp(pattern).test(`${u.protocol}//${u.host}${u.pathname}${u.search}`)).toBe(matches);
  });
});

describe('decideCredentialLess', () => {
  it('lets through what the patterns name, stylesheets and fonts by extension (checked by type), and preflights', () => {
    expect(why('https://www.vendor.com/rss/feed.xml')).toBe('anonymous-pattern');
    expect(why('https://static.vendor-cdn.com/js/app.js', 'HEAD')).toBe('anonymous-pattern');
    expect(why('https://static.vendor-cdn.com/css/site.css')).toBe('style-or-font');
    expect(why('https://www.vendor.com/fonts/a.woff2')).toBe('style-or-font');
    const font = ask('https://www.vendor.com/fonts/a.woff2');
    expect(font.allow && font.credentialLess?.contentTypes?.test('font/woff2')).toBe(true);
    expect(font.allow && font.credentialLess?.contentTypes?.test('text/html')).toBe(false);
    expect(why('https://www.vendor.com/api/search', 'OPTIONS', true)).toBe('preflight');
  });

  it('refuses everything else: items, exceptions, other methods, pages, PDFs and JSON', () => {
    expect(why('https://www.vendor.com/rss/private/feed.xml')).toBe('sign-in-required');
    expect(why('https://www.vendor.com/rss/doi/pdf/10.1/x')).toBe('sign-in-required');
    expect(why('https://www.vendor.com/doi/pdf/10.1/x.css')).toBe('sign-in-required');
    expect(why('https://www.vendor.com/doi/pdf/10.1/x', 'OPTIONS', true)).toBe('sign-in-required');
    expect(why('https://www.vendor.com/rss/feed.xml', 'POST')).toBe('sign-in-required');
    expect(why('https://www.vendor.com/api/search', 'OPTIONS', false)).toBe('sign-in-required');
    for (const url of ['https://www.vendor.com/', 'https://www.vendor.com/article/1', 'https://www.vendor.com/a.pdf', 'https://www.vendor.com/api/data.json']) {
      expect(why(url)).toBe('sign-in-required');
    }
  });

  it('refuses all of it for a resource the proxy does not serve', () => {
    const direct = Resource.parse({ ...vendor, access: [{ kind: 'direct', url: 'https://www.vendor.com/' }] });
    expect(decideCredentialLess(direct, { url: new URL('https://www.vendor.com/site.css'), method: 'GET', preflight: false })).toEqual({ allow: false, reason: 'sign-in-required' });
  });
});
