/**
 * A login in progress, bound to the browser that started it (every protocol).
 *
 * The store keeps what the round trip needs (request id, nonce, returnTo) so any node can finish
 * the login; that alone lets an attacker finish *their own* login in a victim's browser (login
 * CSRF, RFC 6749 §10.12). So `begin` also gives the browser a short-lived HttpOnly cookie carrying
 * the login's id, HMAC-signed with a key derived from the session secret (shared by all nodes),
 * and `check` refuses a callback or ACS request whose browser does not hold it.
 *
 * One cookie per login (named after its id), so two logins started in two tabs both finish.
 * SAML comes back by a cross-site form POST, which carries only SameSite=None cookies, and
 * SameSite=None needs Secure: browsers accept Secure cookies from https origins and from
 * http://localhost / loopback addresses (potentially trustworthy origins), which is what the demo
 * uses. CAS and OIDC come back by a top-level GET redirect, for which SameSite=Lax suffices.
 */
import { createHash, createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseCookie, stringifySetCookie } from 'cookie';
import { sign, unsign } from 'cookie-signature';
import { LoginError } from './types';

/** How the IdP sends the browser back: a cross-site form POST (SAML ACS) or a GET redirect (CAS, OIDC callbacks). */
export type ReturnMethod = 'post' | 'get';

export interface LoginStateOptions {
  /** The session secret; the cookie key is derived from it, so it is never used for two things. */
  secret: string;
  /** The gateway's public URL: https gets `__Host-` cookies, loopback http gets Secure ones too. */
  publicUrl: URL;
  /** How long a begun login may take. Default 10 minutes. */
  ttlMs?: number;
}

export const LOGIN_STATE_TTL_MS = 10 * 60_000;

const LOOPBACK = /^(localhost|[^.]+\.localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Whether browsers keep Secure cookies from this origin (https, or http on a loopback host: a
 * potentially trustworthy origin). Without them the SAML state cookie cannot be SameSite=None,
 * so it is not sent with the IdP's cross-site POST and SAML sign-in fails.
 */
export function keepsSecureCookies(publicUrl: URL): boolean {
  return publicUrl.protocol === 'https:' || LOOPBACK.test(publicUrl.hostname);
}

export class LoginState {
  readonly ttlMs: number;
  private readonly key: string;
  private readonly https: boolean;
  /** Secure cookies are kept by browsers from https origins and from loopback http ones. */
  private readonly secure: boolean;

  constructor(options: LoginStateOptions) {
    this.key = createHmac('sha256', options.secret).update('passway login-state cookie v1').digest('base64url');
    this.https = options.publicUrl.protocol === 'https:';
    this.secure = keepsSecureCookies(options.publicUrl);
    this.ttlMs = options.ttlMs ?? LOGIN_STATE_TTL_MS;
  }

  /** At login start: bind the login `id` to this browser. */
  begin(res: ServerResponse, id: string, returnMethod: ReturnMethod): void {
    res.appendHeader('Set-Cookie', this.cookie(id, `s:${sign(id, this.key)}`, returnMethod, Math.floor(this.ttlMs / 1000)));
  }

  /** At the callback or ACS: throws `login-not-started-here` unless this browser began login `id`. */
  check(req: Pick<IncomingMessage, 'headers'>, id: string, details: Record<string, unknown> = {}): void {
    const header = req.headers.cookie;
    const value = header ? parseCookie(header)[this.name(id)] : undefined;
    if (value?.startsWith('s:') && unsign(value.slice(2), this.key) === id) return;
    throw new LoginError('login-not-started-here', value === undefined ? 'this browser did not start the sign-in it returns from' : 'the sign-in state cookie does not match this sign-in', details);
  }

  /** After a completed login: the cookie has done its job. */
  end(res: ServerResponse, id: string, returnMethod: ReturnMethod): void {
    res.appendHeader('Set-Cookie', this.cookie(id, '', returnMethod, 0));
  }

  private name(id: string): string {
    // __Host- (https only): no sibling host, e.g. a proxied vendor page under the gateway's domain, can plant it.
    return `${this.https ? '__Host-' : ''}passway_login_${createHash('sha256').update(id).digest('base64url').slice(0, 16)}`;
  }

  private cookie(id: string, value: string, returnMethod: ReturnMethod, maxAge: number): string {
    const crossSitePost = returnMethod === 'post' && this.secure;
    return stringifySetCookie({
      name: this.name(id),
      value,
      path: '/',
      httpOnly: true,
      secure: this.secure,
      sameSite: crossSitePost ? 'none' : 'lax',
      maxAge,
    });
  }
}
