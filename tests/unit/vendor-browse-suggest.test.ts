import { suggestFindReplace, suggestHostRule } from '../../resource-catalog/browse-suggest';

describe('the Find/Replace the browse check suggests for a URL a script built', () => {
  it('joins string literals that spell the URL into one literal (exact)', () => {
    const source = "var base = 1;\nvar api = 'https://' + 'api.vendor.com' + '/v1/search';\nfetch(api);\n";
    expect(suggestFindReplace('https://api.vendor.com/v1/search?q=x', source, 2)).toEqual({
      find: "'https://' + 'api.vendor.com' + '/v1/search'",
      replace: "'https://api.vendor.com/v1/search'",
      exact: true,
    });
  });

  it('the demo vendor\'s origin built around a variable becomes the origin (to be checked)', () => {
    const source = "  var host = location.host;\n  var origin = 'http:/' + '/' + host;\n  fetch(origin + '/api/' + 'data.json')\n";
    expect(suggestFindReplace('http://localhost:8083/api/data.json', source, 2)).toEqual({
      find: "'http:/' + '/' + host",
      replace: "'http://localhost:8083'",
      exact: false,
    });
  });

  it('a chain that ends in the URL\'s path becomes the whole URL', () => {
    const source = 'fetch("https://" + cdnHost + "/fonts/a.woff2")';
    expect(suggestFindReplace('https://cdn.vendor.com/fonts/a.woff2', source, 0)).toEqual({
      find: '"https://" + cdnHost + "/fonts/a.woff2"',
      replace: '"https://cdn.vendor.com/fonts/a.woff2"',
      exact: false,
    });
  });

  it('a scheme-relative chain gets the scheme the page used; JSON-style escapes are read', () => {
    expect(suggestFindReplace('https://cdn.vendor.com/x.js', "s.src = '//' + 'cdn.vendor.com';")).toEqual({
      find: "'//' + 'cdn.vendor.com'",
      replace: "'https://cdn.vendor.com'",
      exact: true,
    });
    expect(suggestFindReplace('https://cdn.vendor.com/x.js', 'var u = "https:\\/\\/" + "cdn.vendor.com";')).toEqual({
      find: '"https:\\/\\/" + "cdn.vendor.com"',
      replace: '"https://cdn.vendor.com"',
      exact: true,
    });
  });

  it('prefers the chain on the line the request came from, nearest before its column', () => {
    const source = "var a = 'https://' + 'a.vendor.com';\nvar b = 'https://' + 'b.vendor.com'; var c = 'https://' + 'b.vendor.com' + '/c';\n";
    expect(suggestFindReplace('https://b.vendor.com/c', source, 1, 60)?.find).toBe("'https://' + 'b.vendor.com' + '/c'");
    expect(suggestFindReplace('https://b.vendor.com/c', source, 1, 5)?.find).toBe("'https://' + 'b.vendor.com'");
    expect(suggestFindReplace('https://b.vendor.com/c', source)?.find).toBe("'https://' + 'b.vendor.com'"); // a.vendor.com does not start the URL
  });

  it('suggests nothing when no concatenation starts the URL', () => {
    expect(suggestFindReplace('https://b.vendor.com/c', "var x = 'a' + b; fetch(u);")).toBeUndefined();
    expect(suggestFindReplace('https://b.vendor.com/c', "var x = 'https' + s;")).toBeUndefined(); // no host part, too short to trust
    expect(suggestFindReplace('not a url', "'https://' + 'x'")).toBeUndefined();
  });
});

describe('the host rule the browse check suggests', () => {
  it('adds allowPrivate only for private addresses', () => {
    expect(suggestHostRule('cdn.vendor.com', false)).toEqual({ host: 'cdn.vendor.com' });
    expect(suggestHostRule('localhost:8084', true)).toEqual({ host: 'localhost:8084', allowPrivate: true });
  });
});
