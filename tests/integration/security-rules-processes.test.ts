/**
 * Issue 18 (tests): the scripted attacks through two gateway *processes* (`passway serve`, as
 * shipped) sharing one Redis behind one public address. A reader signed in at the campus CAS on
 * node 1 harvests PDFs alternately through both nodes: the platform-wide rule trips exactly when the
 * shared count passes the threshold, and both processes refuse the next request. IT then signs the
 * account out everywhere through the API of node 2: the session ends on both processes and a new
 * sign-in is refused until lifted. Nothing here reaches into a process: the test sees what IT and
 * the reader see (HTTP), and the shared counts in Redis.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseSetCookie, stringifyCookie } from 'cookie';
import Redis from 'ioredis';
import { request } from 'undici';
import { startCasServer, type CasServer } from '../fixtures/cas-server';
import { serve, type Served } from '../helpers/process';
import { deletePrefix, REDIS_URL, testPrefix } from '../helpers/stores';

const PUBLIC_PORT = 18_444;
const PUBLIC_HOST = `localhost:${PUBLIC_PORT}`;
const API_TOKEN = 'it-service-desk-token-processes-0123';
const THRESHOLD = 5;

let stateDir: string;
let prefix: string;
let cas: CasServer;
let vendor: http.Server;
let vendorPort = 0;
let redis: Redis;
let nodes: Served[] = [];

const portOf = (node: Served) => Number(new URL(node.url).port);
const vendorHost = () => `localhost---http-${vendorPort}.p.${PUBLIC_HOST}`;

async function at(node: Served, host: string, pathAndQuery: string, headers: Record<string, string> = {}, init: { method?: string; body?: string } = {}) {
  const res = await request(`http://127.0.0.1:${portOf(node)}${pathAndQuery}`, { method: (init.method ?? 'GET') as 'GET', headers: { host, ...headers }, body: init.body });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

const cookiesOf = (setCookie: string | string[] | undefined) =>
  stringifyCookie(Object.fromEntries([setCookie ?? []].flat().map((line) => parseSetCookie(line)).map((c) => [c.name, c.value])));

/** A CAS sign-in through one process, from a client address given by the trusted proxy in front. */
async function casSignIn(node: Served, user: string, address: string) {
  const start = await at(node, PUBLIC_HOST, '/auth/campus-cas/login?returnTo=/', { 'x-forwarded-for': address });
  expect(start.status).toBe(302);
  cas.autoLogin = user;
  const atCas = await fetch(String(start.headers.location), { redirect: 'manual' });
  const back = new URL(atCas.headers.get('location') ?? '');
  const done = await at(node, PUBLIC_HOST, `${back.pathname}${back.search}`, { cookie: cookiesOf(start.headers['set-cookie']), 'x-forwarded-for': address });
  const session = cookiesOf(done.headers['set-cookie']).split('; ').find((c) => c.startsWith('passway_sid=')) ?? '';
  return { status: done.status, cookie: session, text: done.text };
}

/** The harvest rule's shared count in Redis (what every node adds to). */
async function harvestCount(): Promise<number> {
  const windows = await redis.keys(`${prefix}rules:window:harvest:*`);
  let sum = 0;
  for (const key of windows) for (const value of await redis.hvals(key)) sum += Number(value);
  return sum;
}

const trips = async () => (await redis.keys(`${prefix}rules:tripped:harvest:*`)).length;

