import { Router, type NextFunction, type Request, type Response } from 'express';
import { LoginError, type LoginResult } from '../../idp-adapters/types';
import type { Logins } from '../logins';
import { spMetadataSource } from '../../idp-adapters/saml';
import { renderMessage, type RouteContext } from './context';
import { sendLoginError } from './login-error-page';
import { localPath } from '../local-path';
import { launchedResource } from '../usage/launch-target';
import type { CampusSessions } from '../campus-sessions';
import { meetsAuthnContext } from '../../resource-catalog/policy';
import { describedAdapter, refuseStepUp } from './step-up';

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
    // A step-up must bring what the licence asks for, by the rule authorize() applies: else the page, and the session stays as it was.
    const requested = result.requestedAuthnContext;
    if (requested && !meetsAuthnContext(result.identity, requested) && stepUpRefused(req, res, { returnTo: result.returnTo, requested, login: login.id }, result.identity)) return;
    const session = await ctx.sessions.login(res, req.session, result.identity, { campus: result.campus });
    await campusSessions.remember(result.logoutKeys, session.id); // so the campus can end it later, on any node
    const returnTo = localPath(result.returnTo);
    const resource = launchedResource(returnTo, ctx.catalog()); // a sign-in started by a launch link counts for its database
    ctx.recordUsage({ type: 'login-success', login: login.id, adapter: login.kind, institution: result.identity.institution, subject: result.identity.subject, affiliations: result.identity.affiliations, resource });
    res.redirect(303, returnTo);
  };
  /** Back from a step-up without the context asked for: the step-up page for the launch it was for (false when that resource is gone). */
  const stepUpRefused = (req: Request, res: Response, at: { returnTo: string; requested: string; login: string }, identity = req.session?.data.user): boolean => {
    const returnTo = localPath(at.returnTo);
    const resource = ctx.catalog().byId(launchedResource(returnTo, ctx.catalog()) ?? '');
    if (!resource || !identity) return false;
    refuseStepUp(ctx, req, res, { resource, identity, why: 'not-delivered', requested: at.requested, login: at.login, retryHref: returnTo });
    return true;
  };
  /** A failed sign-in: the step-up page when the IdP could not give the context a step-up asked for, else the sign-in error page. */
  const failed = (req: Request, res: Response, error: LoginError, retry: string, login?: { id?: string; kind: string; institution?: string }) => {
    const { returnTo, requested } = error.details;
    if (error.reason === 'authn-context-unavailable' && typeof returnTo === 'string' && typeof requested === 'string' && stepUpRefused(req, res, { returnTo, requested, login: login?.id ?? '' })) return;
    sendLoginError(ctx, req, res, error, retry, login);
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
        if (error instanceof LoginError) failed(req, res, error, retryPath, error.login ?? { kind: 'saml' });
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
      renderMessage(ctx, req, res, 404, { title: 'loginUnknownTitle', message: { key: 'loginUnknownBody', vars: { login: id } } });
      return;
    }
    const returnTo = localPath(req.query.returnTo);
    try {
      await login.begin(req, res, { returnTo });
    } catch (error) {
      if (error instanceof LoginError) sendLoginError(ctx, req, res, error, loginPath(login.id, returnTo), describedAdapter(login));
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
      if (error instanceof LoginError) failed(req, res, error, loginPath(adapter.id), describedAdapter(adapter));
      else next(error);
    }
  });
  return router;
}

/** The per-address limit of login starts, with its 429 page (login starts and the IdP frontend's held requests share it). */
export function loginStartsLimited(ctx: RouteContext) {
  return ctx.limits.loginStart((req, res, refusal) => {
    res.set('Retry-After', String(refusal.retryAfterSeconds));
    renderMessage(ctx, req, res, 429, { title: 'loginStartsThrottledTitle', message: { key: 'loginStartsThrottledBody', vars: { count: String(refusal.retryAfterSeconds) } }, tone: 'alert' });
  });
}
