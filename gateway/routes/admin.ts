import { Router, type Request, type Response } from 'express';
import { forbidden, requireAdmin, requireLibrarian } from '../admin/access';
import { audit } from '../admin/audit';
import { bootstrapCheck } from '../admin/bootstrap';
import type { ReloadCatalog } from '../admin/catalog-reload';
import { ADMIN_SECTIONS } from '../admin/nav';
import { t } from '../i18n';
import { adminHomeBody, adminLoginBody, catalogReloadBody } from '../pages/admin-page';
import type { Say } from '../pages/message';
import { isRefusal } from '../limits';
import { localPath } from '../local-path';
import { render, type RouteContext } from './context';

const text = (value: unknown) => (typeof value === 'string' ? value : '');

/** /admin: the admin home and the bootstrap local admin's sign-in (all POSTs carry a CSRF token; sign-out is POST /logout). */
export function adminRoutes(ctx: RouteContext, reloadCatalog?: ReloadCatalog): Router {
  const router = Router();
  const check = bootstrapCheck(ctx.config.admin);
  const refuseCsrf = (req: Request, res: Response) => {
    audit(ctx, req, 'csrf-check', false, { target: req.path });
    forbidden(ctx, req, res, 'adminCsrfBody');
  };
  const requireCsrf = ctx.csrf.require(refuseCsrf);

  router.get('/admin', requireLibrarian(ctx), async (req, res) => {
    const token = ctx.csrf.token(req.session!);
    const role = req.adminRole!;
    const sections = ADMIN_SECTIONS.filter((s) => role === 'admin' || s.role === 'librarian');
    render(ctx, req, res, 200, t(req.lang, 'adminTitle'), adminHomeBody(req.lang, {
      role,
      sections,
      catalog: role === 'admin' && reloadCatalog ? { count: ctx.catalog().resources.length, token } : undefined,
    }));
  });

  if (reloadCatalog) {
    router.post('/admin/catalog/reload', requireAdmin(ctx), requireCsrf, (req, res) => {
      const result = reloadCatalog();
      audit(ctx, req, 'catalog-reload', result.ok, { target: 'catalog', ...(result.ok ? { resources: String(result.catalog.resources.length) } : { problems: String(result.problems.length) }) });
      render(ctx, req, res, result.ok ? 200 : 422, t(req.lang, 'adminCatalog'), catalogReloadBody(req.lang, result.ok ? { ok: true, count: result.catalog.resources.length } : { ok: false, problems: result.problems }));
    });
  }

  if (!check) return router;

  const showLogin = async (req: Request, res: Response, status: number, notice?: Say) => {
    const session = req.session ?? (await ctx.sessions.create(res));
    const token = ctx.csrf.token(session);
    const returnTo = localPath(req.query.returnTo ?? (req.body as Record<string, unknown> | undefined)?.returnTo, '/admin');
    render(ctx, req, res, status, t(req.lang, 'adminLoginTitle'), adminLoginBody(req.lang, { token, returnTo, notice }));
  };

  router.get('/admin/login', (req, res) => showLogin(req, res, 200));

  router.post('/admin/login', requireCsrf, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    // A point is taken before the (slow) password check, so parallel guesses cannot pass the limit.
    const attempt = await ctx.limits.adminLogin(text(body.username), req);
    if (isRefusal(attempt)) {
      audit(ctx, req, 'login', false, { reason: 'too-many-failures' });
      res.set('Retry-After', String(attempt.retryAfterSeconds));
      await showLogin(req, res, 429, { key: 'adminLoginThrottled', vars: { count: String(Math.ceil(attempt.retryAfterSeconds / 60)) } });
      return;
    }
    const identity = await check(text(body.username), text(body.password));
    if (!identity) {
      audit(ctx, req, 'login', false, { reason: 'bad-credentials' });
      await showLogin(req, res, 401, 'adminLoginFailed');
      return;
    }
    await attempt.succeeded();
    await ctx.sessions.login(res, req.session, identity); // a new session, so a new CSRF token
    audit(ctx, req, 'login', true, { method: 'bootstrap' }, identity);
    res.redirect(303, localPath(body.returnTo, '/admin'));
  });

  return router;
}
