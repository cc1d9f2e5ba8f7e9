/**
 * Issue 18: scripted attacks through two gateway nodes sharing one Redis. A harvest spread over both
 * nodes trips a platform-wide rule exactly when it passes the threshold, and authorize() then refuses
 * on both; sign-ins from 6 networks in 3 countries (client addresses through a trusted proxy, countries
 * from the shipped MMDB) trip the networks and countries rules; exemptions are honoured; a suspension
 * ends at its expiry; sign-out everywhere ends the account's sessions on both nodes and refuses new
 * sign-ins until lifted (admin page with CSRF, and the API), all audited.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseSetCookie, stringifyCookie } from 'cookie';
import type { ConfigInput } from '../../config';
import { RedisStore } from '../../gateway/store';
import { pseudonym } from '../../gateway/load/keys';
import { startCasServer, type CasServer } from '../fixtures/cas-server';
import { TEST_SECRET } from '../helpers/gateway';
import { deletePrefix, REDIS_URL, testPrefix } from '../helpers/stores';
import { demoLibrary, get, member, proxiedHost, signedIn, startGateway, type RunningGateway } from './proxy-harness';

const API_TOKEN = 'it-service-desk-token-0123456789';
const prefix = testPrefix('rules');
let nodes: RunningGateway[] = [];
const stores: RedisStore[] = [];
const upstreams: http.Server[] = [];
let cas: CasServer;
let library = 0;
let shortLived = 0;

/** A vendor: /article/<n> is a PDF (an item by the catalog's pattern), anything else a page. */
async function startUpstream(): Promise<number> {
  const pdf = Buffer.alloc(2000, 'p');
  const server = http.createServer((req, res) => {
    if (req.url === '/headers') res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(req.headers));
    else if (req.url?.startsWith('/article/')) res.writeHead(200, { 'Content-Type': 'application/pdf', 'Content-Length': pdf.length }).end(pdf);
    else res.writeHead(200, { 'Content-Type': 'text/plain' }).end('home');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  upstreams.push(server);
  return (server.address() as AddressInfo).port;
}

const rules: NonNullable<NonNullable<ConfigInput['security']>['rules']> = [
  { name: 'harvest', criterion: 'item-requests', resources: ['demo-library'], over: 5, windowMinutes: 60, action: 'suspend', forMinutes: 60 },
  { name: 'networks', criterion: 'networks', over: 5, windowMinutes: 60, action: 'alert' },
  { name: 'countries', criterion: 'countries', over: 2, windowMinutes: 60, action: 'alert' },
  { name: 'short', criterion: 'pdf-downloads', resources: ['short-lived'], across: 'resource', over: 1, action: 'suspend', suspend: 'resource', forMinutes: 0.05 },
];

beforeAll(async () => {
  library = await startUpstream();
  shortLived = await startUpstream();
  cas = await startCasServer();
  cas.autoLogin = null;
  for (let i = 0; i < 2; i++) {
    const store = new RedisStore({ url: REDIS_URL, keyPrefix: prefix });
    stores.push(store);
    nodes.push(
      await startGateway(() => ({
        server: { trustProxy: ['127.0.0.1'] },
        institutions: [{ id: 'demo-university', name: { en: 'Demo University' } }],
        logins: [{ kind: 'cas', id: 'campus-cas', institution: 'demo-university', serverUrl: cas.url }],
        admin: { roles: { admins: { subjects: ['demo-university:it-admin'] } } },
        resources: [
          demoLibrary(library, { patterns: { item: ['/article/'] } }),
          demoLibrary(shortLived, { id: 'short-lived', title: { en: 'Short' }, patterns: { item: ['/article/'] }, security: { pseudonymHeader: 'X-Passway-User' } }),
        ],
        security: {
          preset: 'none',
          rules,
          exemptions: [{ subject: 'demo-university:tdm', reason: 'approved text-mining project' }],
          apiTokens: [{ name: 'service desk', sha256: createHash('sha256').update(API_TOKEN).digest('hex') }],
        },
      }), { store }),
    );
  }
});

afterAll(async () => {
  for (const node of nodes) await node.close();
  for (const store of stores) await store.close();
  for (const server of upstreams) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await cas?.close();
  await deletePrefix(prefix);
  nodes = [];
});

const both = () => nodes as [RunningGateway, RunningGateway];
const settled = () => Promise.all(nodes.map((n) => n.gateway.security.engine.settled()));
const userOf = (subject: string) => pseudonym(TEST_SECRET, { institution: 'demo-university', subject });
const tripsOf = async (rule: string) => (await nodes[0]!.gateway.security.engine.trips()).filter((t) => t.rule === rule);

/** One proxied request through a node; the body is read, then the rules have counted it. */
async function fetchVia(node: RunningGateway, port: number, path: string, cookie: string) {
  const res = await get(node.port, proxiedHost(`localhost---http-${port}`, node.port), path, { cookie });
  await res.body.text();
  await settled();
  return { status: res.statusCode, location: String(res.headers.location ?? '') };
}

const cookiesOf = (setCookie: string | string[] | undefined) =>
  stringifyCookie(Object.fromEntries([setCookie ?? []].flat().map((line) => parseSetCookie(line)).map((c) => [c.name, c.value])));

/** A full CAS sign-in through a node from a client address (X-Forwarded-For from the trusted proxy at 127.0.0.1). */
async function casSignIn(node: RunningGateway, user: string, address: string) {
  const host = `localhost:${node.port}`;
  const start = await get(node.port, host, '/auth/campus-cas/login?returnTo=/', { 'x-forwarded-for': address });
  expect(start.statusCode).toBe(302);
  await start.body.text();
  const state = cookiesOf(start.headers['set-cookie']);
  cas.autoLogin = user;
  const atCas = await fetch(String(start.headers.location), { redirect: 'manual' });
  const back = new URL(atCas.headers.get('location') ?? '');
  const done = await get(node.port, host, `${back.pathname}${back.search}`, { cookie: state, 'x-forwarded-for': address });
  const body = await done.body.text();
  await settled();
  return { status: done.statusCode, cookie: cookiesOf(done.headers['set-cookie']).split('; ').find((c) => c.startsWith('passway_sid=')) ?? '', body };
}

async function adminForm(node: RunningGateway, cookie: string) {
  const page = await get(node.port, `localhost:${node.port}`, '/admin/security', { cookie });
  const text = await page.body.text();
  expect(page.statusCode).toBe(200);
  return { text, token: /name="_csrf" value="([^"]+)"/.exec(text)?.[1] ?? '' };
}

