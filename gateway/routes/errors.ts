import type { NextFunction, Request, Response } from 'express';
import { negotiateLang } from '../i18n';
import { StoreUnavailableError } from '../store/errors';
import { renderMessage, type RouteContext } from './context';

export function notFound(ctx: RouteContext) {
  return (req: Request, res: Response) => {
    renderMessage(ctx, req, res, 404, { title: 'notFoundTitle', message: { key: 'notFoundBody', vars: { path: req.path } } });
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
    renderMessage(ctx, req, res, status, { title: storeDown ? 'unavailableTitle' : 'errorTitle', message: { key: storeDown ? 'unavailableBody' : 'errorBody', vars: { id } } });
  };
}
