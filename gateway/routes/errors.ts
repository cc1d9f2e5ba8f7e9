import type { NextFunction, Request, Response } from 'express';
import { negotiateLang, t } from '../i18n';
import { html } from '../pages/html';
import { StoreUnavailableError } from '../store/errors';
import { render, type RouteContext } from './context';

export function notFound(ctx: RouteContext) {
  return (req: Request, res: Response) => {
    render(ctx, req, res, 404, t(req.lang, 'notFoundTitle'), html`
      <p>${t(req.lang, 'notFoundBody', { path: req.path })}</p>
      <p><a href="/">${t(req.lang, 'backHome')}</a></p>`);
  };
}

/** Last resort: log the error with the request id, show a bilingual page, never a stack trace. */
export function errorPage(ctx: RouteContext) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    req.lang ??= negotiateLang(req);
    const id = String(req.id ?? '');
    const storeDown = error instanceof StoreUnavailableError;
    const status = storeDown ? 503 : ((error as { status?: number }).status ?? 500);
    if (status >= 500) req.log?.error({ err: error }, 'request failed');
    else req.log?.info({ err: error }, 'bad request');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (storeDown) res.set('Retry-After', '30');
    render(ctx, req, res, status, t(req.lang, storeDown ? 'unavailableTitle' : 'errorTitle'), html`
      <p>${t(req.lang, storeDown ? 'unavailableBody' : 'errorBody', { id })}</p>
      <p><a href="/">${t(req.lang, 'backHome')}</a></p>`);
  };
}
