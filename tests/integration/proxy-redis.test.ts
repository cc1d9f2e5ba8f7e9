import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RedisStore } from '../../gateway/store';
import { startDemoPlainVendor } from '../../demo/plain-vendor';
import type { DemoServerHandle } from '../../demo/server';
import { deletePrefix, REDIS_URL, testPrefix } from '../helpers/stores';
import { get, proxiedHost, signedIn, startGateway, type RunningGateway, demoLibrary } from './proxy-harness';

/** Two gateway nodes sharing one Redis: the vendor cookie jar set through one is used by the other. */
let vendor: DemoServerHandle;
/** An upstream whose cookie the test chooses: /set?v=X sets c=X, /who echoes the Cookie header. */
let chooser: http.Server;
let nodes: RunningGateway[] = [];
const stores: RedisStore[] = [];
const prefix = testPrefix('proxy-jar');

beforeAll(async () => {
  vendor = await startDemoPlainVendor({ port: 0 });
  chooser = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/set') res.setHeader('Set-Cookie', `c=${url.searchParams.get('v')}; Path=/`);
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`cookie: ${req.headers.cookie ?? ''}`);
  });
  await new Promise<void>((resolve) => chooser.listen(0, '127.0.0.1', resolve));
  const chooserPort = (chooser.address() as AddressInfo).port;
  const configFor = () => ({
    institutions: [{ id: 'demo-university', name: { en: 'Demo University' } }],
    resources: [
      demoLibrary(vendor.port),
      demoLibrary(chooserPort, { id: 'chooser', title: { en: 'Chooser' } }),
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
  chooser?.closeAllConnections();
  await new Promise((resolve) => chooser?.close(resolve));
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

it('reads a jar another node changed since this one last used it', async () => {
  const [a, b] = nodes as [RunningGateway, RunningGateway];
  const port = (chooser.address() as AddressInfo).port;
  const cookie = await signedIn(a.gateway);
  const on = (node: RunningGateway, path: string) => get(node.port, proxiedHost(`localhost---http-${port}`, node.port), path, { cookie }).then((r) => r.body.text());
  await on(a, '/set?v=one');
  expect(await on(b, '/who')).toBe('cookie: c=one'); // node B parses and keeps the jar
  await on(a, '/set?v=two');
  expect(await on(b, '/who')).toBe('cookie: c=two');
  await on(b, '/set?v=three');
  expect(await on(a, '/who')).toBe('cookie: c=three');
});
