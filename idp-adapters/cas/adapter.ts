/**
 * CAS sign-in (protocol 3.0 `/p3/serviceValidate`, or 2.0 `/serviceValidate`).
 *
 * begin: a random state names the pending login in the Store; the service URL sent to CAS is the
 * callback with that state, so any gateway node can finish it; a signed cookie binds the state to
 * this browser. complete: the cookie is checked, the ticket validated server-to-server against
 * exactly that service URL, and only then is the state taken (consumed once).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, Response } from 'express';
import type { CasLoginConfig } from '../../config/schema';
import type { Store } from '../../gateway/store/types';
import type { Identity } from '../identity';
import type { LoginState } from '../login-state';
import { logoutKey } from '../logout-keys';
import { LoginError, type BeginContext, type CampusSignIn, type IdpAdapter, type LogoutStep, type LoginResult, type SignedOutUrl } from '../types';
import { CAS_DEFAULT_MAPPING, mapAttributes, mergeMapping, type AttributeMapping } from '../mapping';
import { CasResponseError, parseLogoutRequest, parseServiceResponse } from './response';

export interface CasAdapterOptions {
  login: CasLoginConfig;
  store: Store;
  /** Binds each login to the browser that started it. */
  loginState: LoginState;
  /** `<publicUrl>/auth/<id>/callback` */
  callbackUrl: string;
  fetch?: typeof fetch;
}

interface PendingLogin {
  service: string;
  returnTo: string;
  /** Step-up: the context asked for. */
  authnContext?: string;
}

/** The attribute Apereo CAS releases the authentication context in (its multifactor providers set it). */
const AUTHN_CONTEXT_ATTRIBUTE = 'authnContextClass';

type Query = Request['query'];

