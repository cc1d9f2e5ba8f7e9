/**
 * CasAdapter against a real CAS-protocol server over HTTP, with login state in Redis. The browser
 * is played by hand: fetch with manual redirects. A tiny Express app mounts the adapter the way
 * the gateway will (`/auth/<id>/login` and `/auth/<id>/callback`).
 */
import http from 'node:http';
import express from 'express';
import { CasAdapter, type CasAdapterOptions } from '../../idp-adapters/cas';
import { LoginError } from '../../idp-adapters/types';
import { RedisStore } from '../../gateway/store';
import { startCasServer, type CasServer } from '../fixtures/cas-server';
import { closeServer, listen } from '../../demo/server';
import { parsedLogin, TEST_SECRET } from '../helpers/gateway';
import type { CasLoginConfig } from '../../config/schema';
import { cookieHeader } from '../helpers/http-browser';
import { deletePrefix, REDIS_URL, testPrefix } from '../helpers/stores';
import { LoginState } from '../../idp-adapters/login-state';

interface MiniGateway {
  url: string;
  adapter: CasAdapter;
  close(): Promise<void>;
}

/** One gateway node: its own adapter instance and its own connection to the shared Redis. */
async function startNode(cas: CasServer, prefix: string, publicUrl: string | null, extra: Partial<CasAdapterOptions> & { config?: Partial<CasLoginConfig> } = {}): Promise<MiniGateway> {
  const store = new RedisStore({ url: REDIS_URL, keyPrefix: prefix });
  const app = express();
  const server = http.createServer(app);
  const port = await listen(server, '127.0.0.1', 0);
  const base = publicUrl ?? `http://127.0.0.1:${port}`;
  const { config, ...options } = extra;
  const adapter = new CasAdapter({
    login: parsedLogin({ kind: 'cas', id: 'campus-cas', institution: 'example-u', serverUrl: cas.url, ...config }),
    store,
    loginState: new LoginState({ secret: TEST_SECRET, publicUrl: new URL(base) }),
    callbackUrl: `${base}/auth/campus-cas/callback`,
    ...options,
  });
  app.get('/auth/campus-cas/login', (req, res) => adapter.begin(req, res, { returnTo: String(req.query.returnTo ?? '/') }));
  app.get('/auth/campus-cas/callback', async (req, res) => {
    try {
      res.json(await adapter.complete(req, res));
    } catch (error) {
      if (!(error instanceof LoginError)) throw error;
      res.status(401).json({ reason: error.reason, details: error.details });
    }
  });
  return {
    url: `http://127.0.0.1:${port}`,
    adapter,
    close: async () => {
      await closeServer(server);
      await store.close();
    },
  };
}

const location = (res: Response): string => {
  const value = res.headers.get('location');
  if (!value) throw new Error(`expected a redirect, got HTTP ${res.status}`);
  return value;
};

