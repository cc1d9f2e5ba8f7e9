import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseCookie, stringifySetCookie } from 'cookie';
import { sign } from 'cookie-signature';
import { Router } from 'express';
import type { Store } from '../store/types';
import { localPath } from '../local-path';
import { redirect, sendProxyPage } from './pages';

/**
 * Session handoff to a proxied host (EZproxy's approach). The session cookie's Domain is the
 * gateway host so that `*.p.<gateway host>` shares it, but browsers refuse a Domain that is not
 * a registrable name: Chromium drops `Domain=localhost` for `x.p.localhost` (checked in
 * tests/browser/proxy.test.ts), and a proxy domain on another site than the gateway never gets it.
 * So the first proxied host without the cookie hands over through the gateway, once:
 *
 * 1. the proxied host sets a nonce cookie on itself (host-only, HttpOnly, 2 minutes) and sends
 *    the browser to the gateway: `/proxy/handoff?url=<proxied URL>&nonce=<nonce>`;
 * 2. the gateway, signed in, stores a one-time grant (60 s) for this session, bound to the
 *    nonce, to the proxied host and to the page, and sends the browser to
 *    `<proxied host>/.passway/handoff?token=` on the origin of Passway's own host mapping (the
 *    gateway's scheme and port), never the one in `url`. Signed out: `/login?url=<upstream URL>`;
 * 3. the proxied host takes the grant once and completes it only in a browser that holds the
 *    grant's nonce cookie, i.e. the browser that started step 1 there: a token minted by a
 *    signed-in attacker and opened in a victim's browser plants nothing. It sets the session
 *    cookie on the proxy domain (`Domain=p.localhost`, which Chromium accepts), so every other
 *    proxied host (the vendor's CDN, its API host) has the session from then on, without a
 *    handoff of its own; it drops the nonce and returns to the page the grant names.
 *
 * A subresource that still arrives without a session (a browser that refuses the proxy-domain
 * cookie) takes the same path as a fallback: the handoff's redirects say
 * `Cross-Origin-Resource-Policy: cross-origin` (helmet's default same-origin made Chromium block
 * them), and the proxied side's first redirect lets a CORS request from a proxied origin follow it.
 * The gateway's step never allows CORS: a CORS request reaches it with `Origin: null` (a redirect
 * to another origin taints it, Fetch §4.4), and letting a proxied page's script read where the
 * gateway's step leads would show it a grant.
 *
 * Over https the nonce cookie is `__Host-` prefixed, so a sibling proxied host cannot set it
 * (RFC 6265bis, "Cookie Name Prefixes"). Each handoff has its own nonce cookie, so pages that
 * start several at once (images from several proxied hosts) do not overwrite each other's.
 */
export const HANDOFF_PATH = '/.passway/handoff';
const GRANT_TTL_MS = 60_000;
const NONCE_MAX_AGE_SECONDS = 120;
const NONCE = /^[A-Za-z0-9_-]{22}$/;
const TOKEN = /^[A-Za-z0-9_-]{32}$/;
const key = (token: string) => `handoff:${token}`;

interface Grant {
  sid: string;
  host: string;
  nonce: string;
  to: string;
}

export interface HandoffDeps {
  store: Store;
  secret: string;
  cookieName: string;
  secure: boolean;
  maxAgeSeconds: number;
  /** The gateway's public origin (where step 2 runs). */
  gatewayOrigin: string;
  /** Proxied URL → upstream URL, or undefined when not a proxied address of a catalogued host. */
  upstreamOf: (proxied: URL) => URL | undefined;
  /** Upstream URL → its proxied URL by Passway's host mapping (the gateway's scheme and port). */
  proxiedOf: (upstream: URL) => URL | undefined;
  /** Parent domain of proxied hosts: the Domain of the session cookie the handoff sets. */
  proxyDomain: string;
  /** True when an Origin header names a proxied host of this gateway (CORS on the proxied side's first redirect). */
  isProxiedOrigin: (origin: string) => boolean;
}

/**
 * The headers that let a handoff redirect be followed by a subresource (CORP) or, on the proxied
 * side only (`cors`), by a CORS request from a proxied page.
 */
function handoffCrossOriginHeaders(res: ServerResponse, origin: string | undefined, cors: ((origin: string) => boolean) | undefined): void {
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
  if (origin && cors?.(origin)) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Vary', 'Origin');
  }
}

