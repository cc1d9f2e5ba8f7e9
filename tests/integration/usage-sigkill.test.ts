/**
 * Issue 14: a gateway SIGKILLed in the middle of proxied traffic loses no proxied request that its
 * NCSA access log kept: the proxy summaries share every write of the usage log with the access
 * lines. The next process on the same usage folder counts what the dead one logged but had not
 * counted, by itself.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { RedisStore } from '../../gateway/store';
import { queryUsage, readUsageLog, type StoredUsageEvent } from '../../gateway/usage';
import type { DemoIdpHandle } from '../../demo';
import { startDemoPlainVendor } from '../../demo/plain-vendor';
import type { DemoServerHandle } from '../../demo/server';
import { serve, type Served } from '../helpers/process';
import { deletePrefix, REDIS_URL, testPrefix } from '../helpers/stores';
import { demoLibrary } from './proxy-harness';
import { CookieJar, INSTITUTIONS, post, samlLogin, signInAtIdp, spKeyFiles, startIdp } from './saml-harness';

const PUBLIC_PORT = 18_447;
const PUBLIC_URL = `http://localhost:${PUBLIC_PORT}`;
const GATEWAY_HOST = `localhost:${PUBLIC_PORT}`;

let stateDir: string;
let usageDir: string;
let configFile: string;
let prefix: string;
let idp: DemoIdpHandle;
let vendor: DemoServerHandle;
const nodes: Served[] = [];
const env = { PASSWAY_SESSION_SECRET: 'usage-sigkill-secret-'.padEnd(48, 'x'), PASSWAY_LOG_LEVEL: 'warn', PASSWAY_CONFIG: '' };

const direct = (served: Served) => `http://127.0.0.1:${new URL(served.url).port}`;
const vendorHost = () => `localhost---http-${vendor.port}.p.localhost:${PUBLIC_PORT}`;

async function at(node: Served, host: string, pathAndQuery: string, cookie?: string) {
  const res = await request(`${direct(node)}${pathAndQuery}`, { headers: { host, ...(cookie ? { cookie } : {}) } });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-usage-sigkill-'));
  usageDir = path.join(stateDir, 'usage');
  prefix = testPrefix('usage-sigkill');
  const signing = await spKeyFiles(stateDir);
  idp = await startIdp(stateDir, []);
  vendor = await startDemoPlainVendor({ port: 0 });
  const config = {
    server: { port: 0, publicUrl: PUBLIC_URL },
    store: { kind: 'redis', url: REDIS_URL, keyPrefix: prefix },
    institutions: INSTITUTIONS,
    logins: [samlLogin('demo-idp', idp)],
    saml: { entityID: 'https://passway.test/shibboleth', signing },
    usage: { dir: usageDir, accessLog: true },
    resources: [demoLibrary(vendor.port, { patterns: { item: ['/article/\\d+$'] } })],
  };
  configFile = path.join(stateDir, 'passway.yaml');
  await writeFile(configFile, JSON.stringify(config, null, 2));
  nodes.push(await serve(['--config', configFile], { env }));
  idp.trustSpMetadataUrl(`${direct(nodes[0]!)}/auth/saml/metadata`);
});

afterAll(async () => {
  await Promise.all(nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null).map((n) => n.stop()));
  await idp?.close();
  await vendor?.close();
  await deletePrefix(prefix);
  await rm(stateDir, { recursive: true, force: true });
});

test('SIGKILL mid-traffic: every proxied request in the NCSA log is in the usage log, and counted once the next process starts', async () => {
  const one = nodes[0]!;
  const jar = new CookieJar();
  const { form } = await signInAtIdp(direct(one), 'demo-idp', 'faculty', jar, '/');
  expect((await post(`${direct(one)}/auth/saml/acs`, form.fields, jar)).status).toBe(303);
  const first = await at(one, vendorHost(), '/');
  const handoff = new URL(String(first.headers.location));
  const minted = await at(one, GATEWAY_HOST, handoff.pathname + handoff.search, jar.header());
  const back = new URL(String(minted.headers.location));
  const nonceCookie = String(first.headers['set-cookie']).split(';')[0]!; // only the browser that started the handoff completes it
  const landed = await at(one, vendorHost(), back.pathname + back.search, nonceCookie);
  const cookie = String(landed.headers['set-cookie']).split(';')[0]!;
  expect(cookie).toMatch(/^passway_sid=s/);

  // Six readers' worth of requests in parallel; the process dies after 150 answers, requests still in flight.
  let sent = 0;
  let answered = 0;
  const exited = new Promise((resolve) => one.child.once('exit', (_code, signal) => resolve(signal)));
  const worker = async () => {
    while (one.child.signalCode === null && sent < 2_000) {
      sent++;
      const n = sent;
      try {
        const res = await at(one, vendorHost(), n % 3 === 0 ? `/article/${n % 50}` : '/', cookie);
        if (res.status === 200) answered++;
      } catch {
        return; // the process is gone
      }
      if (answered === 150) one.child.kill('SIGKILL');
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  expect(await exited).toBe('SIGKILL');

  const files = await readdir(usageDir);
  const accessFile = files.find((f) => f.startsWith('access-'))!;
  const deadNode = /^access-\d{4}-\d{2}-\d{2}\.(.+)\.log$/.exec(accessFile)![1]!;
  const ncsa = (await readFile(path.join(usageDir, accessFile), 'utf8')).split('\n').filter(Boolean);
  const ncsaItems = ncsa.filter((l) => /\/article\/\d+ HTTP/.test(l)).length;
  const summaries: StoredUsageEvent[] = [];
  for await (const e of readUsageLog(usageDir)) if (e.type === 'proxy-summary' && e.node === deadNode) summaries.push(e);
  const logged = summaries.reduce((n, e) => n + (e.type === 'proxy-summary' ? e.requests : 0), 0);
  const loggedItems = summaries.reduce((n, e) => n + (e.type === 'proxy-summary' ? (e.itemRequests ?? 0) : 0), 0);
  expect(ncsa.length).toBeGreaterThan(0);
  expect(logged).toBeGreaterThanOrEqual(ncsa.length); // nothing the access log kept is missing
  expect(logged).toBeLessThanOrEqual(sent);
  expect(loggedItems).toBeGreaterThanOrEqual(ncsaItems);

  // The next process on the folder counts what the dead one had logged (no admin step).
  nodes.push(await serve(['--config', configFile], { env }));
  const store = new RedisStore({ url: REDIS_URL, keyPrefix: prefix });
  const day = summaries[0]!.day;
  let counted = { requests: 0, items: 0 };
  for (let i = 0; i < 100 && counted.requests !== logged; i++) {
    const rows = await queryUsage(store, { from: day, to: day, resource: 'demo-library' });
    counted = { requests: rows.reduce((n, r) => n + r.requests, 0), items: rows.reduce((n, r) => n + r.itemRequests, 0) };
    if (counted.requests !== logged) await new Promise((r) => setTimeout(r, 100));
  }
  console.log(`SIGKILL: ${sent} proxied requests sent (${answered} answered), ${ncsa.length} in the NCSA log, ${logged} in the usage log, ${counted.requests} counted; item requests ${ncsaItems} / ${loggedItems} / ${counted.items}`);
  expect(counted).toEqual({ requests: logged, items: loggedItems });
  await store.close();
});
