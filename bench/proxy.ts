/**
 * The rewriting proxy against nginx (issue 5, item 8), measured in the same run on this machine:
 *
 *   - an upstream in its own Node process: a 50 KB body, a ~200 KB vendor-like HTML page (the
 *     rewrite golden fixture's body repeated, absolute links to catalogued hosts), a 5 MB PDF-like
 *     body and a 200 MB stream;
 *   - Passway in its own process (createGateway + startServer, a signed-in session cookie, a catalogue
 *     claiming the upstream with allowPrivate and the vendor hosts the page links to), as in production:
 *     sharing this harness's process once halved its 50 KB rate;
 *   - nginx from Debian as the baseline, one worker (Passway is one process): `proxy_pass` with an
 *     upstream keep-alive pool and no temp files (proxy_max_temp_file_size 0: it streams, as Passway does),
 *     `sub_filter` (sub_filter_once off, Accept-Encoding "") with the same host list for HTML. Without nginx it says so and the Node floor below is the baseline;
 *   - the Node floor, in its own process: undici dispatch() straight to the socket with no session, no
 *     checks and no rewriting, so the table tells Passway's own cost apart from the platform's.
 *
 * This machine's speed drifts by tens of percent within a minute, so each scenario runs in ROUNDS
 * interleaved rounds (every target once per round, the order rotating) and the table shows medians:
 * req/s, p50 and p99 over the rounds, and the median of the per-round Passway/nginx ratios (with
 * their range). Load: wrk (Debian) with --latency; without wrk an in-process undici loop. Memory: RSS
 * of the Passway process before, during and after a 200 MB download streamed through it to curl.
 * Proxies run on core 0; wrk, the upstream and this harness on the other cores (taskset; BENCH_PIN=0 to leave placement to the scheduler).
 * Every scenario runs at each of BENCH_CONNECTIONS (default 4 and 50: a few busy readers, and a campus's worth in parallel).
 * Run: npm run bench:proxy (BENCH_SECONDS=2, BENCH_ROUNDS=7, BENCH_CONNECTIONS=4,50, BENCH_ONLY=HTML, BENCH_VERBOSE=1 for every round).
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Agent, Pool, request } from 'undici';
import { MALLOC_TRIM_THRESHOLD, NODE_FLAGS, SETTLED_AT_REST_MS } from '../gateway/gc-tuning';
import { allocatorName, freePort, rssOf, servingEnv, startChild } from './children';
import { proxiedHostOf, proxiedResource, signIn, startBenchGateway } from './gateway-node';
import { labelFor } from '../gateway/proxy/host-mapping';
import { RESPONSE_HIGH_WATER_MARK } from '../gateway/server';
import { MemoryStore } from '../gateway/store';
import { vendorPage } from './vendor-page';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '4,50').split(',').map(Number);
/** How long Passway rests before its idle RSS is read. */
const REST_MS = process.env.BENCH_REST_SECONDS ? Number(process.env.BENCH_REST_SECONDS) * 1000 : SETTLED_AT_REST_MS;
const IDLE_RSS_TARGET_MB = 150;
/** Vendor hosts the page links to and the catalogue claims (the fixture's own vendor hosts). */
const VENDOR_HOSTS = ['https://www.vendor.com', 'https://cdn.vendor.com', 'https://api.vendor.com', 'https://media.vendor.com', 'http://legacy.vendor.com', 'https://static.vendor-cdn.com'];

// ---------------------------------------------------------------- upstream (child process)

