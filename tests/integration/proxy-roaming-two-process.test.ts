/**
 * Issue 21, limits: the seats of a pooled roaming account hold across two gateway processes sharing
 * Redis. The shipped demo entry (one account, two seats) on two real `passway serve` processes: two
 * readers take the seats, on different processes; a third is refused on either; the vendor was signed
 * in to once for all of them (the vendor session, its jar and the sign-in lock live in Redis).
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { startDemoRoamingVendor, type DemoRoamingVendorHandle } from '../../demo';
import { createStore } from '../../gateway/store';
import type { Store } from '../../gateway/store/types';
import { signIn, testConfig, testGateway, TEST_SECRET } from '../helpers/gateway';
import { serve, type Served } from '../helpers/process';
import { deletePrefix, REDIS_URL, testPrefix } from '../helpers/stores';
import { member } from './proxy-harness';
import { demoAccount, leakForms, shippedDemoRoaming } from './roaming-harness';

const PUBLIC_PORT = 18_444;
const PUBLIC_URL = `http://localhost:${PUBLIC_PORT}`;
const INSTITUTIONS = [{ id: 'demo-university', name: { en: 'Demo University' } }];

let stateDir: string;
let prefix: string;
let vendor: DemoRoamingVendorHandle;
let nodes: Served[] = [];
let store: Store;
let config: Record<string, unknown>;

const portOf = (served: Served) => Number(new URL(served.url).port);
const vendorHost = () => `localhost---http-${vendor.port}.p.localhost:${PUBLIC_PORT}`;

async function at(node: Served, cookie: string, pathAndQuery: string) {
  const res = await request(`http://127.0.0.1:${portOf(node)}${pathAndQuery}`, { headers: { host: vendorHost(), cookie } });
  await res.body.text();
  return { status: res.statusCode, location: res.headers.location };
}

/** A reader's session cookie, minted through the Sessions API into the shared Redis (the processes load it from there). */
async function reader(subject: string): Promise<string> {
  const { gateway } = testGateway(testConfig(config), { store });
  try {
    return (await signIn(gateway.sessions, member({ subject }))).cookie;
  } finally {
    gateway.close();
  }
}

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-roaming-two-process-'));
  prefix = testPrefix('roaming-two-process');
  vendor = await startDemoRoamingVendor({ port: 0, stateDir });
  config = {
    server: { port: 0, publicUrl: PUBLIC_URL },
    store: { kind: 'redis', url: REDIS_URL, keyPrefix: prefix },
    institutions: INSTITUTIONS,
    resources: [shippedDemoRoaming(vendor)],
    usage: { dir: path.join(stateDir, 'usage') },
  };
  store = createStore({ kind: 'redis', url: REDIS_URL, keyPrefix: prefix });
  const file = path.join(stateDir, 'passway.yaml');
  await writeFile(file, JSON.stringify(config, null, 2)); // JSON is YAML
  const env = { PASSWAY_SESSION_SECRET: TEST_SECRET, PASSWAY_LOG_LEVEL: 'debug', PASSWAY_CONFIG: '' };
  nodes = await Promise.all([serve(['--config', file], { env }), serve(['--config', file], { env })]);
});

afterAll(async () => {
  await Promise.all(nodes.filter((n) => n.child.exitCode === null).map((n) => n.stop()));
  await vendor?.close();
  await store?.close();
  await deletePrefix(prefix);
  await rm(stateDir, { recursive: true, force: true });
});

test('two seats of one pooled account: two readers on two processes, a third refused on both, one vendor sign-in', async () => {
  const [one, two] = nodes as [Served, Served];
  const [a, b, c] = await Promise.all([reader('reader-a'), reader('reader-b'), reader('reader-c')]);
  // At the same moment, on the two processes: one signs in at the vendor, the other waits for it (a lock in Redis).
  const [first, second] = await Promise.all([at(one, a, '/'), at(two, b, '/article/1')]);
  expect([first.status, second.status]).toEqual([200, 200]);
  for (const node of [one, two]) {
    const third = await at(node, c, '/article/2');
    expect(third.status).toBe(303);
    expect(String(third.location)).toBe(`${PUBLIC_URL}/go/demo-roaming?target=${encodeURIComponent(`http://localhost:${vendor.port}/article/2`)}`);
  }
  // The seated readers carry on, each on the other process.
  expect((await at(two, a, '/article/3')).status).toBe(200);
  expect((await at(one, b, '/article/4')).status).toBe(200);
  expect(vendor.signIns()).toEqual({ ok: 1, refused: 0 });
});

/** Every value under the test's key prefix, as text (strings, hashes, sets, sorted sets, lists, streams). */
async function redisValues(): Promise<string[]> {
  const redis = new Redis(REDIS_URL);
  try {
    const keys = await redis.keys(`${prefix}*`);
    return await Promise.all(
      keys.map(async (key) => {
        const type = await redis.type(key);
        const value =
          type === 'string' ? await redis.getBuffer(key).then((b) => b?.toString('latin1'))
          : type === 'hash' ? await redis.hgetall(key)
          : type === 'set' ? await redis.smembers(key)
          : type === 'zset' ? await redis.zrange(key, '0', '-1', 'WITHSCORES')
          : type === 'list' ? await redis.lrange(key, 0, -1)
          : type === 'stream' ? await redis.xrange(key, '-', '+')
          : `(${type})`;
        return `${key}\n${JSON.stringify(value)}`;
      }),
    );
  } finally {
    redis.disconnect();
  }
}

test('the account is in neither process\'s log output, the usage log files nor the shared Redis', async () => {
  await Promise.all(nodes.map((n) => n.stop())); // the usage log is flushed at exit
  const files = (await readdir(path.join(stateDir, 'usage'))).filter((f) => f.endsWith('.jsonl'));
  const usage = (await Promise.all(files.map((f) => readFile(path.join(stateDir, 'usage', f), 'utf8')))).join('\n');
  expect(usage).toContain('"type":"vendor-login"');
  const output = nodes.map((n) => n.output()).join('\n');
  expect(output).toContain('"service":"passway"'); // log lines (at debug level) were written and are searched
  const redis = await redisValues();
  expect(redis.some((v) => v.includes('roaming:state:demo-roaming'))).toBe(true);
  const account = demoAccount(vendor);
  for (const secret of [account.username, account.password]) {
    for (const form of leakForms(secret)) {
      expect(usage).not.toContain(form);
      expect(output).not.toContain(form);
      for (const value of redis) expect(value).not.toContain(form);
    }
  }
});