const single = (query: Query, name: string): string | undefined => {
  const value = query[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

export class CasAdapter implements IdpAdapter {
  readonly kind = 'cas' as const;
  readonly id: string;
  readonly institution: string;
  readonly returnPath: string;
  readonly supportsMfa: boolean;
  private readonly serverUrl: string;
  private readonly fetch: typeof fetch;
  private readonly mapping: AttributeMapping;

  constructor(private readonly options: CasAdapterOptions) {
    this.id = options.login.id;
    this.institution = options.login.institution;
    this.returnPath = new URL(options.callbackUrl).pathname;
    this.supportsMfa = options.login.supportsMfa;
    this.serverUrl = options.login.serverUrl.replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
    this.mapping = mergeMapping(CAS_DEFAULT_MAPPING, options.login.attributeMapping);
  }

  async begin(_req: Request, res: Response, ctx: BeginContext): Promise<void> {
    const state = randomBytes(24).toString('base64url');
    const service = new URL(this.options.callbackUrl);
    service.searchParams.set('state', state);
    const pending: PendingLogin = { service: service.href, returnTo: ctx.returnTo, ...(ctx.authnContext ? { authnContext: ctx.authnContext } : {}) };
    await this.options.store.set(this.key(state), JSON.stringify(pending), this.options.loginState.ttlMs);
    this.options.loginState.begin(res, state, 'get');
    const login = new URL(`${this.serverUrl}/login`);
    login.searchParams.set('service', service.href);
    if (ctx.authnContext || ctx.forceAuthn) login.searchParams.set('renew', 'true'); // a fresh sign-in, not the CAS session's
    res.set('Cache-Control', 'no-store').redirect(302, login.href);
  }

  /** The callback: `?state=…&ticket=…`. Throws LoginError. */
  async complete(req: Pick<Request, 'query'> & Pick<IncomingMessage, 'headers'>, res: ServerResponse): Promise<LoginResult> {
    const state = single(req.query, 'state');
    const stored = state ? await this.options.store.get(this.key(state)) : null;
    if (!state || !stored) throw new LoginError('state-mismatch', 'unknown, expired or already used CAS login state', { adapter: this.id });
    this.options.loginState.check(req, state, { adapter: this.id });
    const pending = JSON.parse(stored) as PendingLogin;
    const ticket = single(req.query, 'ticket');
    if (!ticket) throw new LoginError('ticket-invalid', 'CAS callback without a ticket', { adapter: this.id, code: 'MISSING_TICKET' });

    const xml = await this.validate(pending.service, ticket);
    let result;
    try {
      result = parseServiceResponse(xml);
    } catch (error) {
      if (error instanceof CasResponseError) throw new LoginError('malformed', `CAS validation response: ${error.message}`, { adapter: this.id });
      throw error;
    }
    if (!result.ok) {
      throw new LoginError('ticket-invalid', `CAS refused the ticket: ${result.code} ${result.message}`.trim(), {
        adapter: this.id,
        code: result.code,
      });
    }
    if (!(await this.options.store.take(this.key(state)))) throw new LoginError('state-mismatch', 'this CAS login state was used meanwhile', { adapter: this.id });
    this.options.loginState.end(res, state, 'get');
    const authnContext = result.attributes[AUTHN_CONTEXT_ATTRIBUTE]?.[0];
    const identity: Identity = {
      subject: result.user,
      institution: this.institution,
      ...mapAttributes(result.attributes, this.mapping),
      source: { adapter: 'cas', idp: this.serverUrl, ...(result.authenticationDate ? { authnInstant: result.authenticationDate } : {}), ...(authnContext ? { authnContext } : {}) },
      attributes: result.attributes,
    };
    return {
      identity,
      returnTo: pending.returnTo,
      login: { id: this.id, kind: 'cas', institution: this.institution },
      campus: { login: this.id },
      // CAS single sign-out names the session by the service ticket it was validated with.
      logoutKeys: [this.ticketKey(ticket)],
      ...(pending.authnContext ? { requestedAuthnContext: pending.authnContext } : {}),
    };
  }

  /** Passway's session has ended: CAS ends its own at /logout, then (if it allows) returns to the signed-out page. */
  async logout(_campus: CampusSignIn, signedOut: SignedOutUrl): Promise<LogoutStep> {
    const url = new URL(`${this.serverUrl}/logout`);
    url.searchParams.set('service', signedOut('ended', this.id));
    return { kind: 'redirect', url: url.href };
  }

  async campusUrl(): Promise<string> {
    return `${this.serverUrl}/logout`;
  }

  /**
   * CAS single sign-out: the CAS server POSTs `logoutRequest` (a SAML LogoutRequest whose
   * SessionIndex is the service ticket) to the service URL when the reader signs out of CAS.
   * Returns the logout keys of the sessions to end; the ticket itself is the credential, known
   * only to CAS and to the node that validated it.
   */
  async campusLogout(body: unknown): Promise<string[]> {
    const xml = (body as Record<string, unknown> | undefined)?.logoutRequest;
    if (typeof xml !== 'string' || xml.length > 10_000) throw new LoginError('malformed', 'CAS logout POST without a logoutRequest', { adapter: this.id });
    let ticket: string | undefined;
    try {
      ticket = parseLogoutRequest(xml);
    } catch (error) {
      if (error instanceof CasResponseError) throw new LoginError('malformed', `CAS logoutRequest: ${error.message}`, { adapter: this.id });
      throw error;
    }
    return [this.ticketKey(ticket)];
  }

  private ticketKey(ticket: string): string {
    return logoutKey('cas', this.id, ticket);
  }

  private key(state: string): string {
    return `login:cas:${this.id}:${state}`;
  }

  private async validate(service: string, ticket: string): Promise<string> {
    const url = new URL(`${this.serverUrl}${this.options.login.protocol === '2.0' ? '/serviceValidate' : '/p3/serviceValidate'}`);
    url.searchParams.set('service', service);
    url.searchParams.set('ticket', ticket);
    const unavailable = (why: string, cause?: unknown) =>
      new LoginError('metadata-unavailable', `CAS server ${this.serverUrl} unavailable: ${why}`, {
        adapter: this.id,
        ...(cause instanceof Error ? { cause: cause.name } : {}),
      });
    let response: globalThis.Response;
    try {
      response = await this.fetch(url, { signal: AbortSignal.timeout(this.options.login.timeoutSeconds * 1000), redirect: 'error' });
    } catch (error) {
      throw unavailable((error as Error).name === 'TimeoutError' ? 'validation timed out' : (error as Error).message, error);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw unavailable(`validation answered HTTP ${response.status}`);
    }
    try {
      return await response.text();
    } catch (error) {
      throw unavailable((error as Error).message, error);
    }
  }
}
