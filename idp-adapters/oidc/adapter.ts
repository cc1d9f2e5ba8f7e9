/**
 * OpenID Connect sign-in: authorization code flow with PKCE (S256), state and nonce.
 *
 * begin: state, nonce and the PKCE verifier are kept in the Store under the state, so any gateway
 * node can complete the login; a signed cookie binds the state to this browser. complete: the
 * cookie is checked, the code exchanged at the token endpoint, the ID token verified with jose
 * against the OP's JWKS, and only then is the state taken (consumed once).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, Response } from 'express';
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import type { OidcLoginConfig } from '../../config/schema';
import type { Store } from '../../gateway/store/types';
import type { Identity } from '../identity';
import type { LoginState } from '../login-state';
import { logoutKey } from '../logout-keys';
import { LoginError, type BeginContext, type CampusSignIn, type IdpAdapter, type LogoutStep, type LoginResult, type SignedOutUrl } from '../types';
import { mapClaims } from './claims';
import { Discovery, type ProviderMetadata } from './discovery';
import { verifyIdToken, verifyLogoutToken } from './id-token';
import { exchangeCode, type ClientAuthMethod } from './token';

export interface OidcAdapterOptions {
  login: OidcLoginConfig;
  store: Store;
  /** Binds each login to the browser that started it. */
  loginState: LoginState;
  /** `<publicUrl>/auth/<id>/callback`, registered at the OP as redirect URI. */
  callbackUrl: string;
  /** Used for discovery, the token request and the JWKS. */
  fetch?: typeof fetch;
  /** Extra authorization request parameters (e.g. `claims`, `acr_values`, `ui_locales`). */
  authorizationParams?: Record<string, string>;
  /** Default: client_secret_basic when a secret is configured (or _post if the OP supports only that), else none. */
  tokenEndpointAuthMethod?: ClientAuthMethod;
  /** Oldest acceptable ID token `iat`. Default 600 s. */
  maxIdTokenAgeSeconds?: number;
  /** How long the discovery document is cached. Default 1 hour. */
  discoveryTtlMs?: number;
}

interface PendingLogin {
  nonce: string;
  codeVerifier: string;
  returnTo: string;
  /** Step-up: the acr asked for. */
  authnContext?: string;
}

type Query = Request['query'];

