import { Router, type NextFunction, type Request, type Response } from 'express';
import { LoginError } from '../../idp-adapters/types';
import { spMetadataXml, type SamlHub } from '../../idp-adapters/saml';
import { notBuiltYet, render, type RouteContext } from './context';
import { sendLoginError } from './login-error-page';
import { t } from '../i18n';
import { html } from '../pages/html';

/** A path on this gateway (`/…`, never `//host` or `/\host`), else `/`: no open redirect after sign-in. */
export function localReturnTo(value: unknown): string {
  if (typeof value !== 'string' || !/^\/(?![/\\])/.test(value) || value.includes('\\')) return '/';
  return [...value].some((c) => c.charCodeAt(0) < 0x20) ? '/' : value;
}

/** Sign-in (SAML hub), and the discovery and launch stubs their own issues replace. */
export function authRoutes(ctx: RouteContext, saml?: SamlHub): Router {
  const router = Router();
  const only = ctx.config.logins.length === 1 ? ctx.config.logins[0] : undefined;
  const loginPath = (id: string, returnTo = '/') => `/auth/${encodeURIComponent(id)}/login?returnTo=${encodeURIComponent(returnTo)}`;
  const retryPath = only ? loginPath(only.id) : '/ds';

  // With one login configured there is nothing to choose: discovery is skipped.
  router.get('/ds', (req, res) => {
    if (only) res.redirect(303, loginPath(only.id, localReturnTo(req.query.returnTo)));
    else notBuiltYet(ctx, 'institution discovery')(req, res);
  });

  if (saml) {
    const metadata = spMetadataXml(saml.sp);
    router.get('/auth/saml/metadata', (_req, res) => {
      res.type('application/samlmetadata+xml').send(metadata);
    });

    router.post('/auth/saml/acs', async (req: Request, res: Response, next: NextFunction) => {
      try {
        const result = await saml.consume((req.body as Record<string, unknown> | undefined)?.SAMLResponse);
        for (const dropped of result.dropped) {
          ctx.logger.warn({ reason: dropped.reason, idp: result.login.entityID, attribute: dropped.attribute, value: dropped.value }, 'attribute value dropped');
        }
        await ctx.sessions.login(res, req.session, result.identity);
        ctx.logger.info({ event: 'login', adapter: 'saml', login: result.login.id, idp: result.login.entityID, institution: result.identity.institution }, 'signed in');
        res.redirect(303, localReturnTo(result.returnTo));
      } catch (error) {
        if (error instanceof LoginError) sendLoginError(ctx, req, res, error, retryPath);
        else next(error);
      }
    });
  }

  router.get('/auth/:login/login', async (req: Request, res: Response, next: NextFunction) => {
    const id = String(req.params.login);
    const login = ctx.config.logins.find((l) => l.id === id);
    if (!login) {
      render(ctx, req, res, 404, t(req.lang, 'loginUnknownTitle'), html`
        <p>${t(req.lang, 'loginUnknownBody', { login: id })}</p><p><a href="/">${t(req.lang, 'backHome')}</a></p>`);
      return;
    }
    if (login.kind !== 'saml' || !saml) {
      notBuiltYet(ctx, `${login.kind.toUpperCase()} sign-in`)(req, res);
      return;
    }
    const returnTo = localReturnTo(req.query.returnTo);
    try {
      res.redirect(303, await saml.loginUrl(login, returnTo));
    } catch (error) {
      if (error instanceof LoginError) sendLoginError(ctx, req, res, error, loginPath(login.id, returnTo));
      else next(error);
    }
  });

  router.get('/go/:resource', notBuiltYet(ctx, 'launch links'));
  router.get('/login', notBuiltYet(ctx, 'EZproxy-style /login?url= launch'));
  const logout = async (req: Request, res: Response) => {
    await ctx.sessions.destroy(res, req.session);
    res.redirect(303, '/');
  };
  router.post('/logout', logout);
  router.get('/logout', logout);
  return router;
}