function post(node: RunningGateway, path: string, cookie: string, form: Record<string, string>) {
  return get(node.port, `localhost:${node.port}`, path, { cookie, 'content-type': 'application/x-www-form-urlencoded' }, { method: 'POST', body: new URLSearchParams(form).toString() });
}

it('a harvest spread over two nodes trips the platform-wide rule exactly at the sixth item, and both nodes refuse the next request', async () => {
  const [a, b] = both();
  const cookie = await signedIn(a.gateway, member({ subject: 'harvester' }));
  for (let i = 1; i <= 5; i++) {
    expect((await fetchVia(i % 2 ? a : b, library, `/article/${i}`, cookie)).status).toBe(200);
    expect(await tripsOf('harvest')).toEqual([]);
  }
  expect((await fetchVia(b, library, '/article/6', cookie)).status).toBe(200);
  const [trip] = await tripsOf('harvest');
  expect(trip).toMatchObject({ rule: 'harvest', value: 6, over: 5, user: userOf('harvester'), institution: 'demo-university', action: 'suspend', outcome: 'suspended:*' });

  for (const node of [a, b]) {
    const refused = await fetchVia(node, library, '/article/7', cookie);
    expect(refused.status).toBe(303);
    expect(refused.location).toBe(`${node.base}/suspended/demo-library`);
  }
  const page = await get(a.port, `localhost:${a.port}`, '/suspended/demo-library', { cookie, 'accept-language': 'zh-CN' });
  expect(page.statusCode).toBe(403);
  expect(await page.body.text()).toContain('安全规则已暂停您的访问');
  // The trip is recorded once although both nodes saw counts past the threshold.
  expect((await fetchVia(a, library, '/', cookie)).status).toBe(303);
  expect(await tripsOf('harvest')).toHaveLength(1);
});

it('an exempt researcher (approved text mining) harvests without tripping', async () => {
  const [a, b] = both();
  const cookie = await signedIn(b.gateway, member({ subject: 'tdm' }));
  for (let i = 1; i <= 8; i++) expect((await fetchVia(i % 2 ? a : b, library, `/article/${i}`, cookie)).status).toBe(200);
  expect((await tripsOf('harvest')).filter((t) => t.user === userOf('tdm'))).toEqual([]);
});

it('sign-ins from 6 networks in 3 countries within the hour trip the countries rule at the third country and the networks rule at the sixth network', async () => {
  const [a, b] = both();
  // CERNET (CN) ×3 networks, then JP, then US ×2 networks: documentation-free public addresses the shipped database places
  const addresses = ['202.112.0.1', '202.112.1.1', '202.112.2.1', '133.1.1.1', '18.0.0.1', '18.0.1.1'];
  const user = userOf('zhang3');
  for (const [i, address] of addresses.entries()) {
    expect((await casSignIn(i % 2 ? b : a, 'zhang3', address)).status).toBe(303);
    const countries = (await tripsOf('countries')).filter((t) => t.user === user);
    const networks = (await tripsOf('networks')).filter((t) => t.user === user);
    expect(countries.map((t) => t.value)).toEqual(i >= 4 ? [3] : []);
    expect(networks.map((t) => t.value)).toEqual(i >= 5 ? [6] : []);
  }
  const logged = a.lines.concat(b.lines).filter((l) => l.security === true && l.user === user).map((l) => l.rule);
  expect(logged.sort()).toEqual(['countries', 'networks']);
});