/** Start a login at the gateway; returns the CAS login URL, the service URL it carries and the browser's login state cookie. */
async function beginLogin(node: MiniGateway, returnTo = '/go/cnki'): Promise<{ casLogin: string; service: string; cookie: string }> {
  const res = await fetch(`${node.url}/auth/campus-cas/login?returnTo=${encodeURIComponent(returnTo)}`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const casLogin = location(res);
  return { casLogin, service: new URL(casLogin).searchParams.get('service') ?? '', cookie: cookieHeader(res) };
}

/** Fill in the CAS login form; returns the service URL with the ticket CAS redirected to. */
async function signIn(cas: CasServer, service: string, username: string, password: string): Promise<string> {
  const form = await fetch(`${cas.url}/login?service=${encodeURIComponent(service)}`);
  expect(form.status).toBe(200);
  const res = await fetch(`${cas.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({ service, username, password }),
  });
  expect(res.status).toBe(302);
  return location(res);
}

/** The browser (holding `cookie`) arriving at a callback URL (rewritten to the node that should receive it). */
async function callback(node: MiniGateway, callbackUrl: string, cookie = ''): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = new URL(callbackUrl);
  const res = await fetch(`${node.url}${url.pathname}${url.search}`, { headers: { cookie } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function fullLogin(node: MiniGateway, cas: CasServer, username: string, password: string) {
  const { service, cookie } = await beginLogin(node);
  const back = await signIn(cas, service, username, password);
  return { back, cookie, result: { ...(await callback(node, back, cookie)), service } };
}

describe('CAS adapter against a CAS 3.0 server', () => {
  let cas: CasServer;
  let prefix: string;
  let node: MiniGateway;

  beforeAll(async () => {
    cas = await startCasServer();
  });
  afterAll(async () => {
    await cas.close();
  });
  beforeEach(async () => {
    prefix = testPrefix('cas');
    cas.autoLogin = null;
    cas.validationFault = null;
    node = await startNode(cas, prefix, null);
  });
  afterEach(async () => {
    await node.close();
    await deletePrefix(prefix);
  });

  it('begin redirects to <serverUrl>/login with the callback and a state as service', async () => {
    const { casLogin, service } = await beginLogin(node);
    expect(casLogin.startsWith(`${cas.url}/login?service=`)).toBe(true);
    const svc = new URL(service);
    expect(`${svc.origin}${svc.pathname}`).toBe(`${node.url}/auth/campus-cas/callback`);
    expect(svc.searchParams.get('state')).toMatch(/^[\w-]{32}$/);
  });

  it('signs a teacher in as faculty, with display name, groups and raw attributes', async () => {
    const { result } = await fullLogin(node, cas, 'zhang3', 'teacher-pass');
    expect(result.status).toBe(200);
    expect(result.body.returnTo).toBe('/go/cnki');
    expect(result.body.identity).toMatchObject({
      subject: 'zhang3',
      institution: 'example-u',
      affiliations: ['faculty'],
      groups: ['图书馆之友'],
      entitlements: [],
      displayName: '张三',
      source: { adapter: 'cas', idp: cas.url },
      attributes: { userType: ['教师'], mail: ['zhang3@example.edu.cn'], isFromNewLogin: ['true'] },
    });
    expect((result.body.identity as { source: { authnInstant?: string } }).source.authnInstant).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(cas.validations.at(-1)).toBe(result.service);
  });

  it('signs a student in as student + member, with entitlements and cn as display name', async () => {
    const { result } = await fullLogin(node, cas, 'li4', 'student-pass');
    expect(result.status).toBe(200);
    expect(result.body.identity).toMatchObject({
      subject: 'li4',
      affiliations: ['student', 'member'],
      entitlements: ['urn:mace:dir:entitlement:common-lib-terms'],
      displayName: '李四',
    });
  });

  it('honours a configured affiliation mapping over the defaults', async () => {
    const custom = await startNode(cas, prefix, null, { config: { attributeMapping: { affiliation: ['userType'], affiliationValues: { 教师: 'staff' } } } });
    try {
      const { result } = await fullLogin(custom, cas, 'zhang3', 'teacher-pass');
      expect((result.body.identity as { affiliations: string[] }).affiliations).toEqual(['staff']);
    } finally {
      await custom.close();
    }
  });

  it('begins on node A and completes on node B sharing one Redis', async () => {
    const publicUrl = 'https://gw.lib.example.edu';
    const a = await startNode(cas, prefix, publicUrl);
    const b = await startNode(cas, prefix, publicUrl);
    try {
      cas.autoLogin = 'zhang3';
      const { casLogin, service, cookie } = await beginLogin(a);
      expect(service.startsWith(`${publicUrl}/auth/campus-cas/callback?state=`)).toBe(true);
      const back = location(await fetch(casLogin, { redirect: 'manual' }));
      const result = await callback(b, back, cookie);
      expect(result.status).toBe(200);
      expect(result.body.identity).toMatchObject({ subject: 'zhang3', affiliations: ['faculty'] });
      // …and the state is gone for node A too.
      expect((await callback(a, back, cookie)).body.reason).toBe('state-mismatch');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('rejects a replayed callback (state consumed) and a replayed ticket under a fresh state', async () => {
    const { back, cookie, result } = await fullLogin(node, cas, 'zhang3', 'teacher-pass');
    expect(result.status).toBe(200);
    expect(await callback(node, back, cookie)).toMatchObject({ status: 401, body: { reason: 'state-mismatch' } });

    const ticket = new URL(back).searchParams.get('ticket') ?? '';
    const fresh = await beginLogin(node);
    const replay = new URL(fresh.service);
    replay.searchParams.set('ticket', ticket);
    expect(await callback(node, replay.href, fresh.cookie)).toMatchObject({ status: 401, body: { reason: 'ticket-invalid', details: { code: 'INVALID_TICKET' } } });
  });

  it('rejects a ticket issued for another service', async () => {
    const foreign = await signIn(cas, 'https://other-app.example.edu/login', 'zhang3', 'teacher-pass');
    const { service, cookie } = await beginLogin(node);
    const injected = new URL(service);
    injected.searchParams.set('ticket', new URL(foreign).searchParams.get('ticket') ?? '');
    expect(await callback(node, injected.href, cookie)).toMatchObject({ status: 401, body: { reason: 'ticket-invalid', details: { code: 'INVALID_SERVICE' } } });
  });

  it('turns cas:authenticationFailure into ticket-invalid with the CAS code', async () => {
    const { service, cookie } = await beginLogin(node);
    const forged = new URL(service);
    forged.searchParams.set('ticket', 'ST-forged-0000');
    expect(await callback(node, forged.href, cookie)).toMatchObject({ status: 401, body: { reason: 'ticket-invalid', details: { code: 'INVALID_TICKET' } } });
  });

  it('rejects a callback without a ticket', async () => {
    const { service, cookie } = await beginLogin(node);
    expect(await callback(node, service, cookie)).toMatchObject({ status: 401, body: { reason: 'ticket-invalid', details: { code: 'MISSING_TICKET' } } });
  });

  it('rejects unknown and missing state before asking CAS anything', async () => {
    cas.autoLogin = 'zhang3';
    const { service, cookie } = await beginLogin(node);
    const back = new URL(location(await fetch(`${cas.url}/login?service=${encodeURIComponent(service)}`, { redirect: 'manual' })));
    const before = cas.validations.length;
    back.searchParams.set('state', 'not-a-state-we-issued');
    expect(await callback(node, back.href, cookie)).toMatchObject({ status: 401, body: { reason: 'state-mismatch' } });
    back.searchParams.delete('state');
    expect(await callback(node, back.href, cookie)).toMatchObject({ status: 401, body: { reason: 'state-mismatch' } });
    expect(cas.validations.length).toBe(before);
  });

  it('reports an unreachable CAS server, an HTTP error and a validation timeout as metadata-unavailable', async () => {
    cas.autoLogin = 'zhang3';
    const fast = await startNode(cas, prefix, null, { config: { timeoutSeconds: 0.3 } });
    try {
      for (const fault of ['error', 'hang'] as const) {
        cas.validationFault = null;
        const { casLogin, cookie } = await beginLogin(fast);
        const back = location(await fetch(casLogin, { redirect: 'manual' }));
        cas.validationFault = fault;
        expect(await callback(fast, back, cookie)).toMatchObject({ status: 401, body: { reason: 'metadata-unavailable' } });
      }
      const { casLogin, cookie } = await beginLogin(fast);
      cas.validationFault = null;
      const back = location(await fetch(casLogin, { redirect: 'manual' }));
      const refused = await startNode(cas, prefix, null, {
        fetch: () => Promise.reject(new TypeError('fetch failed')),
      });
      try {
        // Same Redis prefix: node "refused" can take the state begun on "fast", then fails to reach CAS.
        expect(await callback(refused, back, cookie)).toMatchObject({ status: 401, body: { reason: 'metadata-unavailable' } });
      } finally {
        await refused.close();
      }
    } finally {
      await fast.close();
    }
  });
});

describe('CAS adapter, validation response forms', () => {
  let cas: CasServer;
  let prefix: string;
  beforeAll(async () => {
    cas = await startCasServer();
  });
  afterAll(async () => {
    await cas.close();
  });
  beforeEach(() => {
    prefix = testPrefix('cas-xml');
  });
  afterEach(async () => {
    await deletePrefix(prefix);
  });

  /** Complete a login whose validation response is `body` (served in place of the CAS server's answer). */
  async function completeWith(body: string) {
    const node = await startNode(cas, prefix, null, { fetch: async () => new Response(body, { headers: { 'content-type': 'application/xml' } }) });
    try {
      const { service, cookie } = await beginLogin(node);
      const withTicket = new URL(service);
      withTicket.searchParams.set('ticket', 'ST-canned');
      return await callback(node, withTicket.href, cookie);
    } finally {
      await node.close();
    }
  }

  it('reads the older name/value attribute form', async () => {
    const result = await completeWith(`<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess>
      <cas:user>2019001</cas:user>
      <cas:attributes><cas:attribute name="userType" value="研究生"/><cas:attribute name="name" value="钱七"/></cas:attributes>
    </cas:authenticationSuccess></cas:serviceResponse>`);
    expect(result).toMatchObject({ status: 200, body: { identity: { subject: '2019001', affiliations: ['student'], displayName: '钱七' } } });
  });

  it.each([
    ['not XML', 'this is not xml <'],
    ['another XML document', '<html><body>CAS is down for maintenance</body></html>'],
    ['success without a user', '<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess/></cas:serviceResponse>'],
  ])('rejects %s as malformed', async (_label, body) => {
    expect(await completeWith(body)).toMatchObject({ status: 401, body: { reason: 'malformed' } });
  });
});

describe('CAS adapter, protocol 2.0', () => {
  it('validates at /serviceValidate and maps the user without attributes', async () => {
    const cas = await startCasServer();
    const prefix = testPrefix('cas2');
    const node = await startNode(cas, prefix, null, { config: { protocol: '2.0' } });
    try {
      const { result } = await fullLogin(node, cas, 'li4', 'student-pass');
      expect(result.status).toBe(200);
      expect(result.body.identity).toMatchObject({ subject: 'li4', affiliations: [], attributes: {} });
    } finally {
      await node.close();
      await cas.close();
      await deletePrefix(prefix);
    }
  });
});
