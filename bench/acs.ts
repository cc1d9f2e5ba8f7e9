/**
 * SAML sign-in (the ACS) against a real Shibboleth SP 3 (issue 20, item 1), measured in the same run:
 *
 *   - one IdP key and one IdP metadata file (with shibmd:Scope) trusted by both SPs; every login is a
 *     fresh signed, IdP-initiated response (xml-crypto, Response and Assertion signed, as Shibboleth IdPs
 *     send them), with the same attributes for both (pairwise-id, eduPersonEntitlement,
 *     eduPersonScopedAffiliation, a persistent NameID); unique IDs, since both keep a replay cache;
 *   - the baseline: Debian's Shibboleth SP (shibd + Apache with mod_shib, tests/helpers/shibboleth-sp.ts),
 *     its ACS Shibboleth.sso/SAML2/POST; a login counts when it answers 302 with a _shibsession_ cookie.
 *     Without it (and no apt to install it) it says so, and the baseline is plain node-saml validation
 *     (validatePostResponseAsync and an in-memory replay cache) in a Node process of its own;
 *   - Passway in its own process (createGateway + startServer, as production), a SAML login with
 *     allowIdpInitiated, the memory store (BENCH_STORE=redis for Redis); a login counts on 303 with the
 *     session cookie;
 *   - neither pinned: both SPs may use every core (Shibboleth's shibd and Apache do).
 *
 * Load: CONCURRENCY keep-alive connections (undici Pool) posting LOGINS responses per target and round,
 * signed before the round starts (signing is not measured). ROUNDS interleaved rounds, the order rotating,
 * one warm-up round not counted; the table shows medians and the per-round Passway/Shibboleth ratio range.
 * Run: npm run bench:acs (BENCH_ROUNDS=5, BENCH_LOGINS=400, BENCH_CONCURRENCY=8, BENCH_STORE=memory|redis,
 * BENCH_SAML_WORKERS=<n> to size Passway's validation pool, BENCH_VERBOSE=1 for every round).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { Pool } from 'undici';
import { NODE_FLAGS } from '../gateway/gc-tuning';
import { MemoryStore, RedisStore, type Store } from '../gateway/store';
import { idpMetadataXml } from '../demo/idp-messages';
import { loadOrCreateKeyPair, type DemoKeyPair } from '../demo/keys';
import { startBenchGateway } from './gateway-node';
import { freePort } from '../tests/helpers/ports';
import { ATTRIBUTE, signedResponse } from '../tests/helpers/saml-response';
import { installShibbolethSp, shibbolethInstalled, startShibbolethSp } from '../tests/helpers/shibboleth-sp';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const LOGINS = Number(process.env.BENCH_LOGINS ?? 400);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const IDP_ENTITY_ID = 'https://idp.bench.demo.edu.cn/idp/shibboleth';
const TARGET_RATIO = 1.2;

/** The same released attributes for every SP (the values are the reader's; the NameID is per login). */
const ATTRIBUTES = {
  [ATTRIBUTE.pairwiseId]: ['Q2ZV7KJ4XW3M5BNL@demo.edu.cn'],
  [ATTRIBUTE.eduPersonEntitlement]: ['urn:mace:dir:entitlement:common-lib-terms'],
  [ATTRIBUTE.eduPersonScopedAffiliation]: ['student@demo.edu.cn', 'member@demo.edu.cn'],
};

interface Target {
  name: string;
  spEntityID: string;
  acsUrl: string;
  /** RelayState posted with the response (Shibboleth's target page; Passway ignores it for unsolicited ones). */
  relayState?: string;
  /** Answer status and cookie name of a login that worked. */
  ok: { status: number; cookie: RegExp };
  /** Its processes, for CPU time per login. */
  pids(): number[];
}

interface Result {
  rate: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU ms per login of the target process (when its pid is known). */
  cpuMs?: number;
  firstError?: string;
}

// ---------------------------------------------------------------- SPs in their own processes