it('a suspension of one resource ends at its expiry', async () => {
  const [a, b] = both();
  const cookie = await signedIn(a.gateway, member({ subject: 'brief' }));
  expect((await fetchVia(a, shortLived, '/article/1', cookie)).status).toBe(200);
  expect((await fetchVia(b, shortLived, '/article/2', cookie)).status).toBe(200);
  const [suspension] = (await a.gateway.security.state.suspensions()).filter((s) => s.user === userOf('brief'));
  expect(suspension).toMatchObject({ resource: 'short-lived', rule: 'short' });
  expect((await fetchVia(b, shortLived, '/article/3', cookie)).location).toBe(`${b.base}/suspended/short-lived`);
  expect((await fetchVia(b, library, '/', cookie)).status).toBe(200); // only that resource
  await sleep(Math.max(0, Date.parse(suspension!.until) - Date.now()) + 100);
  expect((await fetchVia(a, shortLived, '/', cookie)).status).toBe(200);
});

it('sign-out everywhere ends the account\'s sessions on both nodes and refuses sign-in until lifted; the API does the same', async () => {
  const [a, b] = both();
  const onA = await casSignIn(a, 'li4', '192.0.2.10');
  const onB = await casSignIn(b, 'li4', '192.0.2.10');
  expect((await fetchVia(a, library, '/', onA.cookie)).status).toBe(200);
  expect((await fetchVia(b, library, '/', onB.cookie)).status).toBe(200);

  const admin = await signedIn(b.gateway, member({ subject: 'it-admin' }));
  const { token } = await adminForm(b, admin);
  const forged = await post(b, '/admin/security/sign-out', admin, { account: 'demo-university:li4', _csrf: 'forged' });
  expect(forged.statusCode).toBe(403);
  await forged.body.text();
  expect((await fetchVia(a, library, '/', onA.cookie)).status).toBe(200);

  const done = await post(b, '/admin/security/sign-out', admin, { account: 'demo-university:li4', _csrf: token });
  expect(done.statusCode).toBe(303);
  expect(String(done.headers.location)).toBe('/admin/security?done=2');
  await done.body.text();
  for (const [node, cookie] of [[a, onA.cookie], [b, onB.cookie], [b, onA.cookie]] as const) expect((await fetchVia(node, library, '/', cookie)).status).not.toBe(200);

  const refused = await casSignIn(a, 'li4', '192.0.2.10');
  expect(refused.status).toBe(403);
  expect(refused.body).toContain('account-blocked');
  expect(refused.cookie).toBe('');
  const audited = b.lines.filter((l) => l.audit === true && l.action === 'sign-out-everywhere').map((l) => l.ok);
  expect(audited).toEqual([false, true]);

  // Listed on the admin page of the other node, and lifted there.
  const list = await adminForm(a, admin);
  expect(list.text).toContain(`data-block="${userOf('li4')}"`);
  const lift = await post(a, '/admin/security/unblock', admin, { user: userOf('li4'), _csrf: list.token });
  expect(lift.statusCode).toBe(303);
  await lift.body.text();
  const again = await casSignIn(b, 'li4', '192.0.2.10');
  expect(again.status).toBe(303);
  expect((await fetchVia(a, library, '/', again.cookie)).status).toBe(200);

  // IT's tools: the API with a bearer token.
  const api = (token: string, action: string) =>
    get(a.port, `localhost:${a.port}`, `/api/v1/security/${action}`, { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, { method: 'POST', body: JSON.stringify({ account: 'demo-university:li4' }) });
  const wrong = await api('not-the-token', 'sign-out');
  expect(wrong.statusCode).toBe(401);
  await wrong.body.text();
  const viaApi = await api(API_TOKEN, 'sign-out');
  expect(viaApi.statusCode).toBe(200);
  expect(await viaApi.body.json()).toEqual({ user: userOf('li4'), sessionsEnded: 1, blocked: true });
  expect((await fetchVia(b, library, '/', again.cookie)).status).not.toBe(200);
  expect((await casSignIn(a, 'li4', '192.0.2.10')).status).toBe(403);
  const lifted = await api(API_TOKEN, 'lift');
  expect(await lifted.body.json()).toEqual({ user: userOf('li4'), lifted: true });
  expect((await casSignIn(a, 'li4', '192.0.2.10')).status).toBe(303);
});

it('a resource with pseudonymHeader gets a keyed-HMAC id per person and vendor; a header the browser sends under that name is replaced', async () => {
  const [a, b] = both();
  const one = await signedIn(a.gateway, member({ subject: 'reader-a' }));
  const other = await signedIn(b.gateway, member({ subject: 'reader-b' }));
  const seenBy = async (node: RunningGateway, port: number, cookie: string) => {
    const res = await get(node.port, proxiedHost(`localhost---http-${port}`, node.port), '/headers', { cookie, 'x-passway-user': 'spoofed' });
    return ((await res.body.json()) as Record<string, string>)['x-passway-user'];
  };
  const first = await seenBy(a, shortLived, one);
  expect(first).toMatch(/^[A-Za-z0-9_-]{22}$/);
  expect(await seenBy(b, shortLived, one)).toBe(first); // the same on every node
  expect(await seenBy(a, shortLived, other)).not.toBe(first);
  expect(await seenBy(a, library, one)).toBe('spoofed'); // a resource without the option: untouched
  expect(first).not.toBe(userOf('reader-a')); // not the id in Passway's own logs
});
