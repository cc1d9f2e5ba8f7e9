/**
 * OidcAdapter against a real OpenID Provider (`oidc-provider`) over HTTP, login state in Redis.
 * The browser is played by hand: fetch with manual redirects and a cookie jar for the OP's
 * session cookies. Token responses are intercepted through the adapter's `fetch` option to tamper
 * with the ID token: either flipping a signature byte, or re-signing altered claims with the OP's
 * own key so that each claim check is proven on its own.
 */
import http from 'node:http';
import express from 'express';
import { decodeJwt, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { RedisStore } from '../../gateway/store';
import { OidcAdapter, type OidcAdapterOptions } from '../../idp-adapters/oidc';
import { LoginError } from '../../idp-adapters/types';
import { closeServer, listen } from '../../demo/server';
import { startOidcProvider, type TestOidcProvider } from '../fixtures/oidc-provider';
import { deletePrefix, REDIS_URL, testPrefix } from '../helpers/stores';
import { cookieHeader, HttpBrowser, location } from '../helpers/http-browser';
import { parsedLogin, TEST_SECRET } from '../helpers/gateway';
import type { OidcLoginConfig } from '../../config/schema';
import { LoginState } from '../../idp-adapters/login-state';

const PUBLIC_URL = 'https://gw.lib.example.edu';
const CALLBACK = `${PUBLIC_URL}/auth/campus-oidc/callback`;

interface MiniGateway {
  url: string;
  /** When set, the ID token in the token response is replaced by what this returns. */
  rewriteIdToken: ((idToken: string) => Promise<string>) | null;
  close(): Promise<void>;
}

/** One gateway node with its own adapter and Redis connection; the public callback URL is shared. */
async function startNode(op: TestOidcProvider, prefix: string, extra: Partial<OidcAdapterOptions> & { config?: Partial<OidcLoginConfig> } = {}): Promise<MiniGateway> {
  const store = new RedisStore({ url: REDIS_URL, keyPrefix: prefix });
  const app = express();
  const server = http.createServer(app);
  const port = await listen(server, '127.0.0.1', 0);
  const node: MiniGateway = {
    url: `http://127.0.0.1:${port}`,
    rewriteIdToken: null,
    close: async () => {
      await closeServer(server);
      await store.close();
    },
  };
  const intercepting: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const rewrite = node.rewriteIdToken;
    if (!rewrite || !String(input instanceof Request ? input.url : input).endsWith('/token') || !res.ok) return res;
    const body = (await res.json()) as { id_token: string };
    body.id_token = await rewrite(body.id_token);
    return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
  };
  const { config, ...options } = extra;
  const adapter = new OidcAdapter({
    login: parsedLogin({ kind: 'oidc', id: 'campus-oidc', institution: 'example-u', issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, scopes: ['profile', 'email', 'eduperson', 'groups'], ...config }),
    store,
    loginState: new LoginState({ secret: TEST_SECRET, publicUrl: new URL(PUBLIC_URL) }),
    callbackUrl: CALLBACK,
    fetch: intercepting,
    ...options,
  });
  app.get('/auth/campus-oidc/login', async (req, res) => {
    try {
      await adapter.begin(req, res, { returnTo: String(req.query.returnTo ?? '/') });
    } catch (error) {
      if (!(error instanceof LoginError)) throw error;
      res.status(502).json({ reason: error.reason });
    }
  });
  app.get('/auth/campus-oidc/callback', async (req, res) => {
    try {
      res.json(await adapter.complete(req, res));
    } catch (error) {
      if (!(error instanceof LoginError)) throw error;
      res.status(401).json({ reason: error.reason, details: error.details });
    }
  });
  return node;
}

/** Gateway login → OP authorization → interaction → back; returns the public callback URL. */
async function authorize(node: MiniGateway, returnTo = '/go/cnki'): Promise<{ authorization: URL; callbackUrl: string }> {
  const browser = new HttpBrowser();
  const start = `${node.url}/auth/campus-oidc/login?returnTo=${encodeURIComponent(returnTo)}`;
  const res = await browser.get(start);
  expect(res.status).toBe(302);
  const authorization = new URL(location(res, start));
  loginCookies.set(authorization.searchParams.get('state') ?? '', cookieHeader(res));
  let url = authorization.href;
  for (let hops = 0; !url.startsWith(PUBLIC_URL); hops++) {
    if (hops > 10) throw new Error('too many redirects at the OP');
    url = location(await browser.get(url), url);
  }
  return { authorization, callbackUrl: url };
}

/** The login state cookie the browser got when it began the login with this state. */
const loginCookies = new Map<string, string>();