function childStore(): Store {
  if (process.env.BENCH_STORE === 'redis') return new RedisStore({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', keyPrefix: `passway-bench-acs:${process.pid}:` });
  return new MemoryStore();
}

/** Passway with one SAML login accepting unsolicited responses. Prints "port spEntityID". */
async function runPassway(dir: string): Promise<void> {
  const workers = process.env.BENCH_SAML_WORKERS;
  const { port } = await startBenchGateway(
    {
      logins: [{ kind: 'saml', id: 'campus', institution: 'uni', entityID: IDP_ENTITY_ID, metadataFile: path.join(dir, 'idp-metadata.xml'), allowIdpInitiated: true }],
      saml: { signing: { keyFile: path.join(dir, 'sp', 'key.pem'), certFile: path.join(dir, 'sp', 'cert.pem') }, ...(workers !== undefined ? { validationWorkers: Number(workers) } : {}) },
    },
    childStore(),
  );
  process.stdout.write(`${port} http://localhost:${port}/auth/saml/metadata\n`);
}

/** The fallback baseline: node-saml's own validation and a replay cache, nothing else. Prints "port". */
async function runNodeSaml(dir: string, spEntityID: string): Promise<void> {
  const port = await freePort();
  const acsUrl = `http://localhost:${port}/acs`;
  const cert = /<ds:X509Certificate>([^<]+)</.exec(readFileSync(path.join(dir, 'idp-metadata.xml'), 'utf8'))![1]!;
  const saml = new SAML({ issuer: spEntityID, callbackUrl: acsUrl, audience: spEntityID, idpCert: cert, wantAssertionsSigned: true, validateInResponseTo: ValidateInResponseTo.never });
  const seen = new Set<string>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      saml
        .validatePostResponseAsync({ SAMLResponse: form.get('SAMLResponse') ?? '' })
        .then(({ profile }) => {
          const id = profile?.ID ?? '';
          if (!id || seen.has(id)) throw new Error('replayed');
          seen.add(id);
          res.writeHead(302, { Location: '/', 'Set-Cookie': 'session=1; Path=/' }).end();
        })
        .catch((error: Error) => res.writeHead(403).end(error.message));
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1', () => process.stdout.write(`${port} ${acsUrl}\n`));
}

function startChild(args: string[]): Promise<{ child: ChildProcess; firstLine: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve({ child, firstLine: out.split('\n')[0]! });
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
}

// ---------------------------------------------------------------- load

/** User + system CPU time of processes (with their threads), in ms (Linux /proc); undefined when unreadable. */
function cpuMs(pids: number[]): number | undefined {
  let total = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      total += (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      return undefined;
    }
  }
  return pids.length > 0 ? total : undefined;
}

function responsesFor(target: Target, key: DemoKeyPair, count: number, round: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const xml = signedResponse({ idpEntityID: IDP_ENTITY_ID, key, spEntityID: target.spEntityID, acsUrl: target.acsUrl, nameID: `reader-${round}-${i}`, attributes: ATTRIBUTES });
    const form = new URLSearchParams({ SAMLResponse: Buffer.from(xml).toString('base64') });
    if (target.relayState) form.set('RelayState', target.relayState);
    return form.toString();
  });
}

