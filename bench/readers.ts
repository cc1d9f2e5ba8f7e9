/**
 * 5,000 signed-in readers browsing through one node on Redis (issue 20, item 4): Passway's memory, latency and errors.
 *
 *   - a vendor in its own process: 30 KB article pages that link to each other (rewritten on the way);
 *   - Passway in its own process, as the Docker image runs it (NODE_FLAGS, jemalloc when installed), on Redis
 *     (REDIS_URL, default 127.0.0.1:6379; keys under a prefix of this run, deleted after), with BENCH_READERS
 *     sessions signed in before the clock starts;
 *   - the readers, in this harness: each its own keep-alive connection and session cookie, opening an article,
 *     then "reading" for a random 0.5–1.5 × BENCH_THINK_MS before the next (a browser's click rate), their starts
 *     spread over the first think time.
 *
 * Prints Passway's RSS at rest before, peak and at the end of the run, and at rest after it; requests, p50/p99
 * latency and errors (non-200 answers, failed connections).
 * Run: npm run bench:readers (BENCH_READERS=5000, BENCH_SECONDS=60, BENCH_THINK_MS=15000).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'undici';
import { NODE_FLAGS, SETTLED_AT_REST_MS } from '../gateway/gc-tuning';
import { RedisStore } from '../gateway/store';
import { allocatorName, freePort, rssOf, servingEnv, startChild } from './children';
import { proxiedHostOf, proxiedResource, signIn, startBenchGateway } from './gateway-node';

const READERS = Number(process.env.BENCH_READERS ?? 5000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const THINK_MS = Number(process.env.BENCH_THINK_MS ?? 15_000);
/** Rest before each RSS reading at rest. */
const REST_MS = SETTLED_AT_REST_MS;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function runVendor(): void {
  const article = (n: number) =>
    Buffer.from(
      `<!doctype html><html><head><title>Article ${n}</title><link rel="stylesheet" href="http://localhost:${process.argv[3]}/style.css"></head><body><h1>Article ${n}</h1>` +
        Array.from({ length: 60 }, (_, i) => `<p>Paragraph ${i} of the article, <a href="http://localhost:${process.argv[3]}/article/${(n + i) % 1000}">related ${i}</a>, and some more text to read.</p>`).join('') +
        '</body></html>',
    );
  const server = http.createServer((req, res) => {
    const n = Number(/^\/article\/(\d+)$/.exec(req.url ?? '')?.[1] ?? NaN);
    if (Number.isNaN(n)) return void res.writeHead(404).end();
    const body = article(n);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': body.length }).end(body);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(Number(process.argv[3]), '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
}

/** Passway on Redis with READERS signed-in sessions; prints "port proxiedHost cookieFile". */
async function runPassway(vendorPort: number, prefix: string, cookieFile: string): Promise<void> {
  const node = await startBenchGateway({ resources: [proxiedResource(vendorPort, { id: 'journals', startPath: '/article/0' })] }, new RedisStore({ url: REDIS_URL, keyPrefix: prefix }));
  const cookies: string[] = [];
  for (let i = 0; i < READERS; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, READERS - i) }, async (_, j) => (cookies[i + j] = await signIn(node, `reader-${i + j}`))));
  }
  writeFileSync(cookieFile, cookies.join('\n'));
  process.stdout.write(`${node.port} ${proxiedHostOf(node, vendorPort)}\n`);
  process.on('SIGTERM', () => {
    void (async () => {
      // This run's keys only (its prefix), then exit.
      const redis = new Redis(REDIS_URL);
      for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 }) as AsyncIterable<string[]>) if (keys.length > 0) await redis.unlink(...keys);
      redis.disconnect();
      process.exit(0);
    })();
  });
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const vendorPort = await freePort();
  const vendor = await startChild(process.execPath, [__filename, 'vendor', String(vendorPort)]);
  const prefix = `passway-bench-readers:${randomBytes(4).toString('hex')}:`;
  const cookieFile = path.join(os.tmpdir(), `passway-bench-readers-${process.pid}.txt`);
  const env = servingEnv();
  const started = performance.now();
  const passway = await startChild(process.execPath, [...NODE_FLAGS, __filename, 'passway', vendor.firstLine, prefix, cookieFile], env);
  const [port, proxiedHost] = passway.firstLine.split(' ') as [string, string];
  const cookies = readFileSync(cookieFile, 'utf8').split('\n');
  rmSync(cookieFile, { force: true });
  const pid = passway.child.pid!;
  console.log(`${READERS} readers signed in on Redis (${REDIS_URL}) in ${((performance.now() - started) / 1000).toFixed(1)} s; Passway allocator ${allocatorName(env)}, ${NODE_FLAGS.join(' ')}`);
  await sleep(REST_MS);
  const rssBefore = rssOf(pid);

  const times: number[] = [];
  let errors = 0;
  const failures = new Map<string, number>(); // what the errors were: status code or error code
  const failed = (what: string) => {
    errors++;
    failures.set(what, (failures.get(what) ?? 0) + 1);
  };
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 1000);
  const end = performance.now() + SECONDS * 1000;
  const think = () => THINK_MS * (0.5 + Math.random());
  await Promise.all(
    cookies.map(async (cookie, i) => {
      const client = new Client(`http://127.0.0.1:${port}`, { keepAliveTimeout: 60_000, keepAliveMaxTimeout: 120_000 });
      await sleep((i / READERS) * THINK_MS);
      while (performance.now() < end) {
        const start = performance.now();
        try {
          const res = await client.request({ method: 'GET', path: `/article/${Math.floor(Math.random() * 1000)}`, headers: { host: proxiedHost, cookie } });
          await res.body.dump();
          if (res.statusCode !== 200) failed(`HTTP ${res.statusCode}`);
        } catch (error) {
          failed((error as { code?: string }).code ?? (error as Error).name);
        }
        times.push(performance.now() - start);
        await sleep(Math.min(think(), Math.max(0, end - performance.now())));
      }
      await client.close();
    }),
  );
  clearInterval(sampler);
  const rssEnd = rssOf(pid);
  await sleep(REST_MS);
  const rssRest = rssOf(pid);
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
  const rows = [
    ['readers', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'RSS at rest before', 'peak', 'end', 'at rest after'],
    [String(READERS), String(times.length), (times.length / SECONDS).toFixed(0), at(0.5).toFixed(1), at(0.99).toFixed(1), String(errors), mb(rssBefore), mb(peak), mb(rssEnd), mb(rssRest)],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => c.padStart(widths[i]!)).join('  '));
  if (failures.size > 0) console.log(`Errors: ${[...failures].map(([what, n]) => `${what} × ${n}`).join(', ')}`);
  console.log(`Idle RSS target ≤ 150 MB (before ${mb(rssBefore)}, after ${mb(rssRest)}): ${Math.max(rssBefore, rssRest) <= 150 * 1024 * 1024 ? 'met' : 'not met'}; errors target 0: ${errors === 0 ? 'met' : 'not met'}`);
  passway.child.kill('SIGTERM');
  await new Promise((resolve) => passway.child.once('exit', resolve));
  vendor.child.kill('SIGTERM');
}

if (process.argv[2] === 'vendor') runVendor();
else if (process.argv[2] === 'passway') void runPassway(Number(process.argv[3]), process.argv[4]!, process.argv[5]!);
else
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