/** The browser that began the login arrives at the callback (on this node). */
async function callback(node: MiniGateway, callbackUrl: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = new URL(callbackUrl);
  const res = await fetch(`${node.url}${url.pathname}${url.search}`, { headers: { cookie: loginCookies.get(url.searchParams.get('state') ?? '') ?? '' } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Re-sign the ID token with the OP's key after changing its claims. */
const resign = (op: TestOidcProvider, change: (claims: JWTPayload) => JWTPayload) => (idToken: string) => op.sign(change(decodeJwt(idToken)));

describe('OIDC adapter against oidc-provider', () => {
  let op: TestOidcProvider;
  let prefix: string;
  let node: MiniGateway;

  beforeAll(async () => {
    op = await startOidcProvider({ redirectUris: [CALLBACK] });
  });
  afterAll(async () => {
    await op.close();
  });
  beforeEach(async () => {
    prefix = testPrefix('oidc');
    op.loginAs = 'wang5-sub';
    node = await startNode(op, prefix);
  });
  afterEach(async () => {
    await node.close();
    await deletePrefix(prefix);
  });

  it('sends an authorization request with PKCE S256, state and nonce', async () => {
    const { authorization } = await authorize(node);
    const p = authorization.searchParams;
    expect(`${authorization.origin}${authorization.pathname}`).toBe(`${op.issuer}/auth`);
    expect(p.get('response_type')).toBe('code');
    expect(p.get('client_id')).toBe(op.clientId);
    expect(p.get('redirect_uri')).toBe(CALLBACK);
    expect(p.get('scope')?.split(' ')).toEqual(['openid', 'profile', 'email', 'eduperson', 'groups']);
    expect(p.get('code_challenge_method')).toBe('S256');
    expect(p.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(p.get('state')).toMatch(/^[\w-]{43}$/);
    expect(p.get('nonce')).toMatch(/^[\w-]{43}$/);
    expect(p.get('nonce')).not.toBe(p.get('state'));
  });

  it('signs a faculty member in: sub, name, scoped affiliation, entitlements, groups', async () => {
    const { callbackUrl } = await authorize(node);
    const result = await callback(node, callbackUrl);
    expect(result.status).toBe(200);
    expect(result.body.returnTo).toBe('/go/cnki');
    expect(result.body.identity).toMatchObject({
      subject: 'wang5-sub',
      institution: 'example-u',
      affiliations: ['faculty', 'member'],
      entitlements: ['urn:mace:dir:entitlement:common-lib-terms'],
      groups: ['library-staff-picks'],
      displayName: '王五',
      source: { adapter: 'oidc', idp: op.issuer },
      attributes: { email: ['wang5@example.edu.cn'], iss: [op.issuer], aud: [op.clientId] },
    });
    expect((result.body.identity as { attributes: Record<string, unknown> }).attributes.nonce).toBeUndefined();
  });

  it('begins on node A and completes on node B sharing one Redis (student)', async () => {
    op.loginAs = 'zhao6-sub';
    const a = await startNode(op, prefix);
    const b = await startNode(op, prefix);
    try {
      const { callbackUrl } = await authorize(a, '/go/wanfang');
      const result = await callback(b, callbackUrl);
      expect(result).toMatchObject({ status: 200, body: { returnTo: '/go/wanfang', identity: { subject: 'zhao6-sub', affiliations: ['student'], displayName: '赵六' } } });
      expect(await callback(a, callbackUrl)).toMatchObject({ status: 401, body: { reason: 'state-mismatch' } });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('rejects an ID token with a flipped signature byte', async () => {
    node.rewriteIdToken = async (idToken) => {
      const [header, payload, signature = ''] = idToken.split('.');
      const bytes = Buffer.from(signature, 'base64url');
      bytes[10] = (bytes[10] ?? 0) ^ 0x01;
      return `${header}.${payload}.${bytes.toString('base64url')}`;
    };
    const { callbackUrl } = await authorize(node);
    expect(await callback(node, callbackUrl)).toMatchObject({ status: 401, body: { reason: 'signature-invalid' } });
  });

  it("rejects an ID token signed by another key under the OP's kid", async () => {
    const { privateKey } = await generateKeyPair('RS256');
    node.rewriteIdToken = async (idToken) => new SignJWT(decodeJwt(idToken)).setProtectedHeader({ alg: 'RS256', kid: 'fixture-rs256' }).sign(privateKey);
    const { callbackUrl } = await authorize(node);
    expect(await callback(node, callbackUrl)).toMatchObject({ status: 401, body: { reason: 'signature-invalid' } });
  });

  it('rejects a wrong nonce', async () => {
    node.rewriteIdToken = resign(op, (c) => ({ ...c, nonce: 'nonce-of-another-login' }));
    const { callbackUrl } = await authorize(node);
    expect(await callback(node, callbackUrl)).toMatchObject({ status: 401, body: { reason: 'token-invalid', details: { claim: 'nonce' } } });
  });

  it('rejects a token without a nonce', async () => {
    node.rewriteIdToken = resign(op, ({ nonce: _nonce, ...c }) => c);
    const { callbackUrl } = await authorize(node);
    expect(await callback(node, callbackUrl)).toMatchObject({ status: 401, body: { reason: 'token-invalid', details: { claim: 'nonce' } } });
  });

  it('rejects a wrong issuer', async () => {
    node.rewriteIdToken = resign(op, (c) => ({ ...c, iss: 'https://idp.elsewhere.example' }));
    const { callbackUrl } = await authorize(node);
    expect(await callback(node, callbackUrl)).toMatchObject({ status: 401, body: { reason: 'issuer-mismatch' } });
  });

  it('rejects a wrong audience, and several audiences without our azp', async () => {
    node.rewriteIdToken = resign(op, (c) => ({ ...c, aud: 'some-other-client' }));
    let { callbackUrl } = await authorize(node);
    expect(await callback(node, callbackUrl)).toMatchObject({ status: 401, body: { reason: 'audience-mismatch' } });

    node.rewriteIdToken = resign(op, (c) => ({ ...c, aud: [op.clientId, 'some-other-client'], azp: 'some-other-client' }));
    ({ callbackUrl } = await authorize(node));
    expect(await callback(node, callbackUrl)).toMatchObject({ status: 401, body: { reason: 'audience-mismatch', details: { claim: 'azp' } } });
  });

  it('rejects an expired token and one issued in the future', async () => {
    const now = Math.floor(Date.now() / 1000);
    node.rewriteIdToken = resign(op, (c) => ({ ...c, iat: now - 7200, exp: now - 3600 }));
    let { callbackUrl } = await authorize(node);
    expect(await callback(node, callbackUrl)).toMatchObject({ status: 401, body: { reason: 'expired' } });

    node.rewriteIdToken = resign(op, (c) => ({ ...c, iat: now + 3600, exp: now + 7200 }));
    ({ callbackUrl } = await authorize(node));
    expect(await callback(node, callbackUrl)).toMatchObject({ status: 401, body: { reason: 'not-yet-valid' } });
  });

  it('rejects a replayed state, and a used code under a fresh state', async () => {
    const { callbackUrl } = await authorize(node);
    expect((await callback(node, callbackUrl)).status).toBe(200);
    expect(await callback(node, callbackUrl)).toMatchObject({ status: 401, body: { reason: 'state-mismatch' } });

    const fresh = new URL((await authorize(node)).callbackUrl);
    fresh.searchParams.set('code', new URL(callbackUrl).searchParams.get('code') ?? '');
    expect(await callback(node, fresh.href)).toMatchObject({ status: 401, body: { reason: 'token-invalid', details: { error: 'invalid_grant' } } });
  });

  it('rejects an unknown or missing state', async () => {
    const url = new URL((await authorize(node)).callbackUrl);
    url.searchParams.set('state', 'made-up');
    expect(await callback(node, url.href)).toMatchObject({ status: 401, body: { reason: 'state-mismatch' } });
    url.searchParams.delete('state');
    expect(await callback(node, url.href)).toMatchObject({ status: 401, body: { reason: 'state-mismatch' } });
  });

  it('rejects an authorization response naming another issuer (RFC 9207) and an error response', async () => {
    const mixedUp = new URL((await authorize(node)).callbackUrl);
    expect(mixedUp.searchParams.get('iss')).toBe(op.issuer);
    mixedUp.searchParams.set('iss', 'https://idp.elsewhere.example');
    expect(await callback(node, mixedUp.href)).toMatchObject({ status: 401, body: { reason: 'issuer-mismatch' } });

    const { authorization } = await authorize(node);
    const denied = new URL(CALLBACK);
    denied.searchParams.set('state', authorization.searchParams.get('state') ?? '');
    denied.searchParams.set('error', 'access_denied');
    expect(await callback(node, denied.href)).toMatchObject({ status: 401, body: { reason: 'status-not-success', details: { error: 'access_denied' } } });
  });

  it('refuses to start when discovery names another issuer than configured', async () => {
    const misconfigured = await startNode(op, prefix, { config: { issuer: `${op.issuer}/` } });
    try {
      const res = await fetch(`${misconfigured.url}/auth/campus-oidc/login`, { redirect: 'manual' });
      expect(res.status).toBe(502);
      expect(await res.json()).toEqual({ reason: 'issuer-mismatch' });
    } finally {
      await misconfigured.close();
    }
  });
});

describe('OIDC adapter with client_secret_post', () => {
  it('authenticates at the token endpoint with the secret in the body', async () => {
    const op = await startOidcProvider({ redirectUris: [CALLBACK], tokenEndpointAuthMethod: 'client_secret_post' });
    const prefix = testPrefix('oidc-post');
    const node = await startNode(op, prefix, { tokenEndpointAuthMethod: 'client_secret_post' });
    try {
      const { callbackUrl } = await authorize(node);
      expect(await callback(node, callbackUrl)).toMatchObject({ status: 200, body: { identity: { subject: 'wang5-sub' } } });
    } finally {
      await node.close();
      await op.close();
      await deletePrefix(prefix);
    }
  });
});