function runUpstream(): void {
  const small = Buffer.alloc(50 * 1024, 'a');
  const page = vendorPage();
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(5 * 1024 * 1024 - 9, 'p')]);
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const server = http.createServer((req, res) => {
    if (req.url === '/50k') res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': small.length }).end(small);
    else if (req.url === '/page.html') res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': page.length }).end(page);
    else if (req.url === '/doc.pdf') res.writeHead(200, { 'Content-Type': 'application/pdf', 'Content-Length': pdf.length }).end(pdf);
    else if (req.url === '/large') {
      const total = 200 * 1024 * 1024;
      let sent = 0;
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': total });
      const pump = () => {
        while (sent < total) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    } else res.writeHead(404).end();
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
}

// ---------------------------------------------------------------- helpers

/**
 * CPU placement: the proxy under test (Passway, the floor or nginx) on core 0, the load generator and the
 * upstream on the others, so every proxy gets the same one core and does not trade it with wrk or the
 * vendor (unpinned, the scheduler's placement alone moved results by half). BENCH_PIN=0 turns it off.
 */
const CORES = os.availableParallelism(); // read before this process pins itself to one core
const PIN = process.env.BENCH_PIN !== '0' && CORES >= 2 && spawnSync('sh', ['-c', 'command -v taskset']).status === 0;
const PROXY_CORES = '0';
const LOAD_CORES = CORES > 2 ? `1-${CORES - 1}` : '1';

/** [command, args] run on the given cores when pinning. */
function on(cores: string, command: string, args: string[]): [string, string[]] {
  return PIN ? ['taskset', ['-c', cores, command, ...args]] : [command, args];
}

async function waitFor(url: string, headers: Record<string, string>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      const res = await request(url, { headers });
      await res.body.arrayBuffer();
      if (res.statusCode === 200) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} never answered 200`);
}

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

interface Result {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** How busy the proxies' core was during the run (0–1; NaN when not pinned or not Linux). */
  busy?: number;
  /** CPU time the target process spent per request (µs; when its pid is known, on Linux). */
  cpuUs?: number;
}

/** User + system CPU time of a process in clock ticks (1/100 s), from /proc/<pid>/stat. */
function cpuTicks(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of the whole line)
  } catch {
    return undefined;
  }
}

/** Busy and total jiffies of one core, from /proc/stat. */
function coreTimes(core: string): { busy: number; total: number } | undefined {
  try {
    const fields = new RegExp(`^cpu${core} (.*)$`, 'm').exec(readFileSync('/proc/stat', 'utf8'))?.[1]?.trim().split(/\s+/).map(Number);
    if (!fields) return undefined;
    const total = fields.reduce((a, b) => a + b, 0);
    return { busy: total - fields[3]! - (fields[4] ?? 0), total }; // idle, iowait
  } catch {
    return undefined;
  }
}

/**
 * The load run, with how busy the proxies' core was: below about 95 %, the proxy under test was waiting for
 * the load side (wrk and the upstream, on the other cores), so its rate says more about them than about it.
 */
type Load = (url: string, headers: Record<string, string>, connections: number) => Promise<Result>;

async function measured(load: Load, url: string, headers: Record<string, string>, connections: number, pid?: number): Promise<Result> {
  const before = PIN ? coreTimes(PROXY_CORES) : undefined;
  const cpuBefore = cpuTicks(pid);
  const result = await load(url, headers, connections);
  const cpuAfter = cpuTicks(pid);
  const after = PIN ? coreTimes(PROXY_CORES) : undefined;
  result.busy = before && after && after.total > before.total ? (after.busy - before.busy) / (after.total - before.total) : NaN;
  // CPU per request tells the process's own cost apart from how much of the core it got on a shared machine.
  result.cpuUs = cpuBefore !== undefined && cpuAfter !== undefined && result.rps > 0 ? ((cpuAfter - cpuBefore) * 10_000) / (result.rps * SECONDS) : undefined;
  return result;
}

/** "1.23ms" / "456.00us" / "1.2s" → milliseconds. */
function ms(text: string): number {
  const m = /([\d.]+)(us|ms|s|m)/.exec(text);
  if (!m) return NaN;
  const value = Number(m[1]);
  return m[2] === 'us' ? value / 1000 : m[2] === 'ms' ? value : m[2] === 's' ? value * 1000 : value * 60_000;
}

function wrk(url: string, headers: Record<string, string>, connections: number): Promise<Result> {
  const args = ['-t1', `-c${connections}`, `-d${SECONDS}s`, '--latency', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), url];
  return new Promise((resolve, reject) => {
    execFile(...on(LOAD_CORES, 'wrk', args), { maxBuffer: 1 << 20 }, (error, stdout) => {
      if (error) return reject(error);
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? NaN);
      const p50 = ms(/\s50%\s+(\S+)/.exec(stdout)?.[1] ?? '');
      const p99 = ms(/\s99%\s+(\S+)/.exec(stdout)?.[1] ?? '');
      const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
      const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
      const errors = non2xx + (socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
      resolve({ rps, p50, p99, errors });
    });
  });
}

/** Fallback load generator: concurrent keep-alive loops on an undici Pool. */
async function loop(url: string, headers: Record<string, string>, connections: number): Promise<Result> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections });
  const times: number[] = [];
  let errors = 0;
  const end = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const start = performance.now();
        const res = await pool.request({ method: 'GET', path: target.pathname, headers });
        for await (const _ of res.body) void _;
        if (res.statusCode !== 200) errors++;
        times.push(performance.now() - start);
      }
    }),
  );
  await pool.close();
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
  return { rps: times.length / SECONDS, p50: at(0.5), p99: at(0.99), errors };
}

// ---------------------------------------------------------------- baselines

function nginxConf(dir: string, port: number, upstreamPort: number, replacements: [string, string][]): string {
  const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return `worker_processes 1;
daemon off;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream vendor { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://vendor;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host localhost:${upstreamPort};
      proxy_set_header Accept-Encoding "";
      # Stream as Passway does (memory buffers, backpressure), never through temp files: run as root, the
      # workers (nobody) cannot write this run's temp directory, and a 5 MB body would be cut off.
      proxy_max_temp_file_size 0;
      sub_filter_once off;
${replacements.map(([from, to]) => `      sub_filter ${quote(from)} ${quote(to)};`).join('\n')}
    }
  }
}
`;
}

/**
 * Passway (a child process): createGateway + startServer, a signed-in session, a catalogue claiming the upstream
 * (allowPrivate) and the vendor hosts the page links to. Prints "port cookie proxiedHost".
 */
async function runPassway(upstreamPort: number, rules: 'rules' | 'no-rules'): Promise<void> {
  const node = await startBenchGateway(
    {
      resources: [proxiedResource(upstreamPort, { moreHosts: VENDOR_HOSTS.map((h) => new URL(h).host) })],
      // The default (the conservative security rule preset) is what is measured; the second Passway runs without rules.
      ...(rules === 'no-rules' ? { security: { preset: 'none' as const } } : {}),
    },
    new MemoryStore(),
  );
  process.stdout.write(`${node.port} ${await signIn(node, 'b', 'faculty')} ${proxiedHostOf(node, upstreamPort)}\n`);
}

/**
 * The Node floor (a child process): what the platform costs before Passway does anything. undici
 * dispatch() to the upstream, the head corked with the first body bytes, chunks straight to the socket
 * with pause/resume, the same response buffer size: Passway's own transport, without session, policy,
 * cookie jar, headers or rewriting.
 */
function runFloor(upstreamPort: number): void {
  const agent = new Agent({ connections: 64, keepAliveTimeout: 30_000 });
  const origin = `http://127.0.0.1:${upstreamPort}`;
  const server = http.createServer({ highWaterMark: RESPONSE_HIGH_WATER_MARK }, (req, res) => {
    agent.dispatch(
      { origin, path: req.url ?? '/', method: 'GET', headers: { host: `localhost:${upstreamPort}` } },
      {
        // A browser gone mid-body (wrk closes its connections at the end of every run) must free the upstream
        // connection: left paused, each one stayed out of the pool until, at 50 connections, none was left and the
        // floor served 0 requests. Passway's Relay aborts the same way.
        onRequestStart(controller) {
          res.once('close', () => {
            if (!res.writableFinished && !controller.aborted) controller.abort(new Error('the client closed the connection'));
          });
        },
        onResponseStart(controller, status, headers) {
          const { connection: _c, 'keep-alive': _k, ...rest } = headers;
          res.writeHead(status, rest);
          res.socket?.cork();
          setImmediate(() => res.socket?.uncork());
          res.on('drain', () => controller.resume());
        },
        onResponseData(controller, chunk) {
          if (!res.write(chunk)) controller.pause();
        },
        onResponseEnd() {
          res.end();
        },
        onResponseError(_controller, error) {
          res.destroy(error);
        },
      },
    );
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
}

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  /** Its process, for CPU time per request. */
  pid?: number;
}

