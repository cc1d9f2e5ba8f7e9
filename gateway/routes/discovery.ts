import { parseCookie, stringifySetCookie } from 'cookie';
import { Router, type Request, type Response } from 'express';
import type { Login } from '../../config/schema';
import { t } from '../i18n';
import { DISCOVERY_CSS } from '../pages/discovery-assets';
import { institutionChoices, samlLoginByEntityID } from '../pages/discovery-choices';
import { discoveryBody } from '../pages/discovery-page';
import type { Say } from '../pages/message';
import { localPath, localUrl } from '../local-path';
import { contactLine, render, renderMessage, type RouteContext } from './context';

/** The remembered last choice: a login id. */
export const REMEMBER_COOKIE = 'passway_idp';
/** The one OASIS discovery policy there is. */
const POLICY_SINGLE = 'urn:oasis:names:tc:SAML:profiles:SSO:idp-discovery-protocol:single';

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const loginPath = (id: string, returnTo: string) => `/auth/${encodeURIComponent(id)}/login?returnTo=${encodeURIComponent(returnTo)}`;

/** An OASIS discovery request from a service provider (sstc-saml-idp-discovery, section 2.4.1). */
interface SpRequest {
  entityID: string;
  returnUrl: URL;
  returnIDParam: string;
  policy?: string;
  isPassive: boolean;
}

/**
 * Choosing one's institution (/ds), both ways of the OASIS IdP Discovery protocol:
 * - as our own WAYF: for Passway's own sign-in (`?returnTo=`), and for an SP on this gateway's
 *   origin that sends `entityID`, `return`, `returnIDParam`, `policy`, `isPassive`;
 * - as a client of an external discovery service (`discovery.externalServiceUrl`), whose answer
 *   comes back to /ds/return.
 */
