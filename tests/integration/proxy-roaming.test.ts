/**
 * Issue 21: roaming accounts (漫游账号). The demo vendor with a form login (CSRF token in the form, a
 * session cookie, a logout that ends it), catalogued as config/examples/demo.yaml ships it (pooled, two
 * seats), reached by readers through the proxy: the gateway signs in server-side, the readers never
 * receive the account, an ended vendor session is renewed once, and a wrong password is a failure IT sees
 * (/admin/vendor-logins, `vendor check`) and readers get a clear page for.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startDemoRoamingVendor, type DemoRoamingVendorHandle } from '../../demo';
import { readVendorLoginStatus } from '../../gateway/proxy/roaming';
import { checkResources, defaultDeps } from '../../resource-catalog/vendor-check';
import { Resource } from '../../resource-catalog/schema';
import { get, member, proxiedHost, signedIn, startGateway, type RunningGateway } from './proxy-harness';
import { demoAccount, leakForms, seenByBrowser, shippedDemoRoaming } from './roaming-harness';
import { connect } from '../helpers/ws';

const INSTITUTIONS = [{ id: 'demo-university', name: { en: 'Demo University', zh: '演示大学' } }];
const ADMIN = { roles: { admins: { subjects: ['demo-university:it-admin'] } } };
const resolve = async (name: string) => (name === 'localhost' ? ['127.0.0.1'] : []);

let stateDir: string;
let vendor: DemoRoamingVendorHandle;
let gw: RunningGateway;
let account: { username: string; password: string };
let host: string;
/** Everything any browser received in this file, and every gateway's log lines, searched for the account at the end. */
const received: string[] = [];
const logs: Record<string, unknown>[][] = [];

async function browse(cookie: string, pathAndQuery: string, headers: Record<string, string> = {}) {
  const res = await get(gw.port, host, pathAndQuery, { cookie, ...headers });
  const text = await res.body.text();
  received.push(seenByBrowser(res.statusCode, res.headers, text));
  return { status: res.statusCode, headers: res.headers, text };
}

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-roaming-'));
  vendor = await startDemoRoamingVendor({ port: 0, stateDir });
  account = demoAccount(vendor);
  gw = await startGateway(() => ({ institutions: INSTITUTIONS, resources: [shippedDemoRoaming(vendor)], admin: ADMIN }), { resolve });
  host = proxiedHost(`localhost---http-${vendor.port}`, gw.port);
  logs.push(gw.lines);
});

afterAll(async () => {
  await gw?.close();
  await vendor?.close();
  await rm(stateDir, { recursive: true, force: true });
});

