/**
 * OIDC sign-out against oidc-provider, with two real gateway processes behind one public address
 * sharing Redis: RP-initiated logout (end_session_endpoint with id_token_hint, back at the
 * signed-out page, the next sign-in asks again) and back-channel logout (the OP's logout token,
 * verified with jose, POSTed to process 2 ends the session made on process 1, and no other);
 * logout tokens that must be refused are, each leaving the session alone.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { decodeJwt, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import request from 'supertest';
import { createGateway } from '../../gateway/app';
import { MemoryStore } from '../../gateway/store';
import { capturingLogger, signIn as sessionFor, TEST_SECRET, testConfig } from '../helpers/gateway';
import { startOidcProvider, type TestOidcProvider } from '../fixtures/oidc-provider';
import { HttpBrowser, location } from '../helpers/http-browser';
import { freePort } from '../helpers/ports';
import { serve, type Served } from '../helpers/process';
import { deletePrefix, REDIS_URL, testPrefix } from '../helpers/stores';
import { firstForm } from './adapter-contract';

/** The one address users see (a load balancer in front of both processes); never contacted here. */
const PUBLIC_URL = 'http://passway.test';
const CLIENT_SECRET = 'oidc-logout-client-secret-0123456789';
const BACKCHANNEL_EVENT = { 'http://schemas.openid.net/event/backchannel-logout': {} };

let stateDir: string;
let prefix: string;
let op: TestOidcProvider;
let nodes: Served[] = [];
let one: string;
let two: string;

/** Each process's real address (the printed URL names the public host with the real port). */
const direct = (served: Served) => `http://127.0.0.1:${new URL(served.url).port}`;
/** What the load balancer does: the public address to one process. */
const via = (url: string, node: string) => url.replace(PUBLIC_URL, node);

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-oidc-logout-'));
  prefix = testPrefix('oidc-logout');
  const opPort = await freePort();
  const config = {
    server: { port: 0, publicUrl: PUBLIC_URL },
    store: { kind: 'redis', url: REDIS_URL, keyPrefix: prefix },
    institutions: [{ id: 'example-u', name: { en: 'Example University', zh: '示例大学' } }],
    logins: [{ kind: 'oidc', id: 'campus-oidc', institution: 'example-u', issuer: `http://127.0.0.1:${opPort}`, clientId: 'passway-gateway', clientSecret: CLIENT_SECRET, scopes: ['profile', 'email', 'eduperson'] }],
  };
  const file = path.join(stateDir, 'passway.yaml');
  await writeFile(file, JSON.stringify(config, null, 2)); // JSON is YAML
  const env = { PASSWAY_SESSION_SECRET: 'oidc-logout-secret-'.padEnd(48, 'x'), PASSWAY_LOG_LEVEL: 'warn', PASSWAY_CONFIG: '' };
  nodes = await Promise.all([serve(['--config', file], { env }), serve(['--config', file], { env })]);
  [one, two] = nodes.map(direct) as [string, string];
  op = await startOidcProvider({
    port: opPort,
    clientSecret: CLIENT_SECRET,
    redirectUris: [`${PUBLIC_URL}/auth/campus-oidc/callback`],
    postLogoutRedirectUris: [`${PUBLIC_URL}/signed-out`],
    backchannelLogoutUri: `${two}/auth/campus-oidc/backchannel-logout`, // the OP reaches process 2
  });
});

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await op?.close();
  await deletePrefix(prefix);
  await rm(stateDir, { recursive: true, force: true });
});

/** Sign in through process `node` (the OP sends the browser to the public callback, which the balancer gives `node`). */
async function signIn(browser: HttpBrowser, node: string, as = 'wang5-sub'): Promise<{ sid: string; askedPassword: boolean }> {
  op.loginAs = as;
  const before = op.interactions;
  let url = location(await browser.get(`${node}/auth/campus-oidc/login?returnTo=%2F`), node);
  for (let hops = 0; !url.startsWith(PUBLIC_URL); hops++) {
    if (hops > 10) throw new Error('too many redirects at the OP');
    url = location(await browser.get(url), url);
  }
  const res = await browser.get(via(url, node));
  expect(res.status).toBe(303);
  return { sid: res.headers.getSetCookie().find((c) => c.startsWith('passway_sid='))!.split(';')[0]!, askedPassword: op.interactions > before };
}

