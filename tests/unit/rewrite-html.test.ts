/** HTML specifics: integrity dropped on scripts and stylesheets, CSP meta switched off, protocol-relative contexts. */
import { rewriteText, type Split } from '../fixtures/rewrite/harness';

const SPLITS: Split[] = [{ kind: 'whole' }, { kind: 'bytes' }, { kind: 'random', seed: 7, max: 9 }, { kind: 'random', seed: 8, max: 120 }];
const each = SPLITS.map((s) => [s.kind === 'random' ? `random ${s.seed}` : s.kind, s] as const);

describe('integrity', () => {
  it.each(each)('%s: renamed on <script> and <link>, also when the tag began chunks earlier', async (_n, how) => {
    const longSrc = `https://www.vendor.com/${'a'.repeat(600)}.js`;
    const input = [
      `<script src="${longSrc}"\n   integrity="sha384-x" crossorigin></script>`,
      '<LINK rel=stylesheet href=/a.css INTEGRITY = "sha256-y">',
      '<script integrity="sha384-z">var integrity = "kept"; var a = 1 <b; integrity = 2;</script>',
    ].join('\n');
    const out = await rewriteText(input, 'text/html', {}, how);
    expect(out).toContain(`<script src="https://www-vendor-com.p.gw.test/${'a'.repeat(600)}.js"\n   data-passway-integrity="sha384-x" crossorigin>`);
    expect(out).toContain('<LINK rel=stylesheet href=/a.css data-passway-integrity = "sha256-y">');
    expect(out).toContain('<script data-passway-integrity="sha384-z">var integrity = "kept"; var a = 1 <b; integrity = 2;</script>');
  });

  it('is kept on other elements, in text and in scripts, and in CSS and JS bodies', async () => {
    const html = '<a integrity="x">the integrity = of data</a><p>integrity=</p>';
    expect(await rewriteText(html, 'text/html')).toBe(html);
    const js = '<script integrity="x"></script> s.integrity = "x"';
    expect(await rewriteText(js, 'application/javascript')).toBe(js);
  });
});

describe('Content-Security-Policy meta', () => {
  it.each(each)('%s: switched off (both policy kinds); other http-equiv metas kept', async (_n, how) => {
    const input = [
      `<meta http-equiv="Content-Security-Policy" content="script-src https://cdn.vendor.com">`,
      `<meta content="default-src 'self'" http-equiv='content-security-policy-report-only'>`,
      '<META HTTP-EQUIV=Content-Security-Policy CONTENT="img-src *">',
      '<meta http-equiv="X-UA-Compatible" content="IE=edge">',
      '<p>http-equiv="Content-Security-Policy" in text stays</p>',
    ].join('\n');
    const expected = [
      `<meta http-equiv="x-passway-disabled-Content-Security-Policy" content="script-src https://cdn-vendor-com.p.gw.test">`,
      `<meta content="default-src 'self'" http-equiv='x-passway-disabled-content-security-policy-report-only'>`,
      '<META HTTP-EQUIV=x-passway-disabled-Content-Security-Policy CONTENT="img-src *">',
      '<meta http-equiv="X-UA-Compatible" content="IE=edge">',
      '<p>http-equiv="Content-Security-Policy" in text stays</p>',
    ].join('\n');
    expect(await rewriteText(input, 'text/html', {}, how)).toBe(expected);
  });
});

describe('attributes and contexts', () => {
  it('rewrites every URL-bearing attribute form', async () => {
    const input = [
      '<a href=https://www.vendor.com/x>',
      '<img src=\'//cdn.vendor.com/i.png\' srcset="https://cdn.vendor.com/1.png 1x,https://cdn.vendor.com/2.png 2x , //cdn.vendor.com/3.png 3x">',
      '<video poster="https://cdn.vendor.com/p.jpg"></video><object data="https://www.vendor.com/o.svg"></object>',
      '<form action="https://www.vendor.com/f"><button formaction="https://www.vendor.com/g"></button></form>',
      '<q cite="https://www.vendor.com/c"></q><td background="https://cdn.vendor.com/bg.png"></td>',
      '<meta http-equiv="refresh" content="0;URL=\'//www.vendor.com/next\'"><meta http-equiv=refresh content="5; url=https://www.vendor.com/n">',
      '<base href="https://www.vendor.com/base/"><div style="background:url(//cdn.vendor.com/s.png)"></div>',
    ].join('\n');
    const out = await rewriteText(input, 'text/html', {}, { kind: 'bytes' });
    expect(out).not.toMatch(/vendor\.com/);
    expect(out.match(/p\.gw\.test/g)).toHaveLength(15);
    expect(out).toContain('content="0;URL=\'//www-vendor-com.p.gw.test/next\'"');
    expect(out).toContain('srcset="https://cdn-vendor-com.p.gw.test/1.png 1x,https://cdn-vendor-com.p.gw.test/2.png 2x , //cdn-vendor-com.p.gw.test/3.png 3x"');
  });

  it('protocol-relative //host only where a URL can start, per content type', async () => {
    const text = 'a //cdn.vendor.com b=//cdn.vendor.com c("//cdn.vendor.com") (//cdn.vendor.com)';
    expect(await rewriteText(text, 'text/html')).toBe(
      'a //cdn-vendor-com.p.gw.test b=//cdn-vendor-com.p.gw.test c("//cdn-vendor-com.p.gw.test") (//cdn-vendor-com.p.gw.test)',
    );
    expect(await rewriteText(text, 'text/css')).toBe('a //cdn-vendor-com.p.gw.test b=//cdn.vendor.com c("//cdn-vendor-com.p.gw.test") (//cdn-vendor-com.p.gw.test)');
    expect(await rewriteText(text, 'text/javascript')).toBe('a //cdn.vendor.com b=//cdn.vendor.com c("//cdn-vendor-com.p.gw.test") (//cdn.vendor.com)');
    expect(await rewriteText(text, 'application/json')).toBe('a //cdn.vendor.com b=//cdn.vendor.com c("//cdn-vendor-com.p.gw.test") (//cdn.vendor.com)');
  });

  it('protocol-relative forms take the scheme of the response URL', async () => {
    const out = await rewriteText('<img src="//legacy.vendor.com/a.png">', 'text/html', { baseUrl: 'http://legacy.vendor.com/page' });
    expect(out).toBe('<img src="//legacy-vendor-com-0http.p.gw.test/a.png">');
  });

  it('relative URLs and other schemes stay as they are', async () => {
    const html = '<a href="/doi/10.1/x">a</a><a href="../b">b</a><a href="ftp://www.vendor.com/f">c</a><a href="file:///www.vendor.com">d</a><a href="mailto:x@www.vendor.com">e</a>';
    expect(await rewriteText(html, 'text/html')).toBe(html);
  });
});
