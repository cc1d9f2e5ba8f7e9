import { Router, type NextFunction, type Request, type Response } from 'express';
import { federationAlerts, type FederationMetadata } from '../../idp-adapters/saml';
import { t } from '../i18n';
import { FEDERATIONS_STYLE, federationsBody } from '../pages/federations-page';
import { render, type RouteContext } from './context';

type Guard = (req: Request, res: Response, next: NextFunction) => void;

/** /admin/federations (admin role): per federation and source, how fresh its metadata is, with an alert when it nears expiry. */
export function adminFederationRoutes(ctx: RouteContext, guard: Guard, federations: ReadonlyMap<string, FederationMetadata>): Router {
  const router = Router();
  router.get('/admin/federations', guard, (req: Request, res: Response) => {
    const now = Date.now();
    const view = {
      timeZone: ctx.config.catalog.timeZone,
      federations: [...federations.values()].map(({ status }) => ({ status, alerts: federationAlerts(status, now) })),
    };
    render(ctx, req, res, 200, t(req.lang, 'fedTitle'), federationsBody(req.lang, view), { style: FEDERATIONS_STYLE });
  });
  return router;
}
