/**
 * What a String subclass in a dependency costs the whole process (gateway/fast-strings.ts), measured in three
 * fresh child processes on the same work: a charCodeAt loop over 200 KB, and the proxy's HTML rewriter with one
 * Find/Replace rule (run over strings) over a ~200 KB vendor page in 64 KB chunks.
 *   - alone: nothing else loaded (the baseline);
 *   - ioredis: ioredis loaded, as it is in every gateway process (its `class VerbatimString extends String`);
 *   - ioredis, kept fast: the same, then keepStringPrototypeFast() (what gateway/store/redis.ts does).
 * Run: npm run bench:strings
 */
import { spawnSync } from 'node:child_process';
import { keepStringPrototypeFast } from '../gateway/fast-strings';
import { createBodyRewriter, OriginMap } from '../gateway/proxy/rewrite';
import { vendorPage } from './vendor-page';

const DURATION_MS = Number(process.env.BENCH_MS ?? 1_500);
const MODES = { alone: 'alone', ioredis: 'ioredis loaded', kept: 'ioredis loaded, kept fast' } as const;
type Mode = keyof typeof MODES;

/** Microseconds per call of `work`, after a warm-up. */
function perCall(work: () => unknown): number {
  for (let i = 0; i < 100; i++) work();
  let calls = 0;
  const start = performance.now();
  while (performance.now() - start < DURATION_MS) {
    work();
    calls++;
  }
  return ((performance.now() - start) * 1000) / calls;
}

async function measure(mode: Mode): Promise<{ loop: number; rewrite: number }> {
  if (mode !== 'alone') await import('ioredis');
  if (mode === 'kept') keepStringPrototypeFast();
  const text = Buffer.alloc(200 * 1024, 'abcdefgh/ij.kl').toString('latin1');
  const loop = perCall(() => {
    let h = 0;
    for (let i = 0; i < text.length; i++) h = (h + text.charCodeAt(i)) | 0;
    return h;
  });
  const page = vendorPage();
  const chunks: Buffer[] = [];
  for (let i = 0; i < page.length; i += 65536) chunks.push(page.subarray(i, i + 65536));
  const catalogued = new Set(['www.vendor.com', 'cdn.vendor.com', 'api.vendor.com', 'media.vendor.com', 'static.vendor-cdn.com']);
  const mapHost = (host: string) => (catalogued.has(host) ? `${host.replace(/-/g, '--').replace(/\./g, '-')}.p.gw.test` : undefined);
  const mapUrl = (url: string) => {
    const m = /^https?:\/\/([^/?#]+)(.*)$/.exec(url);
    const host = m?.[1] && mapHost(m[1]);
    return host ? `https://${host}${m[2]}` : undefined;
  };
  const origins = new OriginMap({ mapUrl, mapHost });
  // A Find/Replace rule: its stage runs over latin1 strings in JavaScript (the URL stage is compiled, see gateway/proxy/rewrite).
  const rules = [{ find: '/action/', replace: '/action/' }];
  const rewrite = perCall(() => {
    const rewriter = createBodyRewriter({ contentType: 'text/html', origins, baseUrl: 'https://www.vendor.com/', rules })!;
    let bytes = 0;
    for (const chunk of chunks) bytes += rewriter.push(chunk).length;
    return bytes + rewriter.end().length;
  });
  return { loop, rewrite };
}

function main(): void {
  console.log(`node ${process.version}; each row a fresh process; ${DURATION_MS} ms per number`);
  console.log(`${'process'.padEnd(28)}${'charCodeAt loop µs'.padStart(20)}${'× alone'.padStart(9)}${'rewrite + 1 rule µs/page'.padStart(26)}${'× alone'.padStart(9)}`);
  let base: { loop: number; rewrite: number } | undefined;
  for (const mode of Object.keys(MODES) as Mode[]) {
    const child = spawnSync(process.execPath, [__filename, mode], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`${mode}: ${child.stderr}`);
    const r = JSON.parse(child.stdout) as { loop: number; rewrite: number };
    base ??= r;
    console.log(
      `${MODES[mode].padEnd(28)}${r.loop.toFixed(0).padStart(20)}${(r.loop / base.loop).toFixed(2).padStart(9)}${r.rewrite.toFixed(0).padStart(26)}${(r.rewrite / base.rewrite).toFixed(2).padStart(9)}`,
    );
  }
}

const mode = process.argv[2];
if (mode && mode in MODES) void measure(mode as Mode).then((r) => process.stdout.write(JSON.stringify(r)));
else main();
