/**
 * CAS sign-out through the gateway, against the CAS fixture, with two gateway nodes sharing
 * Redis: signing out of Passway goes on to the CAS logout (and back to the signed-out page);
 * signing out at CAS makes CAS POST a single sign-out `logoutRequest` with the service ticket to
 * the service URL, which ends that session (indexed ticket → session in the Store, with a TTL)
 * on every node, and no other session.
 */
import http from 'node:http';
import { Redis } from 'ioredis';
import type { Gateway } from '../../gateway/app';
import { closeServer, listen } from '../../demo/server';
import { RedisStore } from '../../gateway/store';
import { logoutKey } from '../../idp-adapters/logout-keys';
import { startCasServer, type CasServer } from '../fixtures/cas-server';
import { testConfig, testGateway } from '../helpers/gateway';
import { HttpBrowser, location } from '../helpers/http-browser';
import { deletePrefix, REDIS_URL, testPrefix } from '../helpers/stores';

interface Node {
  url: string;
  gateway: Gateway;
  lines: Record<string, unknown>[];
  server: http.Server;
  store: RedisStore;
}

let cas: CasServer;
let prefix: string;
let nodes: Node[];
let redis: Redis;

async function startNode(publicUrl: string | undefined): Promise<Node> {
  const server = http.createServer();
  const url = `http://127.0.0.1:${await listen(server, '127.0.0.1', 0)}`;
  const store = new RedisStore({ url: REDIS_URL, keyPrefix: prefix });
  const config = testConfig({
    server: { publicUrl: publicUrl ?? url },
    store: { kind: 'redis', url: REDIS_URL, keyPrefix: prefix },
    institutions: [{ id: 'example-u', name: { en: 'Example University', zh: '示例大学' } }],
    logins: [{ kind: 'cas', id: 'campus-cas', institution: 'example-u', serverUrl: cas.url }],
  });
  const { gateway, lines } = testGateway(config, { store });
  server.on('request', gateway.handle);
  return { url, gateway, lines, server, store };
}

beforeAll(async () => {
  cas = await startCasServer();
  prefix = testPrefix('cas-logout');
  redis = new Redis(REDIS_URL);
  const first = await startNode(undefined);
  nodes = [first, await startNode(first.url)]; // behind one address: CAS knows one service URL
});

afterAll(async () => {
  for (const node of nodes ?? []) {
    node.gateway.close();
    await closeServer(node.server);
    await node.store.close();
  }
  await cas?.close();
  await deletePrefix(prefix);
  await redis?.quit();
});

/** The portal of `node` as the browser holding this session cookie sees it (one cookie for every node, as behind one address). */
const portal = async (node: Node, sid: string) => (await fetch(`${node.url}/`, { headers: { cookie: sid } })).text();
const signedInName = async (sid: string, node: Node) => (await portal(node, sid)).includes('张三');

/** Sign in at CAS with the password (the CAS fixture's form), back at node 1; returns the callback URL (it holds the ticket) and the session cookie. */
async function signIn(browser: HttpBrowser, username = 'zhang3', password = 'teacher-pass'): Promise<{ callback: string; sid: string }> {
  const [one] = nodes as [Node];
  const start = await browser.get(`${one.url}/auth/campus-cas/login?returnTo=%2F`);
  const casLogin = location(start, one.url);
  const form = await browser.get(casLogin);
  const service = new URL(casLogin).searchParams.get('service') ?? '';
  const back = form.status === 200 ? await browser.post(`${cas.url}/login`, { service, username, password }) : form;
  const callback = location(back, casLogin);
  const signedIn = await browser.get(callback);
  expect(signedIn.status).toBe(303);
  return { callback, sid: signedIn.headers.getSetCookie().find((c) => c.startsWith('passway_sid='))!.split(';')[0]! };
}

