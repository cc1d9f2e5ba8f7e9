import { Router, type NextFunction, type Request, type Response } from 'express';
import { pick, t } from '../i18n';
import { vendorLoginsBody, type VendorLoginRow } from '../pages/vendor-logins-page';
import { readVendorLoginStatus } from '../proxy/roaming/status';
import { render, type RouteContext } from './context';

type Guard = (req: Request, res: Response, next: NextFunction) => void;

/** /admin/vendor-logins (admin role): each roaming account's last vendor sign-ins, failures with their reason. */
export function vendorLoginAdminRoutes(ctx: RouteContext, guard: Guard): Router {
  const router = Router();
  router.get('/admin/vendor-logins', guard, async (req: Request, res: Response) => {
    const lang = req.lang;
    const roaming = ctx.catalog().resources.filter((r) => r.roaming);
    const rows: VendorLoginRow[] = await Promise.all(
      roaming.map(async (resource) => {
        const status = await readVendorLoginStatus(ctx.store, resource.id);
        return {
          id: resource.id,
          title: pick(resource.title, lang),
          mode: resource.roaming!.mode,
          last: status ? { at: status.at, ok: status.ok } : undefined,
          lastFailure: status?.lastFailure,
          failures: status?.failures ?? 0,
        };
      }),
    );
    render(ctx, req, res, 200, t(lang, 'roamingAdminTitle'), vendorLoginsBody(lang, rows));
  });
  return router;
}
