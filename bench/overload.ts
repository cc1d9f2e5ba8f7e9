/**
 * Overload control under a login storm (issue 20, item 3): what a signed-in reader sees while hundreds of anonymous
 * login starts a second arrive, with the guard (the defaults) and without it (limits out of reach).
 *
 *   - a vendor in its own process (a 20 KB page);
 *   - two Passway processes, one with the default load limits and one with overload control off, each with a CAS
 *     login (a login start builds the login state and redirects to the campus) and a proxied resource;
 *   - the storm: anonymous GET /auth/campus/login at BENCH_RATE a second (default 2,500, open loop) over BENCH_STORM
 *     connections (default 200), as from a campus NAT (limits.loginStartsPerMinute raised, as the docs say there);
 *   - the reader: a signed-in session's proxied page requests (4 connections, back to back) and a launch
 *     (GET /go/bench) every 200 ms, timed by this harness.
 *
 * Each round measures the reader alone (quiet), then under the storm, against each Passway in turn (the order
 * alternating); the table shows medians over the rounds.
 * The issue measured its storm at ~650 login starts/s; a node here takes that without being overloaded (0 shed),
 * so the default is a storm heavy enough to make the guard act.
 * Run: npm run bench:overload (BENCH_SECONDS=10, BENCH_ROUNDS=3, BENCH_STORM=200, BENCH_RATE=2500).
 */
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool, request } from 'undici';
import { NODE_FLAGS } from '../gateway/gc-tuning';
import { MemoryStore } from '../gateway/store';
import { servingEnv, startChild } from './children';
import { proxiedHostOf, proxiedResource, signIn, startBenchGateway } from './gateway-node';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const STORM = Number(process.env.BENCH_STORM ?? 200);
const RATE = Number(process.env.BENCH_RATE ?? 2_500);
const READER_CONNECTIONS = 4;

function runVendor(): void {
  const page = Buffer.from(`<!doctype html><html><head><title>Vendor</title></head><body>${'<p>An article paragraph.</p>'.repeat(700)}</body></html>`);
  const server = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': page.length }).end(page));
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
}

/** Passway with or without overload control; prints "port cookie proxiedHost". */
async function runPassway(vendorPort: number, guard: boolean): Promise<void> {
  const node = await startBenchGateway(
    {
      logins: [{ kind: 'cas', id: 'campus', institution: 'uni', serverUrl: 'https://cas.uni.example.edu/cas' }],
      limits: { loginStartsPerMinute: 1_000_000 }, // the whole campus behind one NAT address
      resources: [proxiedResource(vendorPort)],
      ...(guard ? {} : { load: { maxInFlight: 1_000_000_000, maxEventLoopLagMs: 1_000_000_000, maxEventLoopUtilization: 1 } }),
    },
    new MemoryStore(),
  );
  process.stdout.write(`${node.port} ${await signIn(node, 'reader')} ${proxiedHostOf(node, vendorPort)}\n`);
}

interface Target {
  name: string;
  child: ChildProcess;
  base: string;
  cookie: string;
  proxiedHost: string;
}

interface StormResult {
  rps: number;
  shed: number;
}

/**
 * The storm: anonymous login starts at RATE a second, open loop (students' browsers do not wait for each other),
 * over at most STORM connections; what the node cannot take queues on them. 503 is the overload page.
 */
async function storm(t: Target): Promise<StormResult> {
  const pool = new Pool(t.base, { connections: STORM });
  const end = performance.now() + SECONDS * 1000;
  let done = 0;
  let shed = 0;
  const perConnection = RATE / STORM;
  await Promise.all(
    Array.from({ length: STORM }, async (_, i) => {
      let next = performance.now() + (i / STORM) * (1000 / perConnection);
      while (next < end) {
        const wait = next - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        next += 1000 / perConnection;
        const res = await pool.request({ method: 'GET', path: '/auth/campus/login' });
        await res.body.dump();
        done++;
        if (res.statusCode === 503) shed++;
      }
    }),
  );
  await pool.close();
  return { rps: done / SECONDS, shed };
}

interface ReaderResult {
  p50: number;
  p99: number;
  pages: number;
  errors: number;
  launches: number;
  launchesRefused: number;
}

