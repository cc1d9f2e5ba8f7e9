/** Chunk carry: no chunk boundary splits a URL, an escape sequence or a Find/Replace pattern; the tail is flushed. */
import { createRewriter } from '../../gateway/proxy/rewrite';
import { everyTwoWaySplit, options, rewriteText, type Split } from '../fixtures/rewrite/harness';

const SPLITS: Split[] = [{ kind: 'whole' }, { kind: 'bytes' }, ...Array.from({ length: 30 }, (_, i): Split => ({ kind: 'random', seed: 100 + i, max: 1 + (i % 7) * 5 }))];

describe('chunk boundaries', () => {
  const html = [
    '<a href="https://www.vendor.com/a">',
    '<img srcset="//cdn.vendor.com/1.jpg 1x, //cdn.vendor.com/2.jpg 2x">',
    '<script>var c = {"u":"https:\\/\\/api.vendor.com\\/v2","v":"https:\\u002F\\u002Fwww.vendor.com\\u002Fx"};</script>',
    '<a href="http://legacy.vendor.com:8080/old">',
    '<script>JSON.parse(\'{"u":"https:\\\\/\\\\/cdn.vendor.com\\\\/x"}\')</script>',
    '<a href="https:&#x2F;&#x2F;www.vendor.com&#x2F;e" title="https:&#47;&#47;cdn.vendor.com&#47;t">',
  ].join('\n');
  const expected = [
    '<a href="https://www-vendor-com.p.gw.test/a">',
    '<img srcset="//cdn-vendor-com.p.gw.test/1.jpg 1x, //cdn-vendor-com.p.gw.test/2.jpg 2x">',
    '<script>var c = {"u":"https:\\/\\/api-vendor-com.p.gw.test\\/v2","v":"https:\\u002F\\u002Fwww-vendor-com.p.gw.test\\u002Fx"};</script>',
    '<a href="https://legacy-vendor-com-0http-8080.p.gw.test/old">',
    '<script>JSON.parse(\'{"u":"https:\\\\/\\\\/cdn-vendor-com.p.gw.test\\\\/x"}\')</script>',
    '<a href="https:&#x2F;&#x2F;www-vendor-com.p.gw.test&#x2F;e" title="https:&#47;&#47;cdn-vendor-com.p.gw.test&#47;t">',
  ].join('\n');

  it.each(SPLITS.map((s) => [s.kind === 'random' ? `random ${s.seed}` : s.kind, s] as const))('%s: every form is rewritten', async (_n, how) => {
    expect(await rewriteText(html, 'text/html', {}, how)).toBe(expected);
  });

  it('every two-way cut gives the same output', async () => {
    const outs = await everyTwoWaySplit(Buffer.from(html), () => options('text/html'));
    for (const out of outs) expect(out.toString()).toBe(expected);
  });

  it('a long host-less run of text is emitted before the end (the carry stays bounded)', async () => {
    const rewriter = createRewriter(options('text/html'));
    const seen: Buffer[] = [];
    rewriter.on('data', (c: Buffer) => seen.push(c));
    rewriter.write(Buffer.from('x'.repeat(10_000)));
    await new Promise((r) => setImmediate(r));
    const emitted = Buffer.concat(seen).length;
    expect(emitted).toBeGreaterThan(10_000 - 400);
    rewriter.end();
  });
});

describe('end of stream', () => {
  it.each(SPLITS.map((s) => [s.kind === 'random' ? `random ${s.seed}` : s.kind, s] as const))('%s: a URL that ends the body is flushed, rewritten', async (_n, how) => {
    expect(await rewriteText('see https://www.vendor.com', 'text/html', {}, how)).toBe('see https://www-vendor-com.p.gw.test');
    expect(await rewriteText('<a href=//cdn.vendor.com', 'text/html', {}, how)).toBe('<a href=//cdn-vendor-com.p.gw.test');
    expect(await rewriteText('"https:\\/\\/api.vendor.com', 'application/json', {}, how)).toBe('"https:\\/\\/api-vendor-com.p.gw.test');
    expect(await rewriteText('https://www.vendor.com:8443', 'text/css', {}, how)).toBe('https://www-vendor-com-8443.p.gw.test');
  });

  it('a body that ends inside a separator or scheme comes out as it went in', async () => {
    for (const tail of ['https:', 'https:/', 'https:\\', 'https:\\/\\', 'x \\u002', 'https://', 'https://www.vendor.com:']) {
      expect(await rewriteText(tail, 'text/html', {}, { kind: 'bytes' })).toBe(tail);
    }
  });

  it('an empty body gives an empty body', async () => {
    expect(await rewriteText('', 'text/html')).toBe('');
  });
});

describe('Find/Replace rules', () => {
  const rule = { find: "'https://' + 'www.vendor.com'", replace: "'https://www.vendor.com'" };
  const js = "var ORIGIN = 'https://' + 'www.vendor.com'; var other = 'https://' + 'cdn.example.org';";
  const expected = "var ORIGIN = 'https://www-vendor-com.p.gw.test'; var other = 'https://' + 'cdn.example.org';";

  it('apply before URL rewriting, so the URL they produce is mapped', async () => {
    expect(await rewriteText(js, 'application/javascript', { rules: [rule] })).toBe(expected);
  });

  it('match across every two-way cut and in 1-byte chunks', async () => {
    const outs = await everyTwoWaySplit(Buffer.from(js), () => options('application/javascript', { rules: [rule] }));
    for (const out of outs) expect(out.toString()).toBe(expected);
    expect(await rewriteText(js, 'application/javascript', { rules: [rule] }, { kind: 'bytes' })).toBe(expected);
  });

  it('earliest match wins, ties go to the rule listed first, replaced text is not re-matched, empty finds are ignored', async () => {
    const rules = [
      { find: '', replace: 'never' },
      { find: 'abc', replace: 'X' },
      { find: 'ab', replace: 'Y' },
      { find: 'bcd', replace: 'Z' },
      { find: 'X', replace: 'loop' },
    ];
    expect(await rewriteText('abcd abd zbcd', 'application/json', { rules }, { kind: 'bytes' })).toBe('Xd Yd zZ');
  });

  it('literal byte strings: non-ASCII rule text matches its UTF-8 bytes', async () => {
    const rules = [{ find: '登录', replace: '登錄（代理）' }];
    expect(await rewriteText('<b>请登录</b>', 'text/html', { rules }, { kind: 'bytes' })).toBe('<b>请登錄（代理）</b>');
  });

  it('regex characters in rules are literal', async () => {
    const rules = [{ find: 'a.b*(c)', replace: '$&$1' }];
    expect(await rewriteText('a.b*(c) axbbc', 'text/css', { rules })).toBe('$&$1 axbbc');
  });
});