/** Rows of cells in aligned columns: the first left-aligned, the others right-aligned. */
function printTable(table: string[][]): void {
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  for (const r of table) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
}

const percent = (fraction: number | undefined) => (fraction === undefined || Number.isNaN(fraction) ? '–' : `${Math.round(fraction * 100)} %`);

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)]!;
};

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  // The Node processes here run with malloc tuned as the Docker image runs Passway; Passway and the floor also with its V8 flags.
  process.env.MALLOC_TRIM_THRESHOLD_ ??= MALLOC_TRIM_THRESHOLD;
  const serving = servingEnv();
  if (PIN) spawnSync('taskset', ['-a', '-cp', LOAD_CORES, String(process.pid)]); // this harness: off the proxies' core
  const upstream = await startChild(...on(LOAD_CORES, process.execPath, [__filename, 'upstream']));
  const upstreamPort = Number(upstream.firstLine);
  const upstreamOrigin = `http://localhost:${upstreamPort}`;

  // Passway, in its own process like the floor and nginx (sharing one with this harness halved its 50 KB rate).
  const passwayChild = await startChild(...on(PROXY_CORES, process.execPath, [...NODE_FLAGS, __filename, 'passway', String(upstreamPort), 'rules']), serving);
  const [port, cookie, proxiedHost] = passwayChild.firstLine.split(' ') as [string, string, string];
  // "Host" spelled exactly so: wrk adds its own Host header unless it sees that key, and Node keeps the first of two.
  const passway = { url: `http://127.0.0.1:${port}`, headers: { Host: proxiedHost, Cookie: cookie } };
  // The same Passway without security rules (security.preset none): what rule evaluation costs on the hot path.
  const bareChild = await startChild(...on(PROXY_CORES, process.execPath, [...NODE_FLAGS, __filename, 'passway', String(upstreamPort), 'no-rules']), serving);
  const [barePort, bareCookie, bareHost] = bareChild.firstLine.split(' ') as [string, string, string];
  const bareTarget: Target = { name: 'Passway, no security rules', url: `http://127.0.0.1:${barePort}`, headers: { Host: bareHost, Cookie: bareCookie }, pid: bareChild.child.pid };

  // Baseline: nginx, or a Node pipe.
  const replacements: [string, string][] = [...VENDOR_HOSTS, upstreamOrigin].flatMap((origin) => {
    const to = `http://${labelFor(new URL(origin))}.p.localhost:${port}`;
    return [
      [origin, to],
      [origin.replace('//', '\\/\\/'), to.replace('//', '\\/\\/')],
    ] as [string, string][];
  });
  const floor = await startChild(...on(PROXY_CORES, process.execPath, [...NODE_FLAGS, __filename, 'floor', String(upstreamPort)]), serving);
  const floorTarget: Target = { name: 'Node floor', url: `http://127.0.0.1:${floor.firstLine}`, headers: {} };
  let baseline: Target;
  let stopNginx = () => {};
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'passway-bench-nginx-'));
  if (has('nginx')) {
    const nginxPort = await freePort();
    writeFileSync(path.join(tmp, 'nginx.conf'), nginxConf(tmp, nginxPort, upstreamPort, replacements));
    const child = spawn(...on(PROXY_CORES, 'nginx', ['-p', tmp, '-c', path.join(tmp, 'nginx.conf')]), { stdio: 'inherit' });
    const version = spawnSync('nginx', ['-v'], { encoding: 'utf8' }).stderr.trim().replace('nginx version: ', '');
    baseline = { name: `nginx (${version}, 1 worker)`, url: `http://127.0.0.1:${nginxPort}`, headers: {} };
    await waitFor(`${baseline.url}/50k`, {});
    stopNginx = () => child.kill('SIGQUIT');
  } else {
    console.log('nginx is not installed (apt-get install nginx-light): the baseline is the Node floor, which does not rewrite.');
    baseline = floorTarget;
  }
  await waitFor(`${floorTarget.url}/50k`, {});
  await waitFor(`${passway.url}/50k`, passway.headers);
  const passwayTarget: Target = { name: 'Passway', ...passway, pid: passwayChild.child.pid };
  await waitFor(`${bareTarget.url}/50k`, bareTarget.headers);
  const targets = baseline === floorTarget ? [passwayTarget, bareTarget, floorTarget] : [passwayTarget, bareTarget, floorTarget, baseline];

  // Idle memory: Passway's RSS at rest, after start (its idle collector runs after 5 quiet seconds) and after all the load below.
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  await sleep(REST_MS);
  const rssIdleStart = rssOf(passwayChild.child.pid!);
  const useWrk = has('wrk');
  const load = useWrk ? wrk : loop;
  console.log(
    `Load: ${useWrk ? 'wrk (1 thread, --latency)' : 'in-process undici loop (wrk not installed)'}, ${CONNECTIONS.join(' and ')} connections; ` +
      `${ROUNDS} interleaved rounds of ${SECONDS} s per target and scenario; ${CORES} cores, ` +
      `${PIN ? `proxies on core ${PROXY_CORES}, wrk and upstream on ${LOAD_CORES}` : 'not pinned'}; Node ${process.version} (Passway and floor: ${NODE_FLAGS.join(' ')}, allocator ${allocatorName(serving)}, MALLOC_TRIM_THRESHOLD_=${process.env.MALLOC_TRIM_THRESHOLD_}); baseline ${baseline.name}`,
  );

  // URLs rewritten: one response from each, proxied-host occurrences counted.
  const proxiedPattern = /[a-z0-9-]+\.p\.localhost:\d+/g;
  const lookAlike = /\.p\.localhost:\d+[a-z.]/g; // a rewritten prefix of a longer host name: a wrong rewrite
  const count = async (url: string, headers: Record<string, string>) => {
    const text = await (await request(url, { headers })).body.text();
    return { bytes: Buffer.byteLength(text), rewritten: text.match(proxiedPattern)?.length ?? 0, wrong: text.match(lookAlike)?.length ?? 0 };
  };
  const pagePassway = await count(`${passway.url}/page.html`, passway.headers);
  const pageBaseline = await count(`${baseline.url}/page.html`, {});
  const pageOriginal = await count(`http://127.0.0.1:${upstreamPort}/page.html`, {});

  const scenarios = [
    { name: '50 KB pass-through', path: '/50k', target: 0.75 },
    { name: `${Math.round(pageOriginal.bytes / 1024)} KB HTML rewrite`, path: '/page.html', target: 2.5 },
    { name: '5 MB PDF', path: '/doc.pdf', target: 1.1 },
  ];
  /** At many connections, Passway's p99 at most this multiple of the baseline's (issue 20). */
  const P99_TARGET = 2;
  const MANY = 50;
  const p99Verdict = (connections: number, passwayP99: number, baselineP99: number) =>
    connections < MANY ? '' : `${(passwayP99 / baselineP99).toFixed(2)}× ≤ ${P99_TARGET}× ${passwayP99 <= P99_TARGET * baselineP99 ? 'met' : 'not met'}`;
  const rows: string[][] = [];
  const busyRows: string[][] = [];
  const notes: string[] = [];
  const only = process.env.BENCH_ONLY; // e.g. "HTML": run only the scenarios whose name contains it
  const cases = scenarios.filter((x) => !only || x.name.includes(only)).flatMap((x) => CONNECTIONS.map((connections) => ({ ...x, connections, name: `${x.name} @${connections}` })));
  for (const s of cases) {
    const runs = new Map<Target, Result[]>(targets.map((t) => [t, []]));
    // One round not counted: a fresh Node process serves its first seconds at about half speed (the JIT warming up).
    for (const t of targets) await load(`${t.url}${s.path}`, t.headers, s.connections);
    for (let round = 0; round < ROUNDS; round++) {
      const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
      for (const t of order) runs.get(t)!.push(await measured(load, `${t.url}${s.path}`, t.headers, s.connections, t.pid));
      if (process.env.BENCH_VERBOSE) {
        console.log(`${s.name} round ${round + 1}: ${targets.map((t) => `${t.name} ${runs.get(t)!.at(-1)!.rps.toFixed(0)} (core ${percent(runs.get(t)!.at(-1)!.busy)})`).join(', ')}`);
      }
    }
    const p = runs.get(passwayTarget)!;
    const b = runs.get(baseline)!;
    const errors = p.reduce((n, r) => n + r.errors, 0);
    if (errors > 0) {
      // Say what the failures were: one more request, its status and page title.
      const probe = await request(`${passway.url}${s.path}`, { headers: passway.headers });
      const text = await probe.body.text();
      notes.push(`${s.name}: ${errors} Passway errors; a request right after answered ${probe.statusCode} ${/<title>([^<]*)/.exec(text)?.[1] ?? ''}`);
    }
    const ratios = p.map((r, i) => r.rps / b[i]!.rps);
    const ratio = median(ratios);
    const cells = (t: Target) => {
      const rs = runs.get(t)!;
      return [median(rs.map((r) => r.rps)).toFixed(0), median(rs.map((r) => r.p50)).toFixed(2), median(rs.map((r) => r.p99)).toFixed(2)];
    };
    const floorRps = median(runs.get(floorTarget)!.map((r) => r.rps));
    const bareRps = median(runs.get(bareTarget)!.map((r) => r.rps));
    const withRules = median(p.map((r) => r.rps));
    const cpuWith = median(p.map((r) => r.cpuUs ?? NaN));
    const cpuBare = median(runs.get(bareTarget)!.map((r) => r.cpuUs ?? NaN));
    notes.push(
      `${s.name}: security rules (conservative preset) ${withRules.toFixed(0)} req/s, without rules ${bareRps.toFixed(0)} req/s (${(100 * (1 - withRules / bareRps)).toFixed(1)} % fewer); ` +
        `CPU per request ${cpuWith.toFixed(0)} µs with rules, ${cpuBare.toFixed(0)} µs without: rule evaluation costs ${(100 * (cpuWith / cpuBare - 1)).toFixed(1)} % (budget 5 %)`,
    );
    busyRows.push([s.name, ...targets.map((t) => percent(median(runs.get(t)!.map((r) => r.busy ?? NaN))))]);
    rows.push([
      s.name,
      ...cells(passwayTarget),
      floorRps.toFixed(0),
      ...(baseline === floorTarget ? [] : cells(baseline)),
      `${ratio.toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
      `${(median(p.map((r) => r.rps)) / floorRps).toFixed(2)}`,
      `≥ ${s.target} ${ratio >= s.target ? 'met' : 'not met'}`,
      p99Verdict(s.connections, median(p.map((r) => r.p99)), median(b.map((r) => r.p99))),
      targets.map((t) => runs.get(t)!.reduce((n, r) => n + r.errors, 0)).join('/'),
    ]);
  }

  // Memory: RSS of this process around a 200 MB download streamed through Passway to curl.
  const passwayPid = passwayChild.child.pid!;
  const rssBefore = rssOf(passwayPid);
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssOf(passwayPid))), 50);
  const downloaded = await new Promise<string>((resolve, reject) =>
    execFile(...on(LOAD_CORES, 'curl', ['-s', '-o', '/dev/null', '-w', '%{size_download}', '-H', `Host: ${proxiedHost}`, '-H', `Cookie: ${cookie}`, `${passway.url}/large`]), (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    ),
  );
  clearInterval(sampler);
  const rssAfter = rssOf(passwayPid);
  await sleep(REST_MS);
  const rssAtRest = rssOf(passwayPid);

  // errors: non-2xx responses plus wrk socket errors (connect, read, write, timeout), per target in table order.
  const header = [
    'scenario',
    'Passway req/s',
    'p50 ms',
    'p99 ms',
    'floor req/s',
    ...(baseline === floorTarget ? [] : ['nginx req/s', 'p50 ms', 'p99 ms']),
    'Passway/baseline (range)',
    'Passway/floor',
    'target',
    `p99 target (@${MANY})`,
    baseline === floorTarget ? 'errors P/floor' : 'errors P/floor/nginx',
  ];
  console.log(`\nBaseline: ${baseline.name}; floor: undici dispatch() in its own process, no checks, no rewriting; medians of ${ROUNDS} rounds`);
  printTable([header, ...rows]);
  if (PIN) {
    console.log(`\nHow busy core ${PROXY_CORES} (the proxy's alone) was, medians: below about 95 %, the load side (wrk, upstream) set the pace, not the proxy`);
    printTable([['scenario', ...targets.map((t) => t.name)], ...busyRows]);
  }
  console.log(
    `\nHTML page ${pageOriginal.bytes} bytes: URLs rewritten — Passway ${pagePassway.rewritten} (look-alikes wrongly rewritten: ${pagePassway.wrong}), ` +
      `${baseline.name} ${pageBaseline.rewritten} (look-alikes wrongly rewritten: ${pageBaseline.wrong})`,
  );
  for (const note of notes) console.log(note);
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  console.log(
    `Memory: ${mb(Number(downloaded))} streamed through Passway to curl; Passway RSS before ${mb(rssBefore)}, peak ${mb(rssPeak)}, after ${mb(rssAfter)} (delta ${mb(rssAfter - rssBefore)})`,
  );
  console.log(
    `Idle RSS (${allocatorName(serving)}, ${REST_MS / 1000} s at rest): after start ${mb(rssIdleStart)}, after all the load ${mb(rssAtRest)}; target ≤ ${IDLE_RSS_TARGET_MB} MB ${Math.max(rssIdleStart, rssAtRest) <= IDLE_RSS_TARGET_MB * 1024 * 1024 ? 'met' : 'not met'}`,
  );

  stopNginx();
  floor.child.kill('SIGTERM');
  upstream.child.kill('SIGTERM');
  passwayChild.child.kill('SIGTERM');
  bareChild.child.kill('SIGTERM');
  rmSync(tmp, { recursive: true, force: true });
}

if (process.argv[2] === 'upstream') runUpstream();
else if (process.argv[2] === 'floor') runFloor(Number(process.argv[3]));
else if (process.argv[2] === 'passway') void runPassway(Number(process.argv[3]), process.argv[4] === 'no-rules' ? 'no-rules' : 'rules');
else
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
