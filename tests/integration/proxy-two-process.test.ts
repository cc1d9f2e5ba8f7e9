/**
 * Issue 5, item 7 (any node serves any session): two real gateway processes sharing Redis behind
 * one public address. A reader signs in through the demo IdP, takes the session to the proxied
 * vendor host and browses it through process 1 (the vendor's cookie goes to the jar); process 1
 * is then killed with SIGKILL and the same browser carries on through process 2: no new sign-in,
 * and the vendor still sees its cookie (the jar lives in Redis, not in the dead process).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import type { DemoIdpHandle } from '../../demo';
import { startDemoPlainVendor } from '../../demo/plain-vendor';
import type { DemoServerHandle } from '../../demo/server';
import { serve, type Served } from '../helpers/process';
import { deletePrefix, REDIS_URL, testPrefix } from '../helpers/stores';
import { demoLibrary } from './proxy-harness';
import { CookieJar, INSTITUTIONS, post, samlLogin, signInAtIdp, spKeyFiles, startIdp } from './saml-harness';

/** The one address users see (a load balancer in front of both processes); never contacted: requests go to each process's real port. */
const PUBLIC_PORT = 18_443;
const PUBLIC_URL = `http://localhost:${PUBLIC_PORT}`;
const GATEWAY_HOST = `localhost:${PUBLIC_PORT}`;

let stateDir: string;
let prefix: string;
let idp: DemoIdpHandle;
let vendor: DemoServerHandle;
let nodes: Served[] = [];

const portOf = (served: Served) => Number(new URL(served.url).port);
const direct = (served: Served) => `http://127.0.0.1:${portOf(served)}`;
const vendorHost = () => `localhost---http-${vendor.port}.p.localhost:${PUBLIC_PORT}`;

/** A request to one process's real port with the Host header the browser would send. */
async function at(node: Served, host: string, pathAndQuery: string, cookie?: string) {
  const res = await request(`${direct(node)}${pathAndQuery}`, { headers: { host, ...(cookie ? { cookie } : {}) } });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-proxy-two-process-'));
  prefix = testPrefix('proxy-two-process');
  const signing = await spKeyFiles(stateDir);
  idp = await startIdp(stateDir, []);
  vendor = await startDemoPlainVendor({ port: 0 });
  const config = {
    server: { port: 0, publicUrl: PUBLIC_URL },
    store: { kind: 'redis', url: REDIS_URL, keyPrefix: prefix },
    institutions: INSTITUTIONS,
    logins: [samlLogin('demo-idp', idp)],
    saml: { entityID: 'https://passway.test/shibboleth', signing },
    resources: [
      demoLibrary(vendor.port),
    ],
  };
  const file = path.join(stateDir, 'passway.yaml');
  await writeFile(file, JSON.stringify(config, null, 2)); // JSON is YAML
  const env = { PASSWAY_SESSION_SECRET: 'proxy-two-process-secret-'.padEnd(48, 'x'), PASSWAY_LOG_LEVEL: 'warn', PASSWAY_CONFIG: '' };
  nodes = await Promise.all([serve(['--config', file], { env }), serve(['--config', file], { env })]);
  idp.trustSpMetadataUrl(`${direct(nodes[0]!)}/auth/saml/metadata`);
});

afterAll(async () => {
  await Promise.all(nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null).map((n) => n.stop()));
  await idp?.close();
  await vendor?.close();
  await deletePrefix(prefix);
  await rm(stateDir, { recursive: true, force: true });
});

test('a session and its vendor cookie jar survive the SIGKILL of the process that served them', async () => {
  const [one, two] = nodes as [Served, Served];
  expect(portOf(one)).not.toBe(portOf(two));

  // Sign in through the demo IdP (SAML), the ACS answered by process 1.
  const gatewayJar = new CookieJar();
  const { form } = await signInAtIdp(direct(one), 'demo-idp', 'faculty', gatewayJar, '/');
  const acs = await post(`${direct(one)}/auth/saml/acs`, form.fields, gatewayJar);
  expect(acs.status).toBe(303);
  const gatewayCookie = gatewayJar.header();
  expect(gatewayCookie).toMatch(/passway_sid=s/);

  // The proxied host has no cookie yet: the session handoff through the gateway (all on process 1).
  const first = await at(one, vendorHost(), '/');
  expect(first.status).toBe(303);
  const handoff = new URL(String(first.headers.location));
  expect(handoff.origin).toBe(PUBLIC_URL);
  const minted = await at(one, GATEWAY_HOST, handoff.pathname + handoff.search, gatewayCookie);
  expect(minted.status).toBe(303);
  const back = new URL(String(minted.headers.location));
  expect(back.host).toBe(vendorHost());
  const nonceCookie = String(first.headers['set-cookie']).split(';')[0]!; // only the browser that started the handoff completes it
  const landed = await at(one, vendorHost(), back.pathname + back.search, nonceCookie);
  expect(landed.status).toBe(303);
  const proxiedCookie = String([landed.headers['set-cookie']].flat()[0]).split(';')[0]!;
  expect(proxiedCookie).toMatch(/^passway_sid=s/);

  // Browse the vendor through process 1: its Set-Cookie goes to the jar, never to the browser.
  const home = await at(one, vendorHost(), '/', proxiedCookie);
  expect(home.status).toBe(200);
  expect(home.headers['set-cookie']).toBeUndefined();
  const before = await at(one, vendorHost(), '/whoami', proxiedCookie);
  expect(before.status).toBe(200);
  expect(before.text).toContain('vendor_session cookie came back: demo-session-42');

  // Process 1 dies without a chance to flush anything.
  const exited = new Promise((resolve) => one.child.once('exit', (_code, signal) => resolve(signal)));
  one.child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  await expect(request(`${direct(one)}/`)).rejects.toThrow();

  // The same browser, now served by process 2: no handoff, no sign-in, the vendor cookie intact.
  const after = await at(two, vendorHost(), '/whoami', proxiedCookie);
  expect(after.status).toBe(200);
  expect(after.text).toContain('vendor_session cookie came back: demo-session-42');
  const article = await at(two, vendorHost(), '/article/42', proxiedCookie);
  expect(article.status).toBe(200);
  expect(article.text).toContain(`http://${vendorHost()}/`);
  // The gateway side of the session works on process 2 as well (the portal greets the reader).
  const portal = await at(two, GATEWAY_HOST, '/', gatewayCookie);
  expect(portal.status).toBe(200);
  expect(portal.text).toContain('张伟 Zhang Wei');
});
