/**
 * Sign-out, for every protocol through its adapter: Passway's session ends first, then the campus
 * sign-in (SAML Single Logout, CAS /logout, OIDC end_session_endpoint), and the signed-out page
 * says which of the two ended. And the campus ending a sign-in itself: an IdP's SAML
 * LogoutRequest (front channel), a CAS single sign-out POST, an OIDC back-channel logout token
 * end the sessions indexed under the sign-in's logout keys, on every node.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { LoginError, type CampusSignIn, type IdpAdapter, type LogoutStep } from '../../idp-adapters/types';
import { audit } from '../admin/audit';
import { adminRole } from '../admin/roles';
import type { CampusSessions } from '../campus-sessions';
import { pick, t } from '../i18n';
import type { Logins } from '../logins';
import { sendPage } from '../pages/layout';
import { signedOutBody, signOutConfirmBody, signOutContinueBody, signOutPostBody, type SignedOutView } from '../pages/sign-out-page';
import { SignedOutPage } from '../signed-out';
import { contactLine, render, renderMessage, type RouteContext } from './context';

export function logoutRoutes(ctx: RouteContext, { adapters, saml }: Logins, campusSessions: CampusSessions, signedOut: SignedOutPage): Router {
  const router = Router();
  const campusName = (req: Request, adapter: IdpAdapter) => {
    const institution = ctx.config.institutions.find((i) => i.id === adapter.institution);
    return institution ? pick(institution.name, req.lang) : adapter.id;
  };

  /**
   * Where the campus step goes: to the campus, or (when it cannot be asked) straight to the
   * signed-out page. After our own sign-out form, the way to the campus is a page that moves on
   * by itself: a redirect answering the form would be blocked by CSP form-action 'self'.
   */
  const sendStep = (req: Request, res: Response, adapter: IdpAdapter, step: LogoutStep, answersOurForm = false) => {
    if (step.kind === 'redirect' && answersOurForm) {
      const campus = campusName(req, adapter);
      res.set('Cache-Control', 'no-store');
      sendPage(res, 200, {
        lang: req.lang,
        title: t(req.lang, 'signOutContinueTitle'),
        refreshTo: step.url,
        body: signOutContinueBody(req.lang, { campus, url: step.url }),
        contact: contactLine(ctx, req.lang),
      });
    } else if (step.kind === 'redirect') {
      res.set('Cache-Control', 'no-store').redirect(303, step.url);
    } else if (step.kind === 'form') {
      // The POST binding: the browser posts the signed message to the campus (no script: the button does it).
      const action = new URL(step.action);
      const csp = String(res.getHeader('Content-Security-Policy') ?? '');
      res.set('Content-Security-Policy', csp.replace(/form-action [^;]*/, (directive) => `${directive} ${action.origin}`));
      render(ctx, req, res, 200, t(req.lang, 'signOutContinueTitle'), signOutPostBody(req.lang, { campus: campusName(req, adapter), action: action.href, fields: step.fields }));
    } else {
      ctx.logger.info({ login: adapter.id, why: step.why }, 'campus sign-in not ended');
      res.redirect(303, signedOut.url('not-ended', adapter.id));
    }
  };

  // Sign-out changes state, so only a POST from one of our pages (with the session's CSRF
  // token) does it: a link or form on any other page, a proxied vendor page included, cannot.
  const confirmSignOut = (req: Request, res: Response, status: number, notice?: 'signOutRefused') => {
    if (!req.session?.data.user) {
      renderMessage(ctx, req, res, status, { title: 'signOut', message: 'signOutNotSignedIn', tone: 'status' });
      return;
    }
    render(ctx, req, res, status, t(req.lang, 'signOutConfirmTitle'), signOutConfirmBody(req.lang, { token: ctx.csrf.token(req.session), notice }));
  };
  router.get('/logout', (req, res) => confirmSignOut(req, res, 200));
  router.post('/logout', async (req, res) => {
    if (req.session && !ctx.csrf.validFor(req)) {
      if (adminRole(ctx.config, req.session.data.user)) audit(ctx, req, 'csrf-check', false, { target: req.path });
      confirmSignOut(req, res, 403, 'signOutRefused');
      return;
    }
    if (adminRole(ctx.config, req.session?.data.user)) audit(ctx, req, 'logout', true);
    const campus = req.session?.data.campus as CampusSignIn | undefined;
    await ctx.sessions.destroy(res, req.session); // Passway's own session ends whatever the campus does
    req.session = undefined; // the pages that follow show nobody signed in
    const adapter = campus ? adapters.get(campus.login) : undefined;
    if (!campus || !adapter) {
      res.redirect(303, SignedOutPage.PATH); // no campus sign-in (the bootstrap admin), or its login is no longer configured
      return;
    }
    let step: LogoutStep;
    try {
      step = await adapter.logout(campus, signedOut.url);
    } catch (error) {
      step = { kind: 'not-ended', why: error instanceof Error ? error.message : String(error) };
    }
    sendStep(req, res, adapter, step, true);
  });

  router.get(SignedOutPage.PATH, async (req, res) => {
    // OIDC returns the signed outcome as state (its post_logout_redirect_uri is registered without a query).
    const outcome = signedOut.read(req.query.o ?? req.query.state);
    const adapter = outcome ? adapters.get(outcome.loginId) : undefined;
    const campus: SignedOutView['campus'] = !adapter || !outcome ? undefined
      : outcome.outcome === 'ended' ? { name: campusName(req, adapter), outcome: 'ended' }
      : { name: campusName(req, adapter), outcome: 'not-ended', link: await adapter.campusUrl() };
    res.set('Cache-Control', 'no-store');
    render(ctx, req, res, 200, t(req.lang, 'signedOutTitle'), signedOutBody(req.lang, { campus }));
  });

  /** A campus logout message refused: the reason code in the log, a readable page (front channel) or a bare status (back channel). */
  const refused = (req: Request, res: Response, error: LoginError, adapter: string | undefined, frontChannel: boolean) => {
    const id = String(req.id ?? '');
    ctx.logger.warn({ reason: error.reason, login: adapter ?? error.login?.id, ...error.details, requestId: id, detail: error.message }, 'campus sign-out message refused');
    const status = error.reason === 'metadata-unavailable' ? 503 : error.reason === 'malformed' ? 400 : 403;
    if (!frontChannel) {
      res.status(status === 503 ? 503 : 400).set('Cache-Control', 'no-store').json({ error: 'invalid_request', reason: error.reason });
      return;
    }
    renderMessage(ctx, req, res, status, {
      title: 'campusLogoutRefusedTitle',
      message: { key: 'campusLogoutRefusedBody', vars: { id } },
      tone: 'alert',
      code: error.reason,
      actions: [{ href: '/logout', say: 'signOut' }],
    });
  };

  if (saml) {
    // SAML Single Logout, both bindings: our LogoutRequest answered, or the IdP's own LogoutRequest.
    const slo = async (req: Request, res: Response, next: NextFunction) => {
      try {
        const message = await saml.slo.receive(req);
        const adapter = adapters.get(message.login.id);
        if (!adapter) throw new LoginError('idp-unknown', 'the login of this logout message is not configured');
        if (message.kind === 'response') {
          // A verified answer that the IdP could not end its sign-in: told like any other campus that could not.
          if (!message.ended) sendStep(req, res, adapter, { kind: 'not-ended', why: `the IdP answered ${message.status ?? 'no status'}` });
          else res.redirect(303, signedOut.url('ended', adapter.id));
          return;
        }
        const ended = await campusSessions.end(message.logoutKeys);
        ctx.logger.info({ login: adapter.id, sessions: ended }, 'sessions ended by the IdP (SAML LogoutRequest)');
        sendStep(req, res, adapter, await message.respond(true));
      } catch (error) {
        if (error instanceof LoginError) refused(req, res, error, undefined, true);
        else next(error);
      }
    };
    router.get('/auth/saml/slo', slo);
    router.post('/auth/saml/slo', slo);
  }

  /** CAS single sign-out POSTs to the service URL (our callback); OIDC back-channel logout to its registered URI. */
  const backChannel = async (req: Request, res: Response, next: NextFunction) => {
    const adapter = adapters.get(String(req.params.login));
    if (!adapter?.campusLogout) {
      next();
      return;
    }
    try {
      const ended = await campusSessions.end(await adapter.campusLogout(req.body));
      ctx.logger.info({ login: adapter.id, sessions: ended }, 'sessions ended by the campus (back channel)');
      res.status(200).set('Cache-Control', 'no-store').end();
    } catch (error) {
      if (error instanceof LoginError) refused(req, res, error, adapter.id, false);
      else next(error);
    }
  };
  router.post('/auth/:login/callback', backChannel);
  router.post('/auth/:login/backchannel-logout', backChannel);
  return router;
}
