import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringifySetCookie } from 'cookie';
import { sign } from 'cookie-signature';
import { Router } from 'express';
import type { Store } from '../store/types';
import { html } from '../pages/html';
import { t } from '../i18n';
import { redirect, sendProxyPage } from './pages';

/**
 * Session handoff to a proxied host (EZproxy's approach). The session cookie's Domain is the
 * gateway host so that `*.p.<gateway host>` shares it, but browsers refuse a Domain that is not
 * a registrable name: Chromium drops `Domain=localhost` for `x.p.localhost` (checked in
 * tests/browser/proxy.test.ts). So a proxied host without the cookie sends the browser to the
 * gateway (`/proxy/handoff?url=`), which mints a one-time token (60 s, bound to that proxied
 * host) and sends it back to `<proxied host>/.passway/handoff?token=`, where the proxy sets a
 * host-only session cookie for that host and returns to the page. Signed out at the gateway:
 * `/login?url=<upstream URL>` instead, which signs in and launches.
 */
export const HANDOFF_PATH = '/.passway/handoff';
const TOKEN_TTL_MS = 60_000;
const key = (token: string) => `handoff:${token}`;

export interface HandoffDeps {
  store: Store;
  secret: string;
  cookieName: string;
  secure: boolean;
  maxAgeSeconds: number;
  /** Proxied URL → upstream URL, or undefined when not a proxied address of a catalogued host. */
  upstreamOf: (proxied: URL) => URL | undefined;
}

/** Gateway side: GET /proxy/handoff?url=<proxied URL> (the Express app's requestScope has loaded the session). */
export function handoffRoutes(deps: HandoffDeps): Router {
  const router = Router();
  router.get('/proxy/handoff', async (req, res) => {
    let proxied: URL | undefined;
    try {
      proxied = new URL(String(req.query.url ?? ''));
    } catch {
      proxied = undefined;
    }
    const upstream = proxied && deps.upstreamOf(proxied);
    if (!proxied || !upstream) {
      sendProxyPage(req, res, 400, 'proxyBadRequestTitle', 'proxyBadRequestBody');
      return;
    }
    if (!req.session?.data.user) {
      redirect(res, 303, `/login?url=${encodeURIComponent(upstream.href)}`);
      return;
    }
    const token = randomBytes(24).toString('base64url');
    await deps.store.set(key(token), JSON.stringify({ sid: req.session.id, host: proxied.host.toLowerCase() }), TOKEN_TTL_MS);
    redirect(res, 303, `${proxied.origin}${HANDOFF_PATH}?token=${token}&to=${encodeURIComponent(proxied.pathname + proxied.search)}`);
  });
  return router;
}

/** Proxied side: take the token once, set a host-only session cookie, go back to the page. */
export async function completeHandoff(deps: HandoffDeps, req: IncomingMessage, res: ServerResponse, url: URL, retry: string): Promise<void> {
  const token = url.searchParams.get('token') ?? '';
  const to = url.searchParams.get('to') ?? '/';
  const raw = /^[A-Za-z0-9_-]{32}$/.test(token) ? await deps.store.take(key(token)) : null;
  const grant = raw ? (JSON.parse(raw) as { sid: string; host: string }) : undefined;
  if (!grant || grant.host !== (req.headers.host ?? '').toLowerCase()) {
    sendProxyPage(req, res, 400, 'proxyHandoffTitle', 'proxyHandoffBody', {}, (lang) => html`<p><a class="button" href="${retry}">${t(lang, 'proxyHandoffRetry')}</a></p>`);
    return;
  }
  res.setHeader(
    'Set-Cookie',
    stringifySetCookie({ name: deps.cookieName, value: `s:${sign(grant.sid, deps.secret)}`, path: '/', httpOnly: true, secure: deps.secure, sameSite: 'lax', maxAge: deps.maxAgeSeconds }),
  );
  redirect(res, 303, to.startsWith('/') && !to.startsWith('//') && !to.startsWith('/\\') ? to : '/');
}