export function discoveryRoutes(ctx: RouteContext): Router {
  const router = Router();
  const { config, settings } = ctx;
  const logins = config.logins;
  const samlLogins = logins.filter((l) => l.kind === 'saml');
  const spEntityID = config.saml.entityID ?? new URL('/auth/saml/metadata', settings.publicUrl).href;

  const remembered = (req: Request, among: Login[]): Login | undefined => {
    const id = req.headers.cookie ? parseCookie(req.headers.cookie)[REMEMBER_COOKIE] : undefined;
    return among.find((l) => l.id === id);
  };
  const remember = (res: Response, login: Login) => {
    if (config.discovery.rememberDays <= 0) return;
    res.appendHeader('Set-Cookie', stringifySetCookie({
      name: REMEMBER_COOKIE,
      value: login.id,
      path: '/',
      httpOnly: true,
      secure: settings.secureCookies,
      sameSite: 'lax',
      maxAge: config.discovery.rememberDays * 86_400,
    }));
  };

  const refuse = (req: Request, res: Response, message: Say) => renderMessage(ctx, req, res, 400, { title: 'dsRefusedTitle', message, tone: 'alert' });

  /** The page itself; `among` are the logins one may choose, `chooseHref` where each leads. */
  const showPage = (req: Request, res: Response, among: Login[], carry: Record<string, string>, notice?: string) => {
    const choices = institutionChoices(config, among, req.lang);
    const last = remembered(req, among);
    const lastChoice = last && choices.find((c) => c.institution.id === last.institution);
    const chooseHref = (login: Login) => `/ds?${new URLSearchParams({ ...carry, login: login.id })}`;
    render(ctx, req, res, 200, t(req.lang, 'dsTitle'), discoveryBody({
      lang: req.lang,
      choices,
      query: text(req.query.q) ?? '',
      chooseHref,
      carry,
      remembered: last && lastChoice ? { choice: lastChoice, login: last } : undefined,
      notice,
    }), { wechatHint: true });
  };

  /** An SP (on our own origin) asks which IdP: answer at its `return` URL, or show the page. */
  const answerSp = (req: Request, res: Response, sp: SpRequest) => {
    const reply = (login?: Login) => {
      const target = new URL(sp.returnUrl);
      if (login?.kind === 'saml') target.searchParams.set(sp.returnIDParam, login.entityID);
      res.redirect(303, target.href);
    };
    const chosenId = text(req.query.login);
    const chosen = samlLogins.find((l) => l.id === chosenId);
    if (chosen) {
      remember(res, chosen);
      reply(chosen);
      return;
    }
    const last = remembered(req, samlLogins);
    if (sp.isPassive) {
      reply(last);
      return;
    }
    if (samlLogins.length === 1) {
      reply(samlLogins[0]);
      return;
    }
    const carry: Record<string, string> = { entityID: sp.entityID, return: sp.returnUrl.href, returnIDParam: sp.returnIDParam };
    if (sp.policy) carry.policy = sp.policy;
    showPage(req, res, samlLogins, carry, chosenId !== undefined ? t(req.lang, 'dsUnknownLogin', { login: chosenId }) : undefined);
  };

  /** Validate an OASIS request: `return` must be on this gateway's origin (no open redirect). */
  const spRequest = (req: Request, res: Response): SpRequest | undefined => {
    const returnParam = text(req.query.return) ?? '';
    const returnUrl = localUrl(returnParam, settings.publicUrl.origin);
    if (!returnUrl) {
      refuse(req, res, { key: 'dsBadReturn', vars: { url: returnParam } });
      return undefined;
    }
    const entityID = text(req.query.entityID);
    if (!entityID) {
      refuse(req, res, { key: 'dsMissingParam', vars: { param: 'entityID' } });
      return undefined;
    }
    const policy = text(req.query.policy);
    if (policy && policy !== POLICY_SINGLE) {
      refuse(req, res, { key: 'dsBadPolicy', vars: { policy } });
      return undefined;
    }
    const returnIDParam = text(req.query.returnIDParam) || 'entityID';
    return { entityID, returnUrl, returnIDParam, policy, isPassive: text(req.query.isPassive) === 'true' };
  };

  /** The external discovery service, asked to come back to /ds/return with the chosen IdP. */
  const externalDiscovery = (externalServiceUrl: string, returnTo: string): string => {
    const back = new URL('/ds/return', settings.publicUrl);
    back.searchParams.set('returnTo', returnTo);
    const target = new URL(externalServiceUrl);
    target.searchParams.set('entityID', spEntityID);
    target.searchParams.set('return', back.href);
    target.searchParams.set('returnIDParam', 'entityID');
    return target.href;
  };

  router.get('/ds', (req, res) => {
    if (req.query.return !== undefined) {
      const sp = spRequest(req, res);
      if (sp) answerSp(req, res, sp);
      return;
    }
    // Passway's own sign-in: ?login= or ?entityID= (one of our IdPs) skip the page.
    const returnTo = localPath(req.query.returnTo);
    const loginId = text(req.query.login);
    const entityID = text(req.query.entityID);
    const chosen = logins.find((l) => l.id === loginId) ?? samlLoginByEntityID(config, entityID);
    if (chosen) {
      remember(res, chosen);
      res.redirect(303, loginPath(chosen.id, returnTo));
      return;
    }
    // With one login configured there is nothing to choose: discovery is skipped.
    const only = logins.length === 1 ? logins[0] : undefined;
    if (only) {
      res.redirect(303, loginPath(only.id, returnTo));
      return;
    }
    const external = config.discovery.externalServiceUrl;
    if (external) {
      res.redirect(303, externalDiscovery(external, returnTo));
      return;
    }
    const notice = loginId !== undefined
      ? t(req.lang, 'dsUnknownLogin', { login: loginId })
      : entityID !== undefined ? t(req.lang, 'dsUnknownIdp', { entityID }) : undefined;
    showPage(req, res, logins, { returnTo }, notice);
  });

  // The external discovery service's answer: the chosen IdP's entityID, mapped to a SAML login.
  router.get('/ds/return', (req, res) => {
    const returnTo = localPath(req.query.returnTo);
    const entityID = text(req.query.entityID);
    const login = samlLoginByEntityID(config, entityID);
    if (login) {
      remember(res, login);
      res.redirect(303, loginPath(login.id, returnTo));
      return;
    }
    const again = `/ds?${new URLSearchParams({ returnTo })}`;
    renderMessage(ctx, req, res, entityID ? 404 : 400, {
      title: entityID ? 'dsNotSetUpTitle' : 'dsRefusedTitle',
      message: entityID ? { key: 'dsNotSetUpBody', vars: { entityID } } : 'dsNoneChosen',
      tone: 'status',
      extra: entityID ? contactLine(ctx, req.lang) : undefined,
      back: { href: again, say: 'dsChooseAgain' },
    });
  });

  router.get('/ds/discovery.css', (_req, res) => {
    res.type('text/css').set('Cache-Control', 'public, max-age=3600').send(DISCOVERY_CSS);
  });
  return router;
}