const single = (query: Query, name: string): string | undefined => {
  const value = query[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

const random = (): string => randomBytes(32).toString('base64url');

/** Asymmetric algorithms only: 'none' and HMAC (keyed by the client secret) are not accepted. */
const ASYMMETRIC = /^(RS|PS|ES)(256|384|512)$|^EdDSA$|^Ed25519$/;

export class OidcAdapter implements IdpAdapter {
  readonly kind = 'oidc' as const;
  readonly id: string;
  readonly institution: string;
  readonly returnPath: string;
  readonly supportsMfa: boolean;
  private readonly fetch: typeof fetch;
  private readonly discovery: Discovery;
  private jwks?: { uri: string; keys: JWTVerifyGetKey };

  constructor(private readonly options: OidcAdapterOptions) {
    this.id = options.login.id;
    this.institution = options.login.institution;
    this.returnPath = new URL(options.callbackUrl).pathname;
    this.supportsMfa = options.login.supportsMfa;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.discovery = new Discovery({
      issuer: options.login.issuer,
      fetch: this.fetch,
      timeoutMs: this.timeoutMs,
      ttlMs: options.discoveryTtlMs ?? 60 * 60_000,
      adapterId: this.id,
    });
  }

  async begin(_req: Request, res: Response, ctx: BeginContext): Promise<void> {
    const op = await this.discovery.get();
    const state = random();
    const pending: PendingLogin = { nonce: random(), codeVerifier: random(), returnTo: ctx.returnTo, ...(ctx.authnContext ? { authnContext: ctx.authnContext } : {}) };
    await this.options.store.set(this.key(state), JSON.stringify(pending), this.options.loginState.ttlMs);
    this.options.loginState.begin(res, state, 'get');
    const scopes = new Set(['openid', ...this.options.login.scopes]);
    const url = new URL(op.authorization_endpoint);
    for (const [name, value] of Object.entries(this.options.authorizationParams ?? {})) url.searchParams.set(name, value);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', this.options.login.clientId);
    url.searchParams.set('redirect_uri', this.options.callbackUrl);
    url.searchParams.set('scope', [...scopes].join(' '));
    url.searchParams.set('state', state);
    url.searchParams.set('nonce', pending.nonce);
    url.searchParams.set('code_challenge', createHash('sha256').update(pending.codeVerifier).digest('base64url'));
    url.searchParams.set('code_challenge_method', 'S256');
    if (ctx.authnContext) {
      // Step-up (OIDC Core 3.1.2.1): ask for the acr, and for a fresh sign-in rather than the OP's current session.
      url.searchParams.set('acr_values', ctx.authnContext);
      url.searchParams.set('prompt', 'login');
    }
    if (ctx.forceAuthn) url.searchParams.set('prompt', 'login'); // a fresh sign-in (OIDC Core 3.1.2.1)
    res.set('Cache-Control', 'no-store').redirect(302, url.href);
  }

  /** The redirect back from the OP: `?code=…&state=…[&iss=…]` or `?error=…&state=…`. Throws LoginError. */
  async complete(req: Pick<Request, 'query'> & Pick<IncomingMessage, 'headers'>, res: ServerResponse): Promise<LoginResult> {
    const { issuer, clientId, clientSecret } = this.options.login;
    const state = single(req.query, 'state');
    const stored = state ? await this.options.store.get(this.key(state)) : null;
    if (!state || !stored) throw new LoginError('state-mismatch', 'unknown, expired or already used OIDC login state', { adapter: this.id });
    this.options.loginState.check(req, state, { adapter: this.id });
    const pending = JSON.parse(stored) as PendingLogin;

    const error = single(req.query, 'error');
    if (error === 'unmet_authentication_requirements' && pending.authnContext) {
      throw new LoginError('authn-context-unavailable', 'the provider cannot give the requested acr', { adapter: this.id, requested: pending.authnContext, returnTo: pending.returnTo });
    }
    if (error) {
      throw new LoginError('status-not-success', `the provider returned ${error}`, {
        adapter: this.id,
        error,
        description: single(req.query, 'error_description'),
      });
    }
    const iss = single(req.query, 'iss'); // RFC 9207 mix-up defence, when the OP sends it
    if (iss !== undefined && iss !== issuer) throw new LoginError('issuer-mismatch', `authorization response from ${iss}`, { adapter: this.id });
    const code = single(req.query, 'code');
    if (!code) throw new LoginError('malformed', 'OIDC callback without a code', { adapter: this.id });

    const op = await this.discovery.get();
    const idToken = await exchangeCode({
      tokenEndpoint: op.token_endpoint,
      clientId,
      ...(clientSecret !== undefined ? { clientSecret } : {}),
      authMethod: this.authMethod(op),
      code,
      redirectUri: this.options.callbackUrl,
      codeVerifier: pending.codeVerifier,
      fetch: this.fetch,
      timeoutMs: this.timeoutMs,
      adapterId: this.id,
    });
    const claims = await verifyIdToken(
      idToken,
      this.keys(op),
      {
        issuer,
        clientId,
        nonce: pending.nonce,
        algorithms: this.algorithms(op),
        clockSkewSeconds: this.options.login.clockSkewSeconds,
        maxAgeSeconds: this.options.maxIdTokenAgeSeconds ?? 600,
      },
      this.id,
    );
    if (!(await this.options.store.take(this.key(state)))) throw new LoginError('state-mismatch', 'this OIDC login state was used meanwhile', { adapter: this.id });
    this.options.loginState.end(res, state, 'get');
    const { attributes, ...mapped } = mapClaims(claims, this.options.login.claimMapping);
    const authTime = typeof claims.auth_time === 'number' ? new Date(claims.auth_time * 1000).toISOString() : undefined;
    const identity: Identity = {
      subject: claims.sub as string,
      institution: this.institution,
      ...mapped,
      source: { adapter: 'oidc', idp: issuer, ...(authTime ? { authnInstant: authTime } : {}), ...(typeof claims.acr === 'string' && claims.acr !== '' ? { authnContext: claims.acr } : {}) },
      attributes,
    };
    const sid = typeof claims.sid === 'string' && claims.sid !== '' ? claims.sid : undefined;
    return {
      identity,
      returnTo: pending.returnTo,
      login: { id: this.id, kind: 'oidc', institution: this.institution },
      // RP-initiated logout sends the ID token back as id_token_hint.
      campus: { login: this.id, idToken, ...(sid ? { sid } : {}) },
      // Back-channel logout names the OP session (sid), or only the person (sub).
      logoutKeys: [...(sid ? [this.sidKey(sid)] : []), this.subKey(claims.sub as string)],
      ...(pending.authnContext ? { requestedAuthnContext: pending.authnContext } : {}),
    };
  }

  /** RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) at the OP's end_session_endpoint. */
  async logout(campus: CampusSignIn, signedOut: SignedOutUrl): Promise<LogoutStep> {
    let op: ProviderMetadata;
    try {
      op = await this.discovery.get();
    } catch {
      return { kind: 'not-ended', campusUrl: this.options.login.issuer, why: 'discovery failed' };
    }
    if (!op.end_session_endpoint) return { kind: 'not-ended', campusUrl: this.options.login.issuer, why: 'the provider has no end_session_endpoint' };
    const url = new URL(op.end_session_endpoint);
    if (campus.idToken) url.searchParams.set('id_token_hint', campus.idToken);
    url.searchParams.set('client_id', this.options.login.clientId);
    // The registered post_logout_redirect_uri is fixed; the signed outcome travels in state.
    const back = new URL(signedOut('ended', this.id));
    url.searchParams.set('post_logout_redirect_uri', `${back.origin}${back.pathname}`);
    url.searchParams.set('state', back.searchParams.get('o') ?? '');
    return { kind: 'redirect', url: url.href };
  }

  async campusUrl(): Promise<string> {
    return this.options.login.issuer;
  }

  /**
   * OpenID Connect Back-Channel Logout 1.0: the OP POSTs a signed logout token; once verified
   * (signature against the JWKS, iss, aud, iat, the logout event, sid or sub, no nonce, jti
   * used once), returns the logout keys of the sessions to end.
   */
  async campusLogout(body: unknown): Promise<string[]> {
    const token = (body as Record<string, unknown> | undefined)?.logout_token;
    if (typeof token !== 'string' || token === '') throw new LoginError('malformed', 'back-channel logout without logout_token', { adapter: this.id });
    const op = await this.discovery.get();
    const claims = await verifyLogoutToken(token, this.keys(op), {
      issuer: this.options.login.issuer,
      clientId: this.options.login.clientId,
      algorithms: this.algorithms(op),
      clockSkewSeconds: this.options.login.clockSkewSeconds,
    }, this.id);
    const fresh = await this.options.store.setIfAbsent(`oidc:logout-jti:${logoutKey('oidc', this.id, claims.jti)}`, '1', 10 * 60_000);
    if (!fresh) throw new LoginError('replayed', 'this logout token was already used', { adapter: this.id });
    return claims.sid !== undefined ? [this.sidKey(claims.sid)] : [this.subKey(claims.sub ?? '')];
  }

  private sidKey(sid: string): string {
    return logoutKey('oidc', this.options.login.issuer, 'sid', sid);
  }

  private subKey(sub: string): string {
    return logoutKey('oidc', this.options.login.issuer, 'sub', sub);
  }

  private get timeoutMs(): number {
    return this.options.login.timeoutSeconds * 1000;
  }

  private key(state: string): string {
    return `login:oidc:${this.id}:${state}`;
  }

  private authMethod(op: ProviderMetadata): ClientAuthMethod {
    if (this.options.tokenEndpointAuthMethod) return this.options.tokenEndpointAuthMethod;
    if (this.options.login.clientSecret === undefined) return 'none';
    const supported = op.token_endpoint_auth_methods_supported;
    return supported && !supported.includes('client_secret_basic') && supported.includes('client_secret_post') ? 'client_secret_post' : 'client_secret_basic';
  }

  private algorithms(op: ProviderMetadata): string[] {
    const advertised = (op.id_token_signing_alg_values_supported ?? ['RS256']).filter((alg) => ASYMMETRIC.test(alg));
    return advertised.length > 0 ? advertised : ['RS256'];
  }

  /** One remote JWKS per jwks_uri (jose caches the keys and refetches on an unknown kid). */
  private keys(op: ProviderMetadata): JWTVerifyGetKey {
    if (this.jwks?.uri !== op.jwks_uri) {
      this.jwks = {
        uri: op.jwks_uri,
        keys: createRemoteJWKSet(new URL(op.jwks_uri), { timeoutDuration: this.timeoutMs, [customFetch]: this.fetch }),
      };
    }
    return this.jwks.keys;
  }
}
