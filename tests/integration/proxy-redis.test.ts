import { RedisStore } from '../../gateway/store';
import { startDemoPlainVendor } from '../fixtures/demo/plain-vendor';
import type { DemoServerHandle } from '../fixtures/demo/server';
import { deletePrefix, REDIS_URL, testPrefix } from '../helpers/stores';
import { get, proxiedHost, signedIn, startGateway, type RunningGateway, demoLibrary } from './proxy-harness';

/** Two gateway nodes sharing one Redis: the vendor cookie jar set through one is used by the other. */
let vendor: DemoServerHandle;
let nodes: RunningGateway[] = [];
const stores: RedisStore[] = [];
const prefix = testPrefix('proxy-jar');

beforeAll(async () => {
  vendor = await startDemoPlainVendor({ port: 0 });
  const configFor = () => ({
    institutions: [{ id: 'demo-university', name: { en: 'Demo University' } }],
    resources: [
      demoLibrary(vendor.port),
    ],
  });
  for (let i = 0; i < 2; i++) {
    const store = new RedisStore({ url: REDIS_URL, keyPrefix: prefix });
    stores.push(store);
    nodes.push(await startGateway(configFor, { store }));
  }
});

afterAll(async () => {
  for (const node of nodes) await node.close();
  for (const store of stores) await store.close();
  await vendor?.close();
  await deletePrefix(prefix);
  nodes = [];
});

it('keeps the jar in Redis: a cookie set through node A comes back through node B, and never reaches the browser', async () => {
  const [a, b] = nodes as [RunningGateway, RunningGateway];
  const cookie = await signedIn(a.gateway);
  const home = await get(a.port, proxiedHost(`localhost---http-${vendor.port}`, a.port), '/', { cookie });
  expect(home.statusCode).toBe(200);
  expect(home.headers['set-cookie']).toBeUndefined();
  await home.body.text();
  const jarKeys = await stores[0]!.get(`jar:${decodeURIComponent(cookie).slice('passway_sid=s:'.length).split('.')[0]}`);
  expect(jarKeys).toContain('vendor_session');
  const who = await get(b.port, proxiedHost(`localhost---http-${vendor.port}`, b.port), '/whoami', { cookie });
  expect(who.statusCode).toBe(200);
  expect(await who.body.text()).toContain('vendor_session cookie came back: demo-session-42');
});
