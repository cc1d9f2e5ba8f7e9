import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Catalog } from '../../resource-catalog/catalog';
import { pick, t } from '../i18n';
import { unproxiedBody } from '../pages/unproxied-page';
import { readUnproxiedHosts, type UnproxiedHost } from '../proxy/unproxied';
import type { Store } from '../store/types';
import { render, type RouteContext } from './context';

type Guard = (req: Request, res: Response, next: NextFunction) => void;

/** Hosts seen in each resource's vendor content that are still unclaimed (a host added to the catalog since drops out). */
export async function unproxiedByResource(store: Store, catalog: Catalog): Promise<{ resource: string; hosts: UnproxiedHost[] }[]> {
  const unclaimed = (host: string) => {
    try {
      return !catalog.byUrl(new URL(`https://${host}/`)) && !catalog.byUrl(new URL(`http://${host}/`));
    } catch {
      return true;
    }
  };
  const all = await Promise.all(
    catalog.resources.map(async (resource) => ({ resource: resource.id, hosts: (await readUnproxiedHosts(store, resource.id)).filter((h) => unclaimed(h.host)) })),
  );
  return all.filter((r) => r.hosts.length > 0);
}

/** /admin/unproxied (admin role): the unproxied-host detector's findings per resource. */
export function unproxiedAdminRoutes(ctx: RouteContext, guard: Guard): Router {
  const router = Router();
  router.get('/admin/unproxied', guard, async (req: Request, res: Response) => {
    const lang = req.lang;
    const catalog = ctx.catalog();
    const found = await unproxiedByResource(ctx.store, catalog);
    render(ctx, req, res, 200, t(lang, 'unproxiedTitle'), unproxiedBody(lang, {
      days: ctx.config.proxy.unproxiedHostDays,
      resources: found.map((r) => {
        const resource = catalog.byId(r.resource);
        return { id: r.resource, title: resource ? pick(resource.title, lang) : r.resource, hosts: r.hosts };
      }),
    }));
  });
  return router;
}