describe('a pooled roaming account through the proxy', () => {
  let readerA: string;
  let readerB: string;

  beforeAll(async () => {
    readerA = await signedIn(gw.gateway, member({ subject: 'reader-a' }));
    readerB = await signedIn(gw.gateway, member({ subject: 'reader-b' }));
  });

  test('two readers reach the vendor, signed in once, server-side, on the shared account', async () => {
    const a = await browse(readerA, '/');
    expect(a.status).toBe(200);
    expect(a.text).toContain("You are signed in with the library's account.");
    expect(a.headers['set-cookie']).toBeUndefined(); // the vendor's session cookie stays in the server-side jar
    const b = await browse(readerB, '/article/7');
    expect(b.status).toBe(200);
    expect(b.text).toContain('Full text of the article');
    expect(vendor.signIns()).toEqual({ ok: 1, refused: 0 });
    expect(vendor.openSessions()).toBe(1);
  });

  test('a third reader finds both seats of the account taken and is told so at the launch link', async () => {
    const readerC = await signedIn(gw.gateway, member({ subject: 'reader-c' }));
    const c = await browse(readerC, '/article/8');
    expect(c.status).toBe(303);
    expect(String(c.headers.location)).toContain('/go/demo-roaming');
    const launch = await get(gw.port, `localhost:${gw.port}`, '/go/demo-roaming', { cookie: readerC });
    const page = await launch.body.text();
    received.push(page);
    expect(launch.statusCode).toBe(403);
    expect(page).toMatch(/seat|in use/i);
  });

  test('a page that greets the account is refused with a clear page, in Chinese too', async () => {
    const en = await browse(readerA, '/welcome');
    expect(en.status).toBe(403);
    expect(en.text).toContain('This page is not shown');
    expect(en.text).toContain('Demo Roaming Vendor');
    const zh = await browse(readerA, '/welcome', { 'accept-language': 'zh-CN' });
    expect(zh.text).toContain('此页面不予显示');
  });

  test('account, password and sign-out pages are not reachable', async () => {
    for (const page of ['/account', '/account/password', '/logout']) {
      const res = await browse(readerA, page);
      expect(res.status).toBe(403);
      expect(res.text).toContain('Account pages are not available');
    }
    expect(vendor.openSessions()).toBe(1); // the shared session was not signed out by a reader
  });

  test('a WebSocket handshake is refused before anything reaches the vendor: its frames could show the account unchecked', async () => {
    const sessionsBefore = vendor.openSessions();
    const result = await connect(`ws://127.0.0.1:${gw.port}/live`, { headers: { host, cookie: readerA, 'accept-language': 'en' }, origin: `http://${host}` });
    expect(result).toMatchObject({ status: 403 });
    expect('body' in result && result.body).toContain('does not allow live connections');
    if ('body' in result) received.push(result.body);
    expect(vendor.openSessions()).toBe(sessionsBefore);
  });

  test('an ended vendor session is renewed once, invisibly: the browser repeats its request', async () => {
    vendor.expireSessions();
    const first = await browse(readerB, '/search?q=roaming');
    expect(first.status).toBe(307);
    expect(first.headers.location).toBe(`http://${host}/search?q=roaming`);
    const repeated = await browse(readerB, '/search?q=roaming');
    expect(repeated.status).toBe(200);
    expect(repeated.text).toContain('3 results for roaming');
    expect(vendor.signIns()).toEqual({ ok: 2, refused: 0 });
    // The other reader shares the renewed session: no sign-in of its own.
    expect((await browse(readerA, '/article/9')).status).toBe(200);
    expect(vendor.signIns().ok).toBe(2);
  });

  test('an API that says in its text that the session ended is renewed too, once', async () => {
    const before = vendor.signIns().ok;
    vendor.expireSessions();
    const first = await browse(readerB, '/api/holdings');
    expect(first.status).toBe(307);
    const repeated = await browse(readerB, '/api/holdings');
    expect(repeated.status).toBe(200);
    expect(JSON.parse(repeated.text)).toMatchObject({ ok: true });
    expect(vendor.signIns().ok).toBe(before + 1);
    vendor.expireSessions();
    expect((await browse(readerB, '/api/holdings')).status).toBe(307);
    vendor.expireSessions(); // ended again before the repeat: not signed in in a loop
    expect((await browse(readerB, '/api/holdings')).status).toBe(502);
    expect(vendor.signIns().ok).toBe(before + 2);
  });

  test('a renewed session that ends before serving a page is not renewed again: the reader gets the failure page, and the next request signs in afresh', async () => {
    expect((await browse(readerA, '/article/9')).status).toBe(200); // after the last test's failure: signed in afresh
    const before = vendor.signIns().ok;
    vendor.expireSessions();
    const first = await browse(readerA, '/article/10');
    expect(first.status).toBe(307);
    expect(vendor.signIns().ok).toBe(before + 1);
    vendor.expireSessions(); // the new session ends before the browser repeats its request
    const again = await browse(readerA, '/article/10');
    expect(again.status).toBe(502);
    expect(again.text).toContain('Could not sign you in at Demo Roaming Vendor');
    expect(vendor.signIns().ok).toBe(before + 1);
    const later = await browse(readerA, '/article/11'); // the reader tries again
    expect(later.status).toBe(200);
    expect(vendor.signIns().ok).toBe(before + 2);
  });
});

