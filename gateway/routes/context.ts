import type { Limits } from '../limits';
import type { Security } from '../rules';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema';
import type { Catalog } from '../../resource-catalog/catalog';
import type { CsrfTokens } from '../csrf';
import { negotiateLang, type Lang } from '../i18n';
import type { Html } from '../pages/html';
import { contactLine as contactView, sendPage } from '../pages/layout';
import { messageBody, say, type MessageView } from '../pages/message';
import type { Session, Sessions } from '../session';
import type { Settings } from '../settings';
import type { Store } from '../store/types';
import type { RecordUsage } from '../usage/record';

/** Everything a route needs, built once by the composition root (gateway/app.ts). */
export interface RouteContext {
  config: Config;
  settings: Settings;
  store: Store;
  sessions: Sessions;
  /** Per-session CSRF tokens for every state-changing form (sign-out, admin actions). */
  csrf: CsrfTokens;
  logger: Logger;
  recordUsage: RecordUsage;
  /** The current catalog snapshot (replaced whole on reload). */
  catalog: () => Catalog;
  /** The rewriting proxy's address for a catalogued upstream URL. */
  proxiedUrl: (upstream: URL) => URL | undefined;
  /** Request limits per client address (login starts, admin sign-in). */
  limits: Limits;
  /** Is this client address on campus (onCampus.ranges)? */
  isOnCampus: (address: string | undefined) => boolean;
  /** Security rules and sign-out everywhere (gateway/rules); absent in contexts built for a single route's test. */
  security?: Security;
  demo?: DemoInfo;
}

export interface DemoInfo {
  users: { username: string; password: string; displayName: string; affiliation: string }[];
  idpUrl: string;
  /** The demo college's CAS accounts (a campus without SAML), when it runs. */
  casUsers?: { username: string; password: string; displayName: string; affiliation: string }[];
  /** The bootstrap admin of the demo (generated password), for /admin/login. */
  admin?: { username: string; password: string };
}

declare module 'express-serve-static-core' {
  interface Request {
    lang: Lang;
    session?: Session;
  }
}

/** Language and session for every page request. */
export function requestScope(ctx: RouteContext) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    req.lang = negotiateLang(req);
    req.session = await ctx.sessions.load(req);
    next();
  };
}

export const contactLine = (ctx: RouteContext, lang: Lang) => contactView(ctx.config.contact, lang);

/** Send a page in the request's language with the signed-in user and the contact line. */
export function render(ctx: RouteContext, req: Request, res: Response, status: number, title: string, body: Html, options: { style?: string; wechatHint?: boolean } = {}) {
  const user = req.session?.data.user;
  sendPage(res, status, {
    lang: req.lang,
    title,
    body,
    user: user ? (user.displayName ?? user.subject) : undefined,
    signOutToken: user && req.session ? ctx.csrf.token(req.session) : undefined,
    contact: contactLine(ctx, req.lang),
    path: req.originalUrl,
    style: options.style,
    // WeChat's in-app browser fails some sign-ins and every download: on the pages that lead there, say how to leave it.
    wechatHint: options.wechatHint === true && /MicroMessenger/i.test(req.get('user-agent') ?? ''),
  });
}

/** A short page (pages/message.ts): a message, what to do next, the way back. */
export function renderMessage(ctx: RouteContext, req: Request, res: Response, status: number, view: MessageView) {
  render(ctx, req, res, status, say(req.lang, view.title), messageBody(req.lang, view));
}

/** An honest notice for features that later issues build; 501 so no client mistakes it for success. */
export function notBuiltYet(ctx: RouteContext, feature: string) {
  return (req: Request, res: Response) =>
    renderMessage(ctx, req, res, 501, { title: 'notBuiltTitle', message: { key: 'notBuiltBody', vars: { feature } }, tone: 'status' });
}