/** A process's portal as a browser with this session cookie sees it (one cookie for all processes, as behind one address). */
const portal = async (node: string, sid: string) => (await fetch(`${node}/`, { headers: { cookie: sid, 'accept-language': 'en' } })).text();

/** The OP's "sign out?" page answered yes. */
async function confirmAtOp(browser: HttpBrowser, url: string): Promise<Response> {
  const page = await browser.get(url);
  const form = firstForm(await page.text(), url);
  return browser.post(form.action, form.fields);
}

describe('back-channel logout', () => {
  test("the OP ending its session POSTs a logout token to process 2, which ends the session made on process 1, and no other", async () => {
    const reader = new HttpBrowser();
    const { sid } = await signIn(reader, one);
    const other = await signIn(new HttpBrowser(), two, 'zhao6-sub');
    expect(await portal(two, sid)).toContain('王五');

    const deliveries = op.backchannel.length;
    await confirmAtOp(reader, `${op.issuer}/session/end`); // signed out at the OP (by another application, say)
    expect(op.backchannel.slice(deliveries)).toEqual([{ ok: true }]);
    expect(await portal(one, sid)).not.toContain('王五');
    expect(await portal(two, sid)).not.toContain('王五');
    expect(await portal(one, other.sid)).toContain('赵六');
  });

  const claims = (extra: JWTPayload = {}): JWTPayload => ({
    iss: op.issuer,
    aud: 'passway-gateway',
    iat: Math.floor(Date.now() / 1000),
    jti: `jti-${Math.random().toString(36).slice(2)}`,
    sub: 'wang5-sub',
    events: BACKCHANNEL_EVENT,
    ...extra,
  });
  const post = (token: string, node = two) =>
    fetch(`${node}/auth/campus-oidc/backchannel-logout`, { method: 'POST', body: new URLSearchParams({ logout_token: token }) });

  type Refusal = { name: string; input: () => Promise<string>; expect: string };
  const refusals: Refusal[] = [
    { name: 'signed by another key', input: async () => new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'fixture-rs256' }).sign((await generateKeyPair('RS256')).privateKey), expect: 'signature-invalid' },
    { name: 'unsigned (alg none)', input: async () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}.`, expect: 'token-invalid' },
    { name: 'for another client', input: () => op.sign(claims({ aud: 'another-client' })), expect: 'audience-mismatch' },
    { name: 'from another issuer', input: () => op.sign(claims({ iss: 'https://op.elsewhere.example' })), expect: 'issuer-mismatch' },
    { name: 'without the back-channel logout event', input: () => op.sign(claims({ events: { 'http://schemas.openid.net/event/other': {} } })), expect: 'token-invalid' },
    { name: 'with a nonce (an ID token, not a logout token)', input: () => op.sign(claims({ nonce: 'n-0' })), expect: 'token-invalid' },
    { name: 'naming neither sid nor sub', input: () => op.sign(claims({ sub: undefined })), expect: 'no-subject' },
    { name: 'issued an hour ago', input: () => op.sign(claims({ iat: Math.floor(Date.now() / 1000) - 3600 })), expect: 'expired' },
  ];

  test.each(refusals)('refused: a logout token $name → $expect, the session stays', async ({ input, expect: reason }) => {
    const { sid } = await signIn(new HttpBrowser(), one);
    const res = await post(await input());
    expect(res.status).toBe(400);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ error: 'invalid_request', reason });
    expect(await portal(one, sid)).toContain('王五');
  });

  test('a valid token naming only sub ends every session of that person; the same token again is refused as replayed', async () => {
    const first = await signIn(new HttpBrowser(), one);
    const second = await signIn(new HttpBrowser(), two);
    const token = await op.sign(claims());
    expect((await post(token, one)).status).toBe(200);
    expect(await portal(two, first.sid)).not.toContain('王五');
    expect(await portal(one, second.sid)).not.toContain('王五');
    const again = await post(token);
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ reason: 'replayed' });
  });
});

describe('RP-initiated logout', () => {
  test('sign-out at process 1 goes to end_session_endpoint with id_token_hint; back at the signed-out page, and the OP asks again', async () => {
    const reader = new HttpBrowser();
    const { sid } = await signIn(reader, one);
    const token = /name="_csrf" value="([^"]+)"/.exec(await portal(one, sid))?.[1] ?? '';
    const page = await (await fetch(`${one}/logout`, { method: 'POST', headers: { cookie: sid, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: token }) })).text();
    const target = new URL((/<meta http-equiv="refresh" content="0;url=([^"]+)">/.exec(page)?.[1] ?? '').replace(/&#38;/g, '&'));
    expect(`${target.origin}${target.pathname}`).toBe(`${op.issuer}/session/end`);
    expect(target.searchParams.get('post_logout_redirect_uri')).toBe(`${PUBLIC_URL}/signed-out`);
    expect(target.searchParams.get('client_id')).toBe('passway-gateway');
    expect(decodeJwt(target.searchParams.get('id_token_hint') ?? '')).toMatchObject({ iss: op.issuer, aud: 'passway-gateway', sub: 'wang5-sub' });
    expect(await portal(two, sid)).not.toContain('王五'); // Passway's own session already ended, on every process

    const back = location(await confirmAtOp(reader, target.href), target.href);
    expect(back.startsWith(`${PUBLIC_URL}/signed-out?state=`)).toBe(true);
    const signedOut = await (await fetch(via(back, two), { headers: { 'accept-language': 'zh-CN' } })).text();
    expect(signedOut).toContain('您在示例大学的校园统一身份认证登录也已退出');
    expect((await signIn(reader, one)).askedPassword).toBe(true);
  });

  test('a provider without end_session_endpoint: the signed-out page says the campus sign-in may still be active and links to it', async () => {
    const plain = await startOidcProvider({ redirectUris: ['http://localhost/cb'], rpInitiatedLogout: false });
    try {
      const config = testConfig({
        institutions: [{ id: 'example-u', name: { en: 'Example University', zh: '示例大学' } }],
        logins: [{ kind: 'oidc', id: 'plain-oidc', institution: 'example-u', issuer: plain.issuer, clientId: plain.clientId, clientSecret: plain.clientSecret }],
      });
      const gateway = createGateway({ config, store: new MemoryStore(), logger: capturingLogger().logger, sessionSecret: TEST_SECRET });
      const { cookie, session } = await sessionFor(gateway.sessions, { subject: 'wang5-sub', institution: 'example-u', affiliations: ['faculty'], entitlements: [], groups: [], displayName: '王五', source: { adapter: 'oidc' }, attributes: {} });
      session.data.campus = { login: 'plain-oidc', idToken: 'x.y.z' };
      await gateway.sessions.save(session);
      const home = await request(gateway.handle).get('/').set('Cookie', cookie);
      const token = /name="_csrf" value="([^"]+)"/.exec(home.text)?.[1] ?? '';
      const out = await request(gateway.handle).post('/logout').set('Cookie', cookie).type('form').send({ _csrf: token });
      expect(out.status).toBe(303);
      const signedOut = new URL(out.headers.location!, 'http://localhost');
      const page = await request(gateway.handle).get(`${signedOut.pathname}${signedOut.search}`).set('Accept-Language', 'en');
      expect(page.text).toContain('Your campus sign-in at Example University could not be ended from here');
      expect(page.text).toContain(`href="${plain.issuer}"`);
      expect(page.text).toContain('Sign out at Example University');
      gateway.close();
    } finally {
      await plain.close();
    }
  });
});
