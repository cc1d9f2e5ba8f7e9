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
import type { Store } from '../../gateway/store/types';
import type { AttributeMapping } from '../mapping';
import type { Identity } from '../identity';
import type { LoginState } from '../login-state';
import { LoginError, type IdpAdapter, type LoginResult } from '../types';
import { mapClaims } from './claims';
import { Discovery, type ProviderMetadata } from './discovery';
import { verifyIdToken } from './id-token';
import { exchangeCode, type ClientAuthMethod } from './token';

export interface OidcLoginConfig {
  kind: 'oidc';
  id: string;
  institution: string;
  issuer: string;
  clientId: string;
  clientSecret?: string;
}

export interface OidcAdapterOptions {
  login: OidcLoginConfig;
  store: Store;
  /** Binds each login to the browser that started it. */
  loginState: LoginState;
  /** `<publicUrl>/auth/<id>/callback`, registered at the OP as redirect URI. */
  callbackUrl: string;
  /** Used for discovery, the token request and the JWKS. */
  fetch?: typeof fetch;
  /** Default 'openid profile email'; 'openid' is always included. */
  scopes?: string[];
  /** Extra authorization request parameters (e.g. `claims`, `acr_values`, `ui_locales`). */
  authorizationParams?: Record<string, string>;
  /** Default: client_secret_basic when a secret is configured (or _post if the OP supports only that), else none. */
  tokenEndpointAuthMethod?: ClientAuthMethod;
  /** Overrides merged over OIDC_DEFAULT_MAPPING. */
  claimMapping?: Partial<AttributeMapping>;
  /** Per request to the OP. Default 10 s. */
  timeoutMs?: number;
  /** Tolerance on exp/iat. Default 60 s. */
  clockSkewSeconds?: number;
  /** Oldest acceptable ID token `iat`. Default 600 s. */
  maxIdTokenAgeSeconds?: number;
  /** How long the discovery document is cached. Default 1 hour. */
  discoveryTtlMs?: number;
}

interface PendingLogin {
  nonce: string;
  codeVerifier: string;
  returnTo: string;
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
  private readonly fetch: typeof fetch;
  private readonly discovery: Discovery;
  private jwks?: { uri: string; keys: JWTVerifyGetKey };

  constructor(private readonly options: OidcAdapterOptions) {
    this.id = options.login.id;
    this.institution = options.login.institution;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.discovery = new Discovery({
      issuer: options.login.issuer,
      fetch: this.fetch,
      timeoutMs: this.timeoutMs,
      ttlMs: options.discoveryTtlMs ?? 60 * 60_000,
      adapterId: this.id,
    });
  }

  async begin(_req: Request, res: Response, ctx: { returnTo: string }): Promise<void> {
    const op = await this.discovery.get();
    const state = random();
    const pending: PendingLogin = { nonce: random(), codeVerifier: random(), returnTo: ctx.returnTo };
    await this.options.store.set(this.key(state), JSON.stringify(pending), this.options.loginState.ttlMs);
    this.options.loginState.begin(res, state, 'get');
    const scopes = new Set(['openid', ...(this.options.scopes ?? ['profile', 'email'])]);
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
        clockSkewSeconds: this.options.clockSkewSeconds ?? 60,
        maxAgeSeconds: this.options.maxIdTokenAgeSeconds ?? 600,
      },
      this.id,
    );
    if (!(await this.options.store.take(this.key(state)))) throw new LoginError('state-mismatch', 'this OIDC login state was used meanwhile', { adapter: this.id });
    this.options.loginState.end(res, state, 'get');
    const { attributes, ...mapped } = mapClaims(claims, this.options.claimMapping);
    const authTime = typeof claims.auth_time === 'number' ? new Date(claims.auth_time * 1000).toISOString() : undefined;
    const identity: Identity = {
      subject: claims.sub as string,
      institution: this.institution,
      ...mapped,
      source: { adapter: 'oidc', idp: issuer, ...(authTime ? { authnInstant: authTime } : {}) },
      attributes,
    };
    return { identity, returnTo: pending.returnTo };
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? 10_000;
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
