/**
 * CAS and OIDC sign-in through the gateway's own routes (/auth/<id>/login → campus server →
 * /auth/<id>/callback): session rotated, name shown, failures as readable pages with a reason
 * code, and every outcome through recordUsage.
 */
import pino from 'pino';
import { createGateway, type Gateway } from '../../gateway/app';
import { startServer, type RunningServer } from '../../gateway/server';
import { MemoryStore } from '../../gateway/store';
import { startCasServer, type CasServer } from '../fixtures/cas-server';
import { startOidcProvider, type TestOidcProvider } from '../fixtures/oidc-provider';
import { capturingLogger, TEST_SECRET, testConfig } from '../helpers/gateway';
import { HttpBrowser, location } from '../helpers/http-browser';

let cas: CasServer;
let op: TestOidcProvider;
let server: RunningServer;
let base: string;
let lines: Record<string, unknown>[];
let gateway: Gateway;

beforeAll(async () => {
  let handler: Gateway['handle'] = (_req, res) => res.end();
  server = await startServer((req, res) => handler(req, res), { host: '127.0.0.1', port: 0, shutdownGraceMs: 100, logger: pino({ level: 'silent' }) });
  base = `http://127.0.0.1:${server.port}`;
  cas = await startCasServer();
  op = await startOidcProvider({ redirectUris: [`${base}/auth/campus-oidc/callback`] });
  const config = testConfig({
    server: { publicUrl: base },
    institutions: [
      { id: 'example-u', name: { en: 'Example University', zh: '示例大学' } },
      { id: 'example-college', name: { en: 'Example College', zh: '示例学院' } },
    ],
    logins: [
      { kind: 'cas', id: 'campus-cas', institution: 'example-college', serverUrl: cas.url },
      { kind: 'oidc', id: 'campus-oidc', institution: 'example-u', issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, scopes: ['profile', 'email', 'eduperson'] },
    ],
  });
  const captured = capturingLogger();
  lines = captured.lines;
  gateway = createGateway({ config, store: new MemoryStore(), logger: captured.logger, sessionSecret: TEST_SECRET });
  handler = gateway.handle;
});

afterAll(async () => {
  await server.shutdown();
  await Promise.all([cas.close(), op.close()]);
});

const usage = (type: string) => lines.filter((l) => l.usage === true && (l.event as { type?: string } | undefined)?.type === type).map((l) => l.event);

describe('CAS through the gateway', () => {
  it('signs in, shows the name, continues to the return path, and records the login', async () => {
    cas.autoLogin = 'zhang3';
    const browser = new HttpBrowser();
    const start = await browser.get(`${base}/auth/campus-cas/login?returnTo=${encodeURIComponent('/?from=cas')}`);
    const casLogin = location(start, base);
    expect(casLogin.startsWith(`${cas.url}/login?service=`)).toBe(true);
    const callback = location(await browser.get(casLogin), casLogin);
    expect(callback.startsWith(`${base}/auth/campus-cas/callback?`)).toBe(true);
    const signedIn = await browser.get(callback);
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('/?from=cas');
    const portal = await (await browser.get(`${base}/`)).text();
    expect(portal).toContain('张三');
    expect(usage('login-success')).toContainEqual({ type: 'login-success', login: 'campus-cas', adapter: 'cas', institution: 'example-college', affiliations: ['faculty'] });

    // The same callback again: the state was consumed, so it is refused with a readable page.
    const replay = await browser.request(callback, { headers: { 'accept-language': 'en' } });
    expect(replay.status).toBe(403);
    const page = await replay.text();
    expect(page).toContain('<code>state-mismatch</code>');
    expect(page).toContain('href="/auth/campus-cas/login?returnTo=%2F"');
    expect(page).not.toMatch(/\n\s+at /);
    expect(usage('login-failure')).toContainEqual({ type: 'login-failure', login: 'campus-cas', adapter: 'cas', institution: 'example-college', reason: 'state-mismatch' });
  });
});

describe('OIDC through the gateway', () => {
  it('signs in with the authorization code flow and shows the name', async () => {
    op.loginAs = 'wang5-sub';
    const browser = new HttpBrowser();
    let url = location(await browser.get(`${base}/auth/campus-oidc/login?returnTo=/`), base);
    expect(new URL(url).searchParams.get('code_challenge_method')).toBe('S256');
    for (let hops = 0; !url.startsWith(base); hops++) {
      if (hops > 10) throw new Error('too many redirects at the OP');
      url = location(await browser.get(url), url);
    }
    const signedIn = await browser.get(url);
    expect(signedIn.status).toBe(303);
    expect(await (await browser.get(`${base}/`)).text()).toContain('王五');
    expect(usage('login-success')).toContainEqual({ type: 'login-success', login: 'campus-oidc', adapter: 'oidc', institution: 'example-u', affiliations: ['faculty', 'member'] });
  });

  it('refuses a callback with a forged state, with a readable page', async () => {
    const res = await new HttpBrowser().request(`${base}/auth/campus-oidc/callback?state=forged&code=abc`, { headers: { 'accept-language': 'zh-CN' } });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('<code>state-mismatch</code>');
  });

  it('answers 404 for a callback of a login that does not exist', async () => {
    expect((await fetch(`${base}/auth/nowhere/callback?state=x`)).status).toBe(404);
  });
});