/** Waits (bounded) until the rules have counted what the node served: counting runs after the response. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-rules-processes-'));
  prefix = testPrefix('rules-processes');
  redis = new Redis(REDIS_URL);
  cas = await startCasServer();
  const pdf = Buffer.alloc(2000, 'p');
  vendor = http.createServer((req, res) => {
    if (req.url?.startsWith('/article/')) res.writeHead(200, { 'Content-Type': 'application/pdf', 'Content-Length': pdf.length }).end(pdf);
    else res.writeHead(200, { 'Content-Type': 'text/plain' }).end('home');
  });
  await new Promise<void>((resolve) => vendor.listen(0, '127.0.0.1', resolve));
  vendorPort = (vendor.address() as AddressInfo).port;
  const config = {
    server: { port: 0, publicUrl: `http://${PUBLIC_HOST}`, trustProxy: ['127.0.0.1'] },
    store: { kind: 'redis', url: REDIS_URL, keyPrefix: prefix },
    institutions: [{ id: 'demo-university', name: { en: 'Demo University' } }],
    logins: [{ kind: 'cas', id: 'campus-cas', institution: 'demo-university', serverUrl: cas.url }],
    resources: [
      {
        id: 'demo-library',
        title: { en: 'Demo Digital Library' },
        vendor: 'Demo',
        hosts: [{ host: `localhost:${vendorPort}`, allowPrivate: true }],
        access: [{ kind: 'proxy', start: `http://localhost:${vendorPort}/` }],
        licences: [{ institution: 'demo-university' }],
        patterns: { item: ['/article/'] },
      },
    ],
    security: {
      preset: 'none',
      rules: [{ name: 'harvest', criterion: 'item-requests', resources: ['demo-library'], over: THRESHOLD, windowMinutes: 60, action: 'suspend', forMinutes: 60 }],
      apiTokens: [{ name: 'service desk', sha256: createHash('sha256').update(API_TOKEN).digest('hex') }],
    },
  };
  const file = path.join(stateDir, 'passway.yaml');
  await writeFile(file, JSON.stringify(config, null, 2)); // JSON is YAML
  const env = { PASSWAY_SESSION_SECRET: 'rules-processes-secret-'.padEnd(48, 'x'), PASSWAY_LOG_LEVEL: 'warn', PASSWAY_CONFIG: '' };
  nodes = await Promise.all([serve(['--config', file], { env }), serve(['--config', file], { env })]);
});

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await cas?.close();
  vendor?.closeAllConnections();
  await new Promise((resolve) => vendor?.close(resolve));
  await deletePrefix(prefix);
  redis?.disconnect();
  await rm(stateDir, { recursive: true, force: true });
});

test('a harvest spread over two processes trips the platform-wide rule exactly past the threshold, and both refuse the next request', async () => {
  const [one, two] = nodes as [Served, Served];
  expect(portOf(one)).not.toBe(portOf(two));
  const reader = await casSignIn(one, 'zhang3', '198.51.100.7');
  expect(reader.status).toBe(303);
  expect(reader.cookie).not.toBe('');

  for (let i = 1; i <= THRESHOLD; i++) {
    const res = await at(i % 2 ? one : two, vendorHost(), `/article/${i}`, { cookie: reader.cookie });
    expect(res.status).toBe(200);
    await until(`count ${i}`, async () => (await harvestCount()) === i);
    expect(await trips()).toBe(0);
  }
  expect((await at(two, vendorHost(), `/article/${THRESHOLD + 1}`, { cookie: reader.cookie })).status).toBe(200);
  await until('the trip', async () => (await trips()) === 1);

  for (const node of [one, two]) {
    const refused = await at(node, vendorHost(), '/article/99', { cookie: reader.cookie });
    expect(refused.status).toBe(303);
    expect(String(refused.headers.location)).toBe(`http://${PUBLIC_HOST}/suspended/demo-library`);
  }
  expect(await trips()).toBe(1);
});

test('sign-out everywhere through one process ends the session on both and refuses sign-in until lifted', async () => {
  const [one, two] = nodes as [Served, Served];
  const onOne = await casSignIn(one, 'li4', '203.0.113.20');
  const onTwo = await casSignIn(two, 'li4', '203.0.113.20');
  const home = (node: Served, cookie: string) => at(node, vendorHost(), '/', { cookie });
  expect((await home(one, onOne.cookie)).status).toBe(200);
  expect((await home(two, onTwo.cookie)).status).toBe(200);

  const api = (action: string) =>
    at(two, PUBLIC_HOST, `/api/v1/security/${action}`, { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' }, { method: 'POST', body: JSON.stringify({ account: 'demo-university:li4' }) });
  const signedOut = await api('sign-out');
  expect(signedOut.status).toBe(200);
  expect(JSON.parse(signedOut.text)).toMatchObject({ sessionsEnded: 2, blocked: true });
  for (const [node, cookie] of [[one, onOne.cookie], [two, onTwo.cookie], [one, onTwo.cookie]] as const) expect((await home(node, cookie)).status).not.toBe(200);

  const refused = await casSignIn(one, 'li4', '203.0.113.20');
  expect(refused.status).toBe(403);
  expect(refused.text).toContain('account-blocked');
  expect(refused.cookie).toBe('');

  expect(JSON.parse((await api('lift')).text)).toMatchObject({ lifted: true });
  const again = await casSignIn(one, 'li4', '203.0.113.20');
  expect(again.status).toBe(303);
  expect((await home(two, again.cookie)).status).toBe(200);
});
