/** Which hosts are rewritten, which are reported, which content types and charsets are handled. */
import { createRewriter, isRewritable } from '../../gateway/proxy/rewrite';
import { fakeMapHost, fakeMapUrl, options, readFixture, rewrite, rewriteText } from '../fixtures/rewrite/harness';

describe('isRewritable', () => {
  it.each([
    'text/html',
    'text/html; charset=GBK',
    'TEXT/HTML;charset=utf-8',
    'application/xhtml+xml',
    'text/css',
    'text/javascript',
    'application/javascript; charset=utf-8',
    'application/x-javascript',
    'application/ecmascript',
    'application/json',
    'text/json',
    'application/ld+json',
    'application/vnd.api+json; charset=utf-8',
  ])('%s: yes', (ct) => expect(isRewritable(ct)).toBe(true));

  it.each(['application/pdf', 'image/png', 'image/svg+xml', 'text/plain', 'application/octet-stream', 'video/mp4', '', 'application/jsonx', 'text/htmlx'])('%s: no', (ct) =>
    expect(isRewritable(ct)).toBe(false),
  );
});

describe('unknown hosts', () => {
  it('are left alone and reported once per host per response, lower-cased', async () => {
    const seen: string[] = [];
    const html = [
      '<a href="https://Orcid.org/1">',
      '<a href="https://orcid.org/2">',
      '<img src="//images.example.net/a.png">',
      '<a href="https://www.vendor.com/x">',
      '"https:\\/\\/api.crossref.org\\/works"',
      '<a href="http://localhost/x">', // no dot: not counted
    ].join('');
    const out = await rewriteText(html, 'text/html', { onUnknownHost: (h) => seen.push(h) }, { kind: 'bytes' });
    expect(out).toBe(html.replace('https://www.vendor.com', 'https://www-vendor-com.p.gw.test'));
    expect(seen).toEqual(['orcid.org', 'images.example.net', 'api.crossref.org']);
  });

  it('a second response reports them again', async () => {
    const seen: string[] = [];
    await rewriteText('https://orcid.org/', 'text/html', { onUnknownHost: (h) => seen.push(h) });
    await rewriteText('https://orcid.org/', 'text/html', { onUnknownHost: (h) => seen.push(h) });
    expect(seen).toEqual(['orcid.org', 'orcid.org']);
  });
});

describe('look-alike hosts are not rewritten', () => {
  it.each([
    'https://www.vendor.com.evil.example/login',
    'https://www.vendor.community/',
    'https://evilwww.vendor.com/',
    'https://www.vendor.com@evil.example/',
    'https://user@www.vendor.com/',
    'https://www.vendor.com:evil.example/',
    'https://www-vendor-com.evil.example/',
    'https://www.vendor.com\u00e9vil.example/',
    'https://www.vendor.com%2eevil.example/',
    'https://www.vendor.com:123456/',
  ])('%s', async (url) => {
    const html = `<a href="${url}">x</a>`;
    expect(await rewriteText(html, 'text/html', {}, { kind: 'bytes' })).toBe(html);
  });

  it('while the real host next to them is', async () => {
    expect(await rewriteText('https://www.vendor.com. https://WWW.Vendor.Com/x', 'text/html')).toBe('https://www-vendor-com.p.gw.test. https://www-vendor-com.p.gw.test/x');
  });
});

describe('mapping callbacks', () => {
  it('each upstream origin is looked up once per response', async () => {
    const calls: string[] = [];
    const mapUrl = (u: string) => {
      calls.push(u);
      return fakeMapUrl(u);
    };
    await rewriteText('https://www.vendor.com/a https://www.vendor.com/b https://WWW.VENDOR.COM/c //www.vendor.com/d https://orcid.org/ https://orcid.org/', 'text/html', { mapUrl });
    expect(calls).toEqual(['https://www.vendor.com/', 'https://orcid.org/']);
  });

  it('a mapping callback that throws fails the stream instead of passing the body through half-rewritten', async () => {
    const mapUrl = () => {
      throw new Error('mapping exploded');
    };
    await expect(rewriteText('<a href="https://www.vendor.com/">', 'text/html', { mapUrl })).rejects.toThrow('mapping exploded');
  });

  it('when mapUrl does not keep the path, the host is mapped with mapHost and the scheme kept', async () => {
    const mapUrl = (u: string) => (fakeMapUrl(u) ? 'https://gw.test/login?url=' + encodeURIComponent(u) : undefined);
    expect(await rewriteText('"https://www.vendor.com/a"', 'application/json', { mapUrl, mapHost: fakeMapHost })).toBe('"https://www-vendor-com.p.gw.test/a"');
  });
});

describe('character sets', () => {
  it('a GBK page keeps every non-ASCII byte, in order, through 1-byte chunks', async () => {
    const input = readFixture('gbk-page.in.html');
    const out = await rewrite(input, options('text/html; charset=GBK'), { kind: 'bytes' });
    const nonAscii = (b: Buffer) => Buffer.from(b.filter((x) => x >= 0x80));
    expect(nonAscii(out).equals(nonAscii(input))).toBe(true);
    expect(out.toString('latin1')).toContain('https://kns-cnki-net.p.gw.test/kcms2/article/pdfdown');
    expect(new TextDecoder('gbk').decode(out)).toContain('中国知网首页');
  });

  it('every byte value survives, including invalid UTF-8', async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const body = Buffer.concat([all, Buffer.from(' https://www.vendor.com/ '), all]);
    const out = await rewrite(body, options('text/html; charset=utf-8'), { kind: 'random', seed: 3, max: 5 });
    expect(out.equals(Buffer.concat([all, Buffer.from(' https://www-vendor-com.p.gw.test/ '), all]))).toBe(true);
  });

  it('UTF-16 bodies and non-rewritable types pass through untouched', async () => {
    const text = Buffer.from('<a href="https://www.vendor.com/">', 'utf16le');
    expect((await rewrite(text, options('text/html; charset=UTF-16LE'))).equals(text)).toBe(true);
    expect((await rewrite(text, options('text/html', { charset: 'utf-16' }))).equals(text)).toBe(true);
    const pdf = Buffer.from('%PDF-1.7 /URI (https://www.vendor.com/x)');
    expect((await rewrite(pdf, options('application/pdf'))).equals(pdf)).toBe(true);
    expect(createRewriter(options('image/png')).constructor.name).toBe('PassThrough');
  });
});
