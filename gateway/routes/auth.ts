import { Router, type NextFunction, type Request, type Response } from 'express';
import { LoginError, type LoginResult } from '../../idp-adapters/types';
import type { CallbackAdapter } from '../logins';
import { spMetadataXml, type SamlHub } from '../../idp-adapters/saml';
import { render, type RouteContext } from './context';
import { sendLoginError } from './login-error-page';
import { t } from '../i18n';
import { html } from '../pages/html';
import { audit } from '../admin/audit';
import { postForm } from '../admin/forms';
import { adminRole } from '../admin/roles';
import { localPath } from '../local-path';
import { launchedResource } from '../usage/launch-target';

/** Sign-in: SAML (start, SP metadata, ACS), CAS and OIDC (start, callback), and sign-out. */
export function authRoutes(ctx: RouteContext, saml: SamlHub | undefined, callbacks: Map<string, CallbackAdapter>): Router {
  const router = Router();

  /** One way in for every protocol: rotate the session, record the login, continue where the user was going. */
  const signIn = async (req: Request, res: Response, login: { id: string; kind: string }, result: LoginResult) => {
    // Signed out everywhere (a stolen account): no new session until an admin lifts it
    if (await ctx.security?.signingIn(result.identity, req.ip)) {
      sendLoginError(ctx, req, res, new LoginError('account-blocked', 'signed out everywhere: sign-ins refused until lifted', { login: login.id }), retryPath, { ...login, institution: result.identity.institution });
      return;
    }
    await ctx.sessions.login(res, req.session, result.identity);
    const returnTo = localPath(result.returnTo);
    const resource = launchedResource(returnTo, ctx.catalog()); // a sign-in started by a launch link counts for its database
    ctx.recordUsage({ type: 'login-success', login: login.id, adapter: login.kind, institution: result.identity.institution, subject: result.identity.subject, affiliations: result.identity.affiliations, resource });
    res.redirect(303, returnTo);
  };
  const only = ctx.config.logins.length === 1 ? ctx.config.logins[0] : undefined;
  const loginPath = (id: string, returnTo = '/') => `/auth/${encodeURIComponent(id)}/login?returnTo=${encodeURIComponent(returnTo)}`;
  const retryPath = only ? loginPath(only.id) : '/ds';

  if (saml) {
    const metadata = spMetadataXml(saml.sp);
    router.get('/auth/saml/metadata', (_req, res) => {
      res.type('application/samlmetadata+xml').send(metadata);
    });

    router.post('/auth/saml/acs', async (req: Request, res: Response, next: NextFunction) => {
      try {
        const result = await saml.consume(req, res);
        for (const dropped of result.dropped) {
          ctx.logger.warn({ reason: dropped.reason, idp: result.login.entityID, attribute: dropped.attribute, value: dropped.value }, 'attribute value dropped');
        }
        await signIn(req, res, result.login, result);
      } catch (error) {
        // The IdP is known once the response is matched to its sign-in; before that, no login and no institution.
        if (error instanceof LoginError) sendLoginError(ctx, req, res, error, retryPath, error.login ?? { kind: 'saml' });
        else next(error);
      }
    });
  }

  // Every start leaves a pending request in the store: an anonymous client may start only so many.
  const startsLimited = ctx.limits.loginStart((req, res, refusal) => {
    res.set('Retry-After', String(refusal.retryAfterSeconds));
    render(ctx, req, res, 429, t(req.lang, 'loginStartsThrottledTitle'), html`
      <p role="alert">${t(req.lang, 'loginStartsThrottledBody', { seconds: String(refusal.retryAfterSeconds) })}</p><p><a href="/">${t(req.lang, 'backHome')}</a></p>`);
  });

  router.get('/auth/:login/login', startsLimited, async (req: Request, res: Response, next: NextFunction) => {
    const id = String(req.params.login);
    const login = ctx.config.logins.find((l) => l.id === id);
    if (!login) {
      render(ctx, req, res, 404, t(req.lang, 'loginUnknownTitle'), html`
        <p>${t(req.lang, 'loginUnknownBody', { login: id })}</p><p><a href="/">${t(req.lang, 'backHome')}</a></p>`);
      return;
    }
    const returnTo = localPath(req.query.returnTo);
    try {
      if (login.kind === 'saml' && saml) res.redirect(303, await saml.begin(res, login, returnTo));
      else await callbacks.get(login.id)?.begin(req, res, { returnTo });
    } catch (error) {
      if (error instanceof LoginError) sendLoginError(ctx, req, res, error, loginPath(login.id, returnTo), login);
      else next(error);
    }
  });

  // CAS and OIDC come back here; SAML comes back to the shared ACS above.
  router.get('/auth/:login/callback', async (req: Request, res: Response, next: NextFunction) => {
    const adapter = callbacks.get(String(req.params.login));
    if (!adapter) {
      next();
      return;
    }
    try {
      await signIn(req, res, { id: adapter.id, kind: adapter.kind }, await adapter.complete(req, res));
    } catch (error) {
      if (error instanceof LoginError) sendLoginError(ctx, req, res, error, loginPath(adapter.id), { id: adapter.id, kind: adapter.kind });
      else next(error);
    }
  });

  // Sign-out changes state, so only a POST from one of our pages (with the session's CSRF
  // token) does it: a link or form on any other page, a proxied vendor page included, cannot.
  const confirmSignOut = (req: Request, res: Response, status: number, notice?: string) => {
    if (!req.session?.data.user) {
      render(ctx, req, res, status, t(req.lang, 'signOut'), html`<p role="status">${t(req.lang, 'signOutNotSignedIn')}</p><p><a href="/">${t(req.lang, 'backHome')}</a></p>`);
      return;
    }
    render(ctx, req, res, status, t(req.lang, 'signOutConfirmTitle'), html`
      ${notice ? html`<p class="notice" role="alert">${notice}</p>` : ''}
      ${postForm('/logout', ctx.csrf.token(req.session), html`<p>${t(req.lang, 'signOutConfirmBody')}</p><p><button class="button" type="submit">${t(req.lang, 'signOut')}</button></p>`)}
      <p><a href="/">${t(req.lang, 'backHome')}</a></p>`);
  };
  router.get('/logout', (req, res) => confirmSignOut(req, res, 200));
  router.post('/logout', async (req, res) => {
    if (req.session && !ctx.csrf.validFor(req)) {
      if (adminRole(ctx.config, req.session.data.user)) audit(ctx, req, 'csrf-check', false, { target: req.path });
      confirmSignOut(req, res, 403, t(req.lang, 'signOutRefused'));
      return;
    }
    if (adminRole(ctx.config, req.session?.data.user)) audit(ctx, req, 'logout', true);
    await ctx.sessions.destroy(res, req.session);
    res.redirect(303, '/');
  });
  return router;
}