describe('CAS single sign-out', () => {
  test('signing out at CAS: its logoutRequest POST ends the session on both nodes, and only that one', async () => {
    const [one, two] = nodes as [Node, Node];
    const reader = new HttpBrowser();
    const { callback, sid } = await signIn(reader);
    const bystander = await signIn(new HttpBrowser(), 'li4', 'student-pass');
    expect(await signedInName(sid, two)).toBe(true);

    // The ticket → session index is in the Store, hashed, and expires with the session.
    const ticket = new URL(callback).searchParams.get('ticket') ?? '';
    const ttl = await redis.pttl(`${prefix}${logoutKey('cas', 'campus-cas', ticket)}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(12 * 3_600_000);
    expect(await redis.keys(`${prefix}*${ticket}*`)).toEqual([]);

    const posts = cas.logoutPosts.length;
    const out = await reader.get(`${cas.url}/logout`); // the reader signs out of CAS (from any CAS service)
    expect(out.status).toBe(200);
    expect(cas.logoutPosts.slice(posts)).toEqual([{ service: expect.stringContaining(`${one.url}/auth/campus-cas/callback?state=`), ticket, status: 200 }]);
    expect(await signedInName(sid, one)).toBe(false);
    expect(await signedInName(sid, two)).toBe(false);
    expect(one.lines).toContainEqual(expect.objectContaining({ msg: 'sessions ended by the campus (back channel)', login: 'campus-cas', sessions: 1 }));
    expect(await portal(two, bystander.sid)).toContain('李四');
  });

  test('a logoutRequest for that ticket reaching the other node ends the session too', async () => {
    const [one, two] = nodes as [Node, Node];
    const { callback, sid } = await signIn(new HttpBrowser());
    const ticket = new URL(callback).searchParams.get('ticket') ?? '';
    const logoutRequest = `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="LR-1" Version="2.0" IssueInstant="${new Date().toISOString()}"><saml:NameID>@NOT_USED@</saml:NameID><samlp:SessionIndex>${ticket}</samlp:SessionIndex></samlp:LogoutRequest>`;
    const res = await fetch(`${two.url}${new URL(callback).pathname}${new URL(callback).search}`, { method: 'POST', body: new URLSearchParams({ logoutRequest }) });
    expect(res.status).toBe(200);
    expect(await signedInName(sid, one)).toBe(false);
  });

  test.each([
    { name: 'no logoutRequest', body: {}, status: 400 },
    { name: 'not XML', body: { logoutRequest: 'ST-1<' }, status: 400 },
    { name: 'no SessionIndex', body: { logoutRequest: '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>' }, status: 400 },
    { name: 'a ticket CAS never issued', body: { logoutRequest: '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><samlp:SessionIndex>ST-guessed</samlp:SessionIndex></samlp:LogoutRequest>' }, status: 200 },
  ] as { name: string; body: Record<string, string>; status: number }[])('a logout POST with $name ends no session (HTTP $status)', async ({ body, status }) => {
    const [one] = nodes as [Node];
    const { sid } = await signIn(new HttpBrowser());
    const res = await fetch(`${one.url}/auth/campus-cas/callback`, { method: 'POST', body: new URLSearchParams(body) });
    expect(res.status).toBe(status);
    expect(await signedInName(sid, one)).toBe(true);
  });

  test('signing out of Passway goes on to the CAS logout, which ends the CAS sign-in and comes back to say so', async () => {
    const [one] = nodes as [Node];
    const reader = new HttpBrowser();
    await signIn(reader);
    const token = /name="_csrf" value="([^"]+)"/.exec(await (await reader.get(`${one.url}/`)).text())?.[1] ?? '';
    const page = await (await reader.post(`${one.url}/logout`, { _csrf: token })).text();
    const target = (/<meta http-equiv="refresh" content="0;url=([^"]+)">/.exec(page)?.[1] ?? '').replace(/&#38;/g, '&');
    const casLogout = new URL(target);
    expect(`${casLogout.origin}${casLogout.pathname}`).toBe(`${cas.url}/logout`);
    expect(casLogout.searchParams.get('service')).toMatch(new RegExp(`^${one.url}/signed-out\\?o=ended`));
    const back = location(await reader.get(target), target);
    const signedOut = await (await reader.request(back, { headers: { 'accept-language': 'zh-CN' } })).text();
    expect(signedOut).toContain('您在示例大学的校园统一身份认证登录也已退出');
    // CAS asks for the password again.
    const start = await reader.get(`${one.url}/auth/campus-cas/login?returnTo=%2F`);
    expect((await reader.get(location(start, one.url))).status).toBe(200);
  });
});
