import { Router, type NextFunction, type Request, type Response } from 'express';
import { LoginError, type IdpAdapter, type LoginResult } from '../../idp-adapters/types';
import type { Logins } from '../logins';
import { spMetadataSource } from '../../idp-adapters/saml';
import { render, type RouteContext } from './context';
import { sendLoginError } from './login-error-page';
import { t } from '../i18n';
import { html } from '../pages/html';
import { localPath } from '../local-path';
import { launchedResource } from '../usage/launch-target';
import type { CampusSessions } from '../campus-sessions';

/** Sign-in, the same for every adapter: start, and the IdP's answer (the shared SAML ACS, or `/auth/<id>/callback`); the SP metadata. */
export function authRoutes(ctx: RouteContext, { adapters, saml }: Logins, campusSessions: CampusSessions): Router {
  const router = Router();

  /** One way in for every protocol: rotate the session, record the login, continue where the user was going. */
  const signIn = async (req: Request, res: Response, result: LoginResult) => {
    const { login } = result;
    // Signed out everywhere (a stolen account): no new session until an admin lifts it
    if (await ctx.security?.signingIn(result.identity, req.ip)) {
      sendLoginError(ctx, req, res, new LoginError('account-blocked', 'signed out everywhere: sign-ins refused until lifted', { login: login.id }), retryPath, { ...login, institution: result.identity.institution });
      return;
    }
    const session = await ctx.sessions.login(res, req.session, result.identity, { campus: result.campus });
    await campusSessions.remember(result.logoutKeys, session.id); // so the campus can end it later, on any node
    const returnTo = localPath(result.returnTo);
    const resource = launchedResource(returnTo, ctx.catalog()); // a sign-in started by a launch link counts for its database
    ctx.recordUsage({ type: 'login-success', login: login.id, adapter: login.kind, institution: result.identity.institution, subject: result.identity.subject, affiliations: result.identity.affiliations, resource });
    res.redirect(303, returnTo);
  };
  const only = ctx.config.logins.length === 1 ? ctx.config.logins[0] : undefined;
  const loginPath = (id: string, returnTo = '/') => `/auth/${encodeURIComponent(id)}/login?returnTo=${encodeURIComponent(returnTo)}`;
  const retryPath = only ? loginPath(only.id) : '/ds';

  if (saml) {
    const metadata = spMetadataSource(saml.sp);
    router.get('/auth/saml/metadata', (_req, res) => {
      res.type('application/samlmetadata+xml').send(metadata());
    });

    // Every SAML login's answer comes here; the response names the login (any SAML adapter completes it).
    const anySaml = [...adapters.values()].find((a) => a.returnPath === '/auth/saml/acs');
    router.post('/auth/saml/acs', async (req: Request, res: Response, next: NextFunction) => {
      try {
        if (!anySaml) throw new LoginError('idp-unknown', 'no SAML login is configured');
        await signIn(req, res, await anySaml.complete(req, res));
      } catch (error) {
        // The IdP is known once the response is matched to its sign-in; before that, no login and no institution.
        if (error instanceof LoginError) sendLoginError(ctx, req, res, error, retryPath, error.login ?? { kind: 'saml' });
        else next(error);
      }
    });
  }

  // Every start leaves a pending request in the store: an anonymous client may start only so many.
  const startsLimited = loginStartsLimited(ctx);

  router.get('/auth/:login/login', startsLimited, async (req: Request, res: Response, next: NextFunction) => {
    const id = String(req.params.login);
    const login = adapters.get(id);
    if (!login) {
      render(ctx, req, res, 404, t(req.lang, 'loginUnknownTitle'), html`
        <p>${t(req.lang, 'loginUnknownBody', { login: id })}</p><p><a href="/">${t(req.lang, 'backHome')}</a></p>`);
      return;
    }
    const returnTo = localPath(req.query.returnTo);
    try {
      await login.begin(req, res, { returnTo });
    } catch (error) {
      if (error instanceof LoginError) sendLoginError(ctx, req, res, error, loginPath(login.id, returnTo), described(login));
      else next(error);
    }
  });

  // CAS and OIDC come back here; SAML comes back to the shared ACS above.
  router.get('/auth/:login/callback', async (req: Request, res: Response, next: NextFunction) => {
    const adapter = adapters.get(String(req.params.login));
    if (!adapter || adapter.returnPath !== req.path) {
      next();
      return;
    }
    try {
      await signIn(req, res, await adapter.complete(req, res));
    } catch (error) {
      if (error instanceof LoginError) sendLoginError(ctx, req, res, error, loginPath(adapter.id), described(adapter));
      else next(error);
    }
  });
  return router;
}

/** The per-address limit of login starts, with its 429 page (login starts and the IdP frontend's held requests share it). */
export function loginStartsLimited(ctx: RouteContext) {
  return ctx.limits.loginStart((req, res, refusal) => {
    res.set('Retry-After', String(refusal.retryAfterSeconds));
    render(ctx, req, res, 429, t(req.lang, 'loginStartsThrottledTitle'), html`
      <p role="alert">${t(req.lang, 'loginStartsThrottledBody', { count: String(refusal.retryAfterSeconds) })}</p><p><a href="/">${t(req.lang, 'backHome')}</a></p>`);
  });
}

const described = (adapter: IdpAdapter) => ({ id: adapter.id, kind: adapter.kind, institution: adapter.institution });
