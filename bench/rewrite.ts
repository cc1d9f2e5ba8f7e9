/**
 * Response rewriting throughput on a ~200 KB vendor-like article page, fed in 16 KB chunks as an upstream
 * body arrives. Each row is measured in the same run as two baselines: a pass-through Transform (the floor
 * of any streaming stage) and a naive buffer-then-regex rewrite (what a buffering interceptor does).
 * Run: npm run bench:rewrite   (BENCH_MS=… to change the time per row)
 */
import os from 'node:os';
import { PassThrough, Transform } from 'node:stream';
import { cookieShimTag } from '../gateway/proxy/cookie-shim';
import { createRewriter, type RewriterOptions } from '../gateway/proxy/rewrite';

const DURATION_MS = Number(process.env.BENCH_MS ?? 2_000);
const CHUNK = 16 * 1024;
const CATALOGUED = ['www.vendor.com', 'cdn.vendor.com', 'api.vendor.com', 'static.vendor-cdn.com'];

function proxied(host: string): string {
  return `${host.replace(/-/g, '--').replace(/\./g, '-')}.p.gw.test`;
}
const mapUrl = (u: string): string | undefined => {
  const m = /^(https?):\/\/([^/:?#]+)(.*)$/.exec(u);
  return m?.[2] && CATALOGUED.includes(m[2]) ? `https://${proxied(m[2])}${m[3] ?? ''}` : undefined;
};
const mapHost = (h: string): string | undefined => (CATALOGUED.includes(h) ? proxied(h) : undefined);

/** A journal article page: head with scripts and styles, a JSON config, figures with srcset, many references. */
function articlePage(targetBytes: number): Buffer {
  const head = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Catalytic Asymmetric Synthesis of Chiral Amines | Journal of the Vendor Society</title>
<link rel="stylesheet" href="https://cdn.vendor.com/products/journals/css/article.min.css?v=2024.3" integrity="sha384-oqVuAfXRKap7fdgcCY5uykM6" crossorigin="anonymous">
<link rel="preconnect" href="//static.vendor-cdn.com">
<style>.hero{background:url(https://cdn.vendor.com/cms/img/hero.jpg)} .logo{background:url('//cdn.vendor.com/cms/img/logo.svg')}</style>
<script src="https://cdn.vendor.com/products/journals/js/vendor.bundle.js" integrity="sha384-4LISF5TTJX" defer></script>
<script>window.__APP_CONFIG__={"apiBase":"https:\\/\\/api.vendor.com\\/v2\\/","cdn":"https:\\/\\/cdn.vendor.com","login":"https:\\u002F\\u002Fwww.vendor.com\\u002Faction\\u002FshowLogin","analytics":"https:\\/\\/www.google-analytics.com\\/analytics.js"};</script>
</head><body class="article-page"><main><article><h1>Catalytic Asymmetric Synthesis of Chiral Amines: A Review</h1>\n`;
  const block = (i: number) => `<section id="sec${i}"><h2>${i}. Results and Discussion</h2>
<p>The catalytic cycle (Figure ${i}) proceeds through an iminium intermediate whose enantioselectivity depends on the counter-anion; the kinetic data in Table ${i} support a turnover-limiting hydride transfer — k<sub>cat</sub> = 4.2 s<sup>−1</sup> at 25 °C — consistent with earlier reports.<sup><a href="#ref${i}">${i}</a></sup></p>
<figure><img src="https://cdn.vendor.com/cms/10.1021/jacs.4c01234/fig${i}-480.jpg" srcset="https://cdn.vendor.com/cms/10.1021/jacs.4c01234/fig${i}-480.jpg 1x, //cdn.vendor.com/cms/10.1021/jacs.4c01234/fig${i}-960.jpg 2x" alt="Figure ${i}" loading="lazy">
<figcaption>Figure ${i}. Proposed mechanism. <a href="https://www.vendor.com/doi/suppl/10.1021/jacs.4c01234/suppl_file/fig${i}.pdf">High-resolution image</a></figcaption></figure>
<ul class="references"><li id="ref${i}">Smith, J.; Li, K. <i>Chem. Rev.</i> <b>2019</b>, 119, ${i}. <a href="https://www.vendor.com/doi/10.1021/acs.chemrev.8b0${i}">Full text</a> <a href="https://doi.org/10.1021/acs.chemrev.8b0${i}">DOI</a> <a href="https://scholar.google.com/scholar_lookup?title=Chiral+Amines+${i}">Google Scholar</a> <a href="/action/showCitFormats?doi=10.1021%2Fjacs.4c01234">Cite</a></li></ul>
<div class="related" style="background-image:url(//static.vendor-cdn.com/img/related-bg.png)"><a href="https://www.vendor.com/doi/10.1021/jacs.3c0${i}">Related article ${i}</a></div></section>\n`;
  const parts = [head];
  let size = head.length;
  for (let i = 1; size < targetBytes - 200; i++) {
    const b = block(i);
    parts.push(b);
    size += Buffer.byteLength(b);
  }
  parts.push('</article></main></body></html>\n');
  return Buffer.from(parts.join(''), 'utf8');
}

/** What a buffering interceptor does: collect the body, decode as UTF-8, one regex over the host list, encode. */
function bufferThenRegex(): Transform {
  const hosts = CATALOGUED.map((h) => h.replace(/[.-]/g, '\\$&')).join('|');
  const re = new RegExp(`(https?:)?(\\/\\/|\\\\\\/\\\\\\/)(${hosts})(?=[\\/\\\\"'\\s?#),])`, 'g');
  const chunks: Buffer[] = [];
  return new Transform({
    transform(chunk: Buffer, _e, done) {
      chunks.push(chunk);
      done();
    },
    flush(done) {
      const text = Buffer.concat(chunks).toString('utf8');
      done(null, Buffer.from(text.replace(re, (_m, scheme: string | undefined, sep: string, host: string) => `${scheme ? 'https:' : ''}${sep}${proxied(host)}`), 'utf8'));
    },
  });
}

async function runOnce(make: () => Transform, chunks: Buffer[]): Promise<Buffer> {
  const t = make();
  const out: Buffer[] = [];
  t.on('data', (c: Buffer) => out.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    t.on('end', resolve);
    t.on('error', reject);
  });
  for (const c of chunks) t.write(c);
  t.end();
  await ended;
  return Buffer.concat(out);
}

/** MB/s of CPU time (user + system) of this process, so other load on the machine skews the rows less. */
async function throughput(make: () => Transform, chunks: Buffer[], bytes: number): Promise<{ cpu: number; wall: number }> {
  for (let i = 0; i < 100; i++) await runOnce(make, chunks); // warm-up
  let runs = 0;
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  while (performance.now() < wallStart + DURATION_MS) {
    await runOnce(make, chunks);
    runs++;
  }
  const cpu = process.cpuUsage(cpuStart);
  const wall = (performance.now() - wallStart) / 1000;
  return { cpu: (bytes * runs) / ((cpu.user + cpu.system) / 1e6) / 1e6, wall: (bytes * runs) / wall / 1e6 };
}

async function main(): Promise<void> {
  const page = articlePage(200 * 1024);
  const chunks: Buffer[] = [];
  for (let i = 0; i < page.length; i += CHUNK) chunks.push(page.subarray(i, i + CHUNK));
  const options: RewriterOptions = { contentType: 'text/html; charset=utf-8', mapUrl, mapHost, baseUrl: 'https://www.vendor.com/doi/10.1021/jacs.4c01234' };
  const withRules: RewriterOptions = { ...options, rules: [{ find: "'https://' + 'www.vendor.com'", replace: "'https://www.vendor.com'" }, { find: 'window.__APP_CONFIG__=', replace: 'window.__APP_CONFIG__ =' }] };
  const proxiedCount = async (make: () => Transform) => ((await runOnce(make, chunks)).toString('latin1').match(/\.p\.gw\.test/g) ?? []).length;

  const rows: [string, () => Transform][] = [
    ['pass-through Transform (baseline)', () => new PassThrough()],
    ['buffer + regex, UTF-8 (baseline)', bufferThenRegex],
    ['passway rewriter, HTML', () => createRewriter(options)],
    ['passway rewriter, HTML + 2 Find/Replace rules', () => createRewriter(withRules)],
    // as the proxy runs it on every page since issue 12 item 15
    ['passway rewriter, HTML + cookie shim in <head>', () => createRewriter({ ...options, headHtml: cookieShimTag() })],
  ];
  console.log(`page: ${(page.length / 1024).toFixed(0)} KB in ${chunks.length} chunks of ${CHUNK / 1024} KB; ${DURATION_MS} ms per row; node ${process.version}`);
  const results: { name: string; mbps: number; wall: number; urls: number }[] = [];
  for (const [name, make] of rows) {
    const t = await throughput(make, chunks, page.length);
    results.push({ name, mbps: t.cpu, wall: t.wall, urls: await proxiedCount(make) });
  }
  const pass = results[0]?.mbps ?? 1;
  const regex = results[1]?.mbps ?? 1;
  console.log(`${'engine'.padEnd(48)} ${'MB/s cpu'.padStart(9)} ${'MB/s wall'.padStart(9)} ${'× pass'.padStart(7)} ${'× regex'.padStart(8)} ${'URLs'.padStart(6)}`);
  for (const r of results) {
    console.log(
      `${r.name.padEnd(48)} ${r.mbps.toFixed(1).padStart(9)} ${r.wall.toFixed(1).padStart(9)} ${(r.mbps / pass).toFixed(2).padStart(7)} ${(r.mbps / regex).toFixed(2).padStart(8)} ${String(r.urls).padStart(6)}`,
    );
  }
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.availableParallelism()} cores; URLs = proxied hosts in the output`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