/** The signed-in reader for `seconds`: proxied pages back to back, a launch every 200 ms. */
async function reader(t: Target, seconds: number): Promise<ReaderResult> {
  const pool = new Pool(t.base, { connections: READER_CONNECTIONS + 1 });
  const headers = { host: t.proxiedHost, cookie: t.cookie };
  const times: number[] = [];
  let errors = 0;
  let launches = 0;
  let launchesRefused = 0;
  const end = performance.now() + seconds * 1000;
  const pages = Array.from({ length: READER_CONNECTIONS }, async () => {
    while (performance.now() < end) {
      const start = performance.now();
      const res = await pool.request({ method: 'GET', path: '/', headers });
      await res.body.dump();
      if (res.statusCode !== 200) errors++;
      times.push(performance.now() - start);
    }
  });
  const launching = (async () => {
    while (performance.now() < end) {
      const res = await pool.request({ method: 'GET', path: '/go/bench', headers: { cookie: t.cookie } });
      await res.body.dump();
      launches++;
      if (res.statusCode !== 303) launchesRefused++;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  await Promise.all([...pages, launching]);
  await pool.close();
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), pages: times.length, errors, launches, launchesRefused };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

function printTable(table: string[][]): void {
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  for (const r of table) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
}

async function main(): Promise<void> {
  const vendor = await startChild(process.execPath, [__filename, 'vendor']);
  const env = servingEnv();
  const start = async (name: string, guard: boolean): Promise<Target> => {
    const { child, firstLine } = await startChild(process.execPath, [...NODE_FLAGS, __filename, 'passway', vendor.firstLine, guard ? 'guard' : 'no-guard'], env);
    const [port, cookie, proxiedHost] = firstLine.split(' ') as [string, string, string];
    const base = `http://127.0.0.1:${port}`;
    const res = await request(`${base}/`, { headers: { host: proxiedHost, cookie } });
    await res.body.dump();
    if (res.statusCode !== 200) throw new Error(`${name}: the proxied page answered ${res.statusCode}`);
    return { name, child, base, cookie, proxiedHost };
  };
  const targets = [await start('with the guard (defaults)', true), await start('without the guard', false)];
  console.log(`Login storm: anonymous GET /auth/campus/login (CAS) at ${RATE}/s over up to ${STORM} connections for ${SECONDS} s; reader: ${READER_CONNECTIONS} connections of proxied 20 KB pages + a launch every 200 ms; ${ROUNDS} rounds, medians`);

  const quiet = new Map<Target, ReaderResult[]>(targets.map((t) => [t, []]));
  const stormed = new Map<Target, ReaderResult[]>(targets.map((t) => [t, []]));
  const storms = new Map<Target, StormResult[]>(targets.map((t) => [t, []]));
  for (const t of targets) await reader(t, 2); // warm-up, not counted
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of round % 2 === 0 ? targets : [...targets].reverse()) {
      quiet.get(t)!.push(await reader(t, Math.max(2, SECONDS / 2)));
      const [s, r] = await Promise.all([storm(t), reader(t, SECONDS)]);
      storms.get(t)!.push(s);
      stormed.get(t)!.push(r);
      await new Promise((resolve) => setTimeout(resolve, 3000)); // the guard's windows close before the next target
      if (process.env.BENCH_VERBOSE) console.log(`round ${round + 1} ${t.name}: p50 quiet ${quiet.get(t)!.at(-1)!.p50.toFixed(2)} storm ${r.p50.toFixed(2)} ms, shed ${s.shed}`);
    }
  }
  const rows = [['Passway', 'quiet p50 ms', 'storm p50 ms', 'storm p99 ms', 'storm/quiet p50', 'launches refused', 'page errors', 'login starts/s', 'shed (503)']];
  const p50Under = new Map<Target, number>();
  for (const t of targets) {
    const q = quiet.get(t)!;
    const r = stormed.get(t)!;
    const s = storms.get(t)!;
    const qp50 = median(q.map((x) => x.p50));
    const sp50 = median(r.map((x) => x.p50));
    p50Under.set(t, sp50);
    rows.push([
      t.name,
      qp50.toFixed(2),
      sp50.toFixed(2),
      median(r.map((x) => x.p99)).toFixed(2),
      `${(sp50 / qp50).toFixed(1)}×`,
      `${r.reduce((n, x) => n + x.launchesRefused, 0)} of ${r.reduce((n, x) => n + x.launches, 0)}`,
      String(r.reduce((n, x) => n + x.errors, 0)),
      median(s.map((x) => x.rps)).toFixed(0),
      String(s.reduce((n, x) => n + x.shed, 0)),
    ]);
  }
  printTable(rows);
  const [on, off] = targets as [Target, Target];
  const ratio = p50Under.get(on)! / p50Under.get(off)!;
  const refused = stormed.get(on)!.reduce((n, x) => n + x.launchesRefused, 0);
  console.log(`\nSigned-in p50 under the storm, guard/no guard: ${ratio.toFixed(2)} (target < 1: the guard keeps readers faster) ${ratio < 1 ? 'met' : 'not met'}; signed-in launches refused with the guard: ${refused} (target 0) ${refused === 0 ? 'met' : 'not met'}`);
  for (const t of [...targets, { child: vendor.child }]) t.child.kill('SIGTERM');
}

if (process.argv[2] === 'vendor') runVendor();
else if (process.argv[2] === 'passway') void runPassway(Number(process.argv[3]), process.argv[4] === 'guard');
else
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