describe('per-reader mode', () => {
  let own: RunningGateway;
  let ownHost: string;

  beforeAll(async () => {
    const entry = shippedDemoRoaming(vendor);
    entry.roaming = { ...entry.roaming!, mode: 'per-reader', readerLoginsPerDay: 1, accounts: [{ ...entry.roaming!.accounts[0]!, seats: undefined }] };
    own = await startGateway(() => ({ institutions: INSTITUTIONS, resources: [entry] }), { resolve });
    ownHost = proxiedHost(`localhost---http-${vendor.port}`, own.port);
    logs.push(own.lines);
  });

  afterAll(async () => {
    await own?.close();
  });

  const at = async (cookie: string, pathAndQuery: string) => {
    const res = await get(own.port, ownHost, pathAndQuery, { cookie });
    const text = await res.body.text();
    received.push(seenByBrowser(res.statusCode, res.headers, text));
    return { status: res.statusCode, text };
  };

  test('each reader is signed in into their own vendor session; the per-reader cap stops a reader, with a page', async () => {
    const before = vendor.signIns().ok;
    const one = await signedIn(own.gateway, member({ subject: 'own-1' }));
    const two = await signedIn(own.gateway, member({ subject: 'own-2' }));
    expect((await at(one, '/article/1')).status).toBe(200);
    expect((await at(two, '/article/2')).status).toBe(200);
    expect((await at(one, '/article/3')).status).toBe(200);
    expect(vendor.signIns().ok).toBe(before + 2); // one sign-in per reader, then their jar is used
    vendor.expireSessions();
    const capped = await at(one, '/article/4'); // a renewal would be this reader's second sign-in today
    expect(capped.status).toBe(429);
    expect(capped.text).toContain('Too many sign-ins today');
    expect(vendor.signIns().ok).toBe(before + 2);
  });
});

describe('a wrong password', () => {
  let wrong: RunningGateway;
  let wrongHost: string;
  let admin: string;

  beforeAll(async () => {
    const badFile = path.join(stateDir, 'wrong-password');
    await writeFile(badFile, 'not-the-password\n');
    const entry = shippedDemoRoaming(vendor);
    entry.id = 'demo-roaming';
    entry.roaming!.accounts = [{ username: { file: vendor.usernameFile }, password: { env: 'DEMO_ROAMING_PASSWORD' } }];
    wrong = await startGateway(() => ({ institutions: INSTITUTIONS, resources: [entry], admin: ADMIN }), { resolve, env: { DEMO_ROAMING_PASSWORD_FILE: badFile } });
    wrongHost = proxiedHost(`localhost---http-${vendor.port}`, wrong.port);
    logs.push(wrong.lines);
    admin = await signedIn(wrong.gateway, member({ subject: 'it-admin' }));
  });

  afterAll(async () => {
    await wrong?.close();
  });

  test('the reader gets a clear bilingual page, and IT sees the failure on /admin and in vendor check', async () => {
    const refusedBefore = vendor.signIns().refused;
    const reader = await signedIn(wrong.gateway, member({ subject: 'reader-w' }));
    for (const lang of ['en', 'zh-CN']) {
      const res = await get(wrong.port, wrongHost, '/', { cookie: reader, 'accept-language': lang });
      const text = await res.body.text();
      received.push(seenByBrowser(res.statusCode, res.headers, text));
      expect(res.statusCode).toBe(502);
      expect(text).toContain(lang === 'en' ? 'Could not sign you in at Demo Roaming Vendor' : '未能为您登录Demo Roaming Vendor');
    }
    expect(vendor.signIns().refused).toBe(refusedBefore + 2);

    const page = await get(wrong.port, `localhost:${wrong.port}`, '/admin/vendor-logins', { cookie: admin });
    const html = await page.body.text();
    received.push(html);
    expect(page.statusCode).toBe(200);
    expect(html).toMatch(/<tr data-resource="demo-roaming" data-ok="false">/);
    expect(html).toContain('rejected');
    expect(html).toContain('Invalid username or password');

    const status = await readVendorLoginStatus(wrong.gateway.load.store, 'demo-roaming');
    const reports = await checkResources([Resource.parse(shippedDemoRoaming(vendor))], { institutions: INSTITUTIONS, logins: [] }, ['demo-roaming'], defaultDeps({ vendorLogins: async () => status, lookup: async () => [{ address: '127.0.0.1', family: 4 }] }));
    const roaming = reports[0]!.checks.filter((c) => c.message.startsWith('roaming account'));
    expect(roaming).toEqual([expect.objectContaining({ status: 'fail', message: expect.stringContaining('rejected') })]);

    const events = wrong.lines.filter((l) => l.type === 'vendor-login' || (l as { event?: { type?: string } }).event?.type === 'vendor-login');
    expect(events.length).toBeGreaterThanOrEqual(2);
  });
});

test('the account is in no response any browser received, nor in any log line or usage event', () => {
  expect(received.length).toBeGreaterThan(10);
  const logged = logs.flat().map((line) => JSON.stringify(line)).join('\n');
  expect(logged).toContain('vendor-login'); // the usage events are among the lines searched
  for (const secret of [account.username, account.password]) {
    for (const form of leakForms(secret)) {
      for (const text of received) expect(text).not.toContain(form);
      expect(logged).not.toContain(form);
    }
  }
});
