import vm from 'node:vm';
import { cookieShimScript, cookieShimTag } from '../../gateway/proxy/cookie-shim';
import { HeadInsert, insertionPoint } from '../../gateway/proxy/rewrite/head-insert';

/**
 * The cookie shim as shipped (its script text run in a fresh realm with a stand-in Document whose cookie
 * accessor records what reaches the browser's cookie store), and where the proxy inserts it in a page.
 */

interface Realm {
  /** What the page's script reads and writes. */
  document: { cookie: string };
  /** Every string the shim passed to the browser's own setter. */
  written: string[];
  /** What the browser's own getter returns. */
  browser: { all: string };
  window: Record<string, unknown>;
  run(code: string): unknown;
}

function realm(resourceId = 'vendor-a', proxyDomain = 'p.gw.example.edu'): Realm {
  const written: string[] = [];
  const browser = { all: '' };
  const context = vm.createContext({ written, browser });
  vm.runInContext(
    `class Document {}
     Object.defineProperty(Document.prototype, 'cookie', { configurable: true, enumerable: true, get() { return browser.all; }, set(v) { written.push(v); } });
     var document = new Document();
     var window = globalThis;
     window.cookieStore = { set() {} };`,
    context,
  );
  vm.runInContext(cookieShimScript(resourceId, proxyDomain), context);
  const run = (code: string): unknown => vm.runInContext(code, context);
  return { document: run('document') as { cookie: string }, written, browser, window: run('window') as Record<string, unknown>, run };
}

describe('the cookie shim', () => {
  const writes: [string, string | undefined][] = [
    ['track=a', 'pw.vendor-a.track=a'],
    ['track=a; domain=p.gw.example.edu; path=/', 'pw.vendor-a.track=a; domain=p.gw.example.edu; path=/'],
    ['_ga=GA1.2.3; Domain=.example.edu; Max-Age=63072000; Path=/; SameSite=Lax', 'pw.vendor-a._ga=GA1.2.3; domain=p.gw.example.edu; Max-Age=63072000; Path=/; SameSite=Lax'],
    ['x=1; DOMAIN = www.vendor.com ;secure', 'pw.vendor-a.x=1; domain=p.gw.example.edu; secure'],
    ['x=1; domain=', 'pw.vendor-a.x=1; domain='],
    ['  spaced  =  v w  ; path=/a', 'pw.vendor-a.spaced=v w; path=/a'],
    ['x=a=b==', 'pw.vendor-a.x=a=b=='],
    ['x=; expires=Thu, 01 Jan 1970 00:00:00 GMT; domain=p.gw.example.edu', 'pw.vendor-a.x=; expires=Thu, 01 Jan 1970 00:00:00 GMT; domain=p.gw.example.edu'],
    ['nameless', 'pw.vendor-a.=nameless'],
    ['=v', 'pw.vendor-a.=v'],
    ['', undefined],
    ['   ; path=/', undefined],
  ];

  it.each(writes)('document.cookie = %j reaches the browser as %j', (text, expected) => {
    const r = realm();
    r.document.cookie = text;
    expect(r.written).toEqual(expected === undefined ? [] : [expected]);
  });

  const reads: [string, string][] = [
    ['', ''],
    ['track=raw; pw.vendor-a.track=a; pw.vendor-b.track=b', 'track=a'],
    ['pw.vendor-a.x=1; pw.vendor-a-2.y=2; pw.vendor-ax=3; pw.vendor-a.z=a=b', 'x=1; z=a=b'],
    ['pw.vendor-a.=nameless; pw.vendor-a.e=', 'nameless; e='],
  ];

  it.each(reads)('with %j in the browser, document.cookie reads %j', (all, expected) => {
    const r = realm();
    r.browser.all = all;
    expect(r.document.cookie).toBe(expected);
  });

  it('takes cookieStore away and installs itself once per realm', () => {
    const r = realm();
    expect(r.window.cookieStore).toBeUndefined();
    r.run(cookieShimScript('vendor-b', 'p.gw.example.edu'));
    r.document.cookie = 'a=1';
    expect(r.written).toEqual(['pw.vendor-a.a=1']);
  });

  it('is tiny', () => {
    expect(Buffer.byteLength(cookieShimScript('web-of-science', 'p.gw.lib.example.edu'))).toBeLessThan(2500);
  });
});

describe('where the proxy puts the shim in a page', () => {
  const tag = cookieShimTag();
  const pages: [string, string, string][] = [
    ['after <head>', '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><script>v()</script>', `<!DOCTYPE html><html lang="en"><head>${tag}<meta charset="utf-8"><script>v()</script>`],
    ['after a <head> with attributes, a > in quotes', '<!doctype html>\n<html>\n<head data-x="a>b" >\n<title>t</title>', `<!doctype html>\n<html>\n<head data-x="a>b" >${tag}\n<title>t</title>`],
    ['after a BOM, comments and a legacy doctype', '\xef\xbb\xbf<!-- a --><!-->\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "x.dtd"><HTML><!-- b --><HEAD>x', `\xef\xbb\xbf<!-- a --><!-->\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "x.dtd"><HTML><!-- b --><HEAD>${tag}x`],
    ['before the first other tag when <head> is left out', '<!DOCTYPE html><meta charset=utf-8><title>t</title>', `<!DOCTYPE html>${tag}<meta charset=utf-8><title>t</title>`],
    ['before text after the doctype', '<!DOCTYPE html>Hello', `<!DOCTYPE html>${tag}Hello`],
    ['after an XML declaration in XHTML', '<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title>', `<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head>${tag}<title>t</title>`],
    ['not in a <header> taken for <head>', '<html><header>x</header>', `<html>${tag}<header>x</header>`],
    ['nowhere in a fragment', '<div class="results">3</div>', '<div class="results">3</div>'],
    ['nowhere in a fragment after a comment', '<!-- partial --><li>x</li>', '<!-- partial --><li>x</li>'],
    ['nowhere in text', 'OK', 'OK'],
    ['nowhere in UTF-16', '\xff\xfe<\x00h\x00t\x00m\x00l\x00>\x00', '\xff\xfe<\x00h\x00t\x00m\x00l\x00>\x00'],
    ['nowhere in an empty body', '', ''],
  ];

  it.each(pages)('%s', (_name, input, expected) => {
    expect(run(input, [input.length])).toBe(expected);
  });

  it.each(pages)('%s, split anywhere', (_name, input, expected) => {
    for (let cut = 0; cut <= input.length; cut++) expect(run(input, [cut, 1, 3])).toBe(expected);
  });

  it('keeps a first tag further in than 64 KB as it is', () => {
    const input = `<!DOCTYPE html><!-- ${'x'.repeat(70_000)} --><head>`;
    expect(run(input, [1000])).toBe(input);
    expect(insertionPoint('<!DOCTYPE html><!-- open', false)).toBe('more');
    expect(insertionPoint('<!DOCTYPE html><!-- open', true)).toBe('none');
  });
});

/** Feeds `input` (latin1) in chunks of the given sizes (the last repeated), returns the output. */
function run(input: string, sizes: number[]): string {
  const stage = new HeadInsert(Buffer.from(tag(), 'latin1'));
  const bytes = Buffer.from(input, 'latin1');
  const out: Buffer[] = [];
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = Math.max(1, sizes[Math.min(i, sizes.length - 1)] ?? 1);
    out.push(stage.push(bytes.subarray(at, at + size)));
    at += size;
  }
  out.push(stage.end());
  return Buffer.concat(out).toString('latin1');
}

function tag(): string {
  return cookieShimTag();
}