const nonceCookie = (deps: HandoffDeps, nonce: string) => `${deps.secure ? '__Host-' : ''}passway_handoff_${nonce}`;

/** Proxied side, step 1: a browser without a session here goes to the gateway, with a nonce only it holds. */
export function startHandoff(deps: HandoffDeps, req: IncomingMessage, res: ServerResponse, proxiedHere: string): void {
  handoffCrossOriginHeaders(res, req.headers.origin, deps.isProxiedOrigin);
  const nonce = randomBytes(16).toString('base64url');
  res.setHeader(
    'Set-Cookie',
    stringifySetCookie({ name: nonceCookie(deps, nonce), value: '1', path: '/', httpOnly: true, secure: deps.secure, sameSite: 'lax', maxAge: NONCE_MAX_AGE_SECONDS }),
  );
  redirect(res, 303, `${deps.gatewayOrigin}/proxy/handoff?${new URLSearchParams({ url: proxiedHere, nonce })}`);
}

/** Gateway side, step 2: GET /proxy/handoff?url=<proxied URL>&nonce= (the Express app's requestScope has loaded the session). */
export function handoffRoutes(deps: HandoffDeps): Router {
  const router = Router();
  router.get('/proxy/handoff', async (req, res) => {
    handoffCrossOriginHeaders(res, req.headers.origin, undefined);
    let claimed: URL | undefined;
    try {
      claimed = new URL(String(req.query.url ?? ''));
    } catch {
      claimed = undefined;
    }
    const upstream = claimed && deps.upstreamOf(claimed);
    const proxied = upstream && deps.proxiedOf(upstream);
    const to = proxied && proxied.pathname + proxied.search;
    // The page must be a plain local path: an encoded CR/LF or `//` is refused here, not passed on.
    if (!upstream || !proxied || !to || localPath(to) !== to) {
      sendProxyPage(req, res, 400, 'proxyBadRequestTitle', 'proxyBadRequestBody');
      return;
    }
    if (!req.session?.data.user) {
      redirect(res, 303, `/login?url=${encodeURIComponent(upstream.href)}`);
      return;
    }
    const nonce = String(req.query.nonce ?? '');
    if (!NONCE.test(nonce)) {
      // An old link without a nonce: start over at the proxied host, which adds one.
      redirect(res, 303, proxied.href);
      return;
    }
    const token = randomBytes(24).toString('base64url');
    const grant: Grant = { sid: req.session.id, host: proxied.host, nonce, to };
    await deps.store.set(key(token), JSON.stringify(grant), GRANT_TTL_MS);
    redirect(res, 303, `${proxied.origin}${HANDOFF_PATH}?token=${token}`);
  });
  return router;
}

/** Proxied side, step 3: take the grant once; in the browser holding its nonce, set the session cookie on the proxy domain and go to its page. */
export async function completeHandoff(deps: HandoffDeps, req: IncomingMessage, res: ServerResponse, url: URL, retry: string): Promise<void> {
  const token = url.searchParams.get('token') ?? '';
  const raw = TOKEN.test(token) ? await deps.store.take(key(token)) : null;
  const grant = raw ? (JSON.parse(raw) as Grant) : undefined;
  handoffCrossOriginHeaders(res, req.headers.origin, undefined);
  const cookies = req.headers.cookie ? parseCookie(req.headers.cookie) : {};
  if (!grant || grant.host !== (req.headers.host ?? '').toLowerCase() || cookies[nonceCookie(deps, grant.nonce)] === undefined) {
    sendProxyPage(req, res, 400, 'proxyHandoffTitle', 'proxyHandoffBody', {}, [{ href: retry, say: 'proxyHandoffRetry', button: true }]);
    return;
  }
  res.setHeader('Set-Cookie', [
    stringifySetCookie({ name: deps.cookieName, value: `s:${sign(grant.sid, deps.secret)}`, domain: deps.proxyDomain, path: '/', httpOnly: true, secure: deps.secure, sameSite: 'lax', maxAge: deps.maxAgeSeconds }),
    stringifySetCookie({ name: nonceCookie(deps, grant.nonce), value: '', path: '/', httpOnly: true, secure: deps.secure, sameSite: 'lax', maxAge: 0 }),
  ]);
  redirect(res, 303, localPath(grant.to));
}