/** Post every body once, CONCURRENCY at a time on keep-alive connections. */
async function drive(target: Target, bodies: string[]): Promise<Result> {
  const url = new URL(target.acsUrl);
  const pool = new Pool(url.origin, { connections: CONCURRENCY, pipelining: 1 });
  const times: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const pids = target.pids();
  const cpuBefore = cpuMs(pids);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const start = performance.now();
        const res = await pool.request({ method: 'POST', path: url.pathname, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
        const text = await res.body.text();
        times.push(performance.now() - start);
        const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
        if (res.statusCode !== target.ok.status || !cookies.some((c) => target.ok.cookie.test(c))) {
          errors++;
          firstError ??= `${res.statusCode} ${text.replace(/\s+/g, ' ').slice(0, 300)}`;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpuAfter = cpuMs(pids);
  await pool.close();
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
  const ok = bodies.length - errors;
  return {
    rate: ok / elapsed,
    p50: at(0.5),
    p99: at(0.99),
    errors,
    firstError,
    cpuMs: cpuBefore !== undefined && cpuAfter !== undefined && ok > 0 ? (cpuAfter - cpuBefore) / bodies.length : undefined,
  };
}

const median = (values: number[]) => {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)]!;
};

function printTable(table: string[][]): void {
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  for (const r of table) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'passway-bench-acs-'));
  const idpKey = await loadOrCreateKeyPair(path.join(dir, 'idp'), 'Bench IdP');
  await loadOrCreateKeyPair(path.join(dir, 'sp'), 'Bench Passway SP');
  const metadataFile = path.join(dir, 'idp-metadata.xml');
  writeFileSync(metadataFile, idpMetadataXml(IDP_ENTITY_ID, 'https://idp.bench.demo.edu.cn/idp/profile/SAML2/Redirect/SSO', idpKey.certificateBase64));

  const stops: (() => Promise<void> | void)[] = [];
  let baseline: Target;
  try {
    if (!shibbolethInstalled()) {
      try {
        installShibbolethSp();
      } catch (error) {
        console.log(`Shibboleth SP could not be installed (${(error as Error).message.split('\n')[0]})`);
      }
    }
    if (shibbolethInstalled()) {
      const shib = await startShibbolethSp({ entityID: 'https://vendor.bench.example/shibboleth', idpMetadataFile: metadataFile });
      stops.push(() => shib.stop());
      const pkg = /Package: libapache2-mod-shib\n(?:[^\n]+\n)*?Version: ([^\n]+)/.exec(readFileSync('/var/lib/dpkg/status', 'utf8'))?.[1] ?? '?';
      baseline = { name: `Shibboleth SP ${pkg.replace(/[+~].*/, "")}`, spEntityID: shib.entityID, acsUrl: shib.acsUrl, relayState: shib.secureUrl, ok: { status: 302, cookie: /^_shibsession_/ }, pids: () => shib.processIds() };
    } else {
      console.log('Shibboleth SP is not installed (apt-get install libapache2-mod-shib apache2): the baseline is plain node-saml validation.');
      const spEntityID = 'https://vendor.bench.example/node-saml';
      const child = await startChild([__filename, 'node-saml', dir, spEntityID]);
      stops.push(() => void child.child.kill('SIGTERM'));
      baseline = { name: 'node-saml validatePostResponseAsync', spEntityID, acsUrl: child.firstLine.split(' ')[1]!, ok: { status: 302, cookie: /^session=/ }, pids: () => [child.child.pid!] };
    }
    const passwayChild = await startChild([...NODE_FLAGS, __filename, 'passway', dir]);
    stops.push(() => void passwayChild.child.kill('SIGTERM'));
    const [port, spEntityID] = passwayChild.firstLine.split(' ') as [string, string];
    const passway: Target = {
      name: `Passway (${process.env.BENCH_STORE === 'redis' ? 'Redis' : 'memory'} store${process.env.BENCH_SAML_WORKERS !== undefined ? `, ${process.env.BENCH_SAML_WORKERS} validation workers` : ''})`,
      spEntityID,
      acsUrl: `http://localhost:${port}/auth/saml/acs`,
      ok: { status: 303, cookie: /^passway_sid=/ },
      pids: () => [passwayChild.child.pid!],
    };
    const targets = [passway, baseline];
    console.log(
      `Load: ${CONCURRENCY} keep-alive connections (undici), ${LOGINS} fresh signed IdP-initiated responses per target and round, ` +
        `${ROUNDS} interleaved rounds after one warm-up; ${os.availableParallelism()} cores, not pinned; Node ${process.version}; baseline ${baseline.name}`,
    );

    const runs = new Map<Target, Result[]>(targets.map((t) => [t, []]));
    for (let round = -1; round < ROUNDS; round++) {
      const order = targets.map((_, i) => targets[(i + Math.max(0, round)) % targets.length]!);
      const line: string[] = [];
      for (const t of order) {
        const bodies = responsesFor(t, idpKey, round < 0 ? Math.min(LOGINS, 100) : LOGINS, round);
        const result = await drive(t, bodies);
        if (round >= 0) runs.get(t)!.push(result);
        line.push(`${t.name} ${result.rate.toFixed(0)}/s${result.errors ? ` (${result.errors} errors: ${result.firstError})` : ''}`);
      }
      if (process.env.BENCH_VERBOSE || round < 0) console.log(`${round < 0 ? 'warm-up' : `round ${round + 1}`}: ${line.join(', ')}`);
    }

    const p = runs.get(passway)!;
    const b = runs.get(baseline)!;
    const ratios = p.map((r, i) => r.rate / b[i]!.rate);
    const ratio = median(ratios);
    const row = (t: Target) => {
      const rs = runs.get(t)!;
      const rates = rs.map((r) => r.rate);
      return [
        t.name,
        `${median(rates).toFixed(0)} (${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)})`,
        median(rs.map((r) => r.p50)).toFixed(1),
        median(rs.map((r) => r.p99)).toFixed(1),
        Number.isNaN(median(rs.map((r) => r.cpuMs ?? NaN))) ? '–' : median(rs.map((r) => r.cpuMs ?? NaN)).toFixed(2),
        String(rs.reduce((n, r) => n + r.errors, 0)),
      ];
    };
    console.log(`\nMedians of ${ROUNDS} rounds (range of logins/s in brackets)`);
    printTable([['SP', 'logins/s', 'p50 ms', 'p99 ms', 'CPU ms/login', 'errors'], row(passway), row(baseline)]);
    console.log(
      `Passway/baseline: ${ratio.toFixed(2)}× (rounds ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}); target ≥ ${TARGET_RATIO}× ${ratio >= TARGET_RATIO ? 'met' : 'not met'}`,
    );
    const cpu = (t: Target) => median(runs.get(t)!.map((r) => r.cpuMs ?? NaN));
    if (!Number.isNaN(cpu(passway)) && !Number.isNaN(cpu(baseline))) {
      // On a shared machine the rates move with the neighbours; CPU per login is each SP's own cost.
      console.log(`CPU per login: Passway ${cpu(passway).toFixed(2)} ms, baseline ${cpu(baseline).toFixed(2)} ms (baseline/Passway ${(cpu(baseline) / cpu(passway)).toFixed(2)}×)`);
    }
    const failures = [...runs.values()].flat().find((r) => r.firstError);
    if (failures) console.log(`first failed login: ${failures.firstError}`);
  } finally {
    for (const stop of stops.reverse()) await stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'passway') void runPassway(process.argv[3]!);
else if (process.argv[2] === 'node-saml') void runNodeSaml(process.argv[3]!, process.argv[4]!);
else
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
