import { Router, type Request, type Response } from 'express';
import type { Access } from '../access';
import { pick, t } from '../i18n';
import { dateTime } from '../pages/format';
import { names } from '../pages/labels';
import { loadBody, suspensionsBody, type LoadView } from '../pages/load-page';
import { render, renderMessage, type RouteContext } from '../routes/context';
import type { Guard, LoadControl } from './index';
import { readPeaks } from './peaks';

/** How the admin pages are protected; the admin module provides these (gateway/admin). */
export interface AdminAccess {
  guard: Guard;
  /** The session's CSRF token, for the lift form. */
  csrfToken: (req: Request) => Promise<string>;
  verifyCsrf: (req: Request) => boolean;
  /** Audit an admin action (admin-action event), when the admin module offers it. */
  audit?: (req: Request, action: string, ok: boolean, detail: { target?: string } & Record<string, string>) => void;
}

/** /admin/load (now, daily peaks, overload and suspension history) and /admin/suspensions (with lift). */
export function loadAdminRoutes(ctx: RouteContext, load: LoadControl, access: Access, admin: AdminAccess): Router {
  const router = Router();
  const timeZone = ctx.config.catalog.timeZone;

  router.get('/admin/load', admin.guard, async (req: Request, res: Response) => {
    const lang = req.lang;
    const name = names(ctx.config, ctx.catalog(), lang);
    await load.samplePeaks();
    const resources = ctx.catalog().resources;
    const day = load.day();
    const peaks = await readPeaks(load.store, day, resources.map((r) => r.id));
    const episode = load.guard.current();
    const view: LoadView = {
      timeZone,
      node: load.node,
      inFlight: load.inFlight(),
      lagMs: load.lagMs(),
      sessions: await load.activeSessions(),
      overload: episode ? { since: episode.startedAt.toISOString(), shed: episode.shed } : undefined,
      resources: await Promise.all(
        resources.map(async (resource) => ({
          id: resource.id,
          title: pick(resource.title, lang),
          active: await load.activeUsers(resource.id),
          seats: await Promise.all(
            resource.licences.flatMap((licence) => {
              const claim = access.seats.claim(resource, licence);
              return claim ? [access.seats.inUse(claim.name).then((used) => ({ institution: name.institution(licence.institution), used, seats: claim.seats }))] : [];
            }),
          ),
          peakToday: peaks.resources[resource.id] ?? 0,
        })),
      ),
      day,
      peaks: peaks.nodes.map((n) => ({ node: n.node, inFlight: n.values.inFlight ?? 0, lagMs: n.values.lagMs ?? 0, sessions: n.values.sessions ?? 0 })),
      history: (await load.history.recent(new Date())).map((h) => ({ at: h.at, entry: h.entry, resource: 'resource' in h.entry ? name.resource(h.entry.resource) : undefined })),
    };
    render(ctx, req, res, 200, t(lang, 'loadTitle'), loadBody(lang, view));
  });

  router.get('/admin/suspensions', admin.guard, async (req: Request, res: Response) => {
    const lang = req.lang;
    const name = names(ctx.config, ctx.catalog(), lang);
    const list = await access.downloads.list();
    const token = await admin.csrfToken(req);
    render(ctx, req, res, 200, t(lang, 'suspensionsTitle'), suspensionsBody(lang, {
      timeZone,
      token,
      suspensions: list.map((s) => ({ resource: s.resource, title: name.resource(s.resource), institution: s.institution, user: s.user, items: s.items, bytes: s.bytes, until: s.until })),
    }));
  });

  router.post('/admin/suspensions/lift', admin.guard, async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const resource = typeof body.resource === 'string' ? body.resource : '';
    const user = typeof body.user === 'string' ? body.user : '';
    if (!admin.verifyCsrf(req)) {
      admin.audit?.(req, 'lift-suspension', false, { target: resource, reason: 'csrf' });
      renderMessage(ctx, req, res, 403, { title: 'csrfRefusedTitle', message: 'csrfRefusedBody', tone: 'alert', back: { href: '/admin/suspensions', say: 'suspensionsTitle' } });
      return;
    }
    const lifted = resource && user ? await access.lift(resource, user) : undefined;
    admin.audit?.(req, 'lift-suspension', !!lifted, { target: `${resource}/${user}` });
    res.redirect(303, '/admin/suspensions');
  });

  return router;
}

/** /suspended/<resource>: tells a suspended user why, until when, and whom to ask (the proxy sends them here). */
export function suspendedRoutes(ctx: RouteContext, access: Access): Router {
  const router = Router();
  router.get('/suspended/:resource', async (req: Request, res: Response) => {
    const id = String(req.params.resource);
    const resource = ctx.catalog().byId(id);
    const suspension = req.session && resource ? await access.suspensionOf(req.session, id) : undefined;
    if (!resource || !suspension) {
      res.redirect(303, resource ? `/go/${encodeURIComponent(id)}` : '/');
      return;
    }
    renderMessage(ctx, req, res, 403, {
      title: { key: 'suspendedTitle', vars: { title: pick(resource.title, req.lang) } },
      message: { key: suspension.reason.startsWith('rule:') ? 'securityRuleSuspendedBody' : 'suspendedBody', vars: { until: dateTime(req.lang, ctx.config.catalog.timeZone, suspension.until) } },
      tone: 'alert',
    });
  });
  return router;
}
