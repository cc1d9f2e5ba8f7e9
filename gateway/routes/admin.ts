import { Router, type Request, type Response } from 'express';
import { forbidden, requireAdmin, requireLibrarian } from '../admin/access';
import { audit } from '../admin/audit';
import { bootstrapCheck } from '../admin/bootstrap';
import type { ReloadCatalog } from '../admin/catalog-reload';
import { postForm } from '../pages/forms';
import { ADMIN_SECTIONS } from '../admin/nav';
import { t } from '../i18n';
import { html } from '../pages/html';
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
    render(ctx, req, res, 200, t(req.lang, 'adminTitle'), html`
      <p>${t(req.lang, role === 'admin' ? 'adminRoleAdmin' : 'adminRoleLibrarian')}</p>
      <nav aria-label="${t(req.lang, 'adminTitle')}"><ul>${sections.map((s) => html`<li><a href="${s.href}">${t(req.lang, s.label)}</a></li>`)}</ul></nav>
      ${role === 'admin' && reloadCatalog
        ? html`<h2>${t(req.lang, 'adminCatalog')}</h2><p>${t(req.lang, 'adminCatalogCount', { count: String(ctx.catalog().resources.length) })}</p>
          ${postForm('/admin/catalog/reload', token, html`<button class="button" type="submit">${t(req.lang, 'adminCatalogReload')}</button>`)}`
        : ''}`);
  });

  if (reloadCatalog) {
    router.post('/admin/catalog/reload', requireAdmin(ctx), requireCsrf, (req, res) => {
      const result = reloadCatalog();
      audit(ctx, req, 'catalog-reload', result.ok, { target: 'catalog', ...(result.ok ? { resources: String(result.catalog.resources.length) } : { problems: String(result.problems.length) }) });
      render(ctx, req, res, result.ok ? 200 : 422, t(req.lang, 'adminCatalog'), html`
        ${result.ok
          ? html`<p class="notice" role="status">${t(req.lang, 'adminCatalogReloaded', { count: String(result.catalog.resources.length) })}</p>`
          : html`<p class="notice" role="alert">${t(req.lang, 'adminCatalogKept')}</p><ul>${result.problems.map((p) => html`<li><code>${p.path}</code>: ${p.message}</li>`)}</ul>`}
        <p><a href="/admin">${t(req.lang, 'adminTitle')}</a></p>`);
    });
  }

  if (!check) return router;

  const showLogin = async (req: Request, res: Response, status: number, notice?: string) => {
    const session = req.session ?? (await ctx.sessions.create(res));
    const token = ctx.csrf.token(session);
    const returnTo = localPath(req.query.returnTo ?? (req.body as Record<string, unknown> | undefined)?.returnTo, '/admin');
    render(ctx, req, res, status, t(req.lang, 'adminLoginTitle'), html`
      ${notice ? html`<p class="notice" role="alert">${notice}</p>` : ''}
      ${postForm('/admin/login', token, html`
        <p><label for="username">${t(req.lang, 'adminUsername')}</label><br>
          <input id="username" name="username" autocomplete="username" required autocapitalize="none" spellcheck="false"></p>
        <p><label for="password">${t(req.lang, 'adminPassword')}</label><br>
          <input id="password" name="password" type="password" autocomplete="current-password" required></p>
        <p><button class="button" type="submit">${t(req.lang, 'adminSignIn')}</button></p>`, { returnTo })}`);
  };

  router.get('/admin/login', (req, res) => showLogin(req, res, 200));

  router.post('/admin/login', requireCsrf, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    // A point is taken before the (slow) password check, so parallel guesses cannot pass the limit.
    const attempt = await ctx.limits.adminLogin(text(body.username), req);
    if (isRefusal(attempt)) {
      audit(ctx, req, 'login', false, { reason: 'too-many-failures' });
      res.set('Retry-After', String(attempt.retryAfterSeconds));
      await showLogin(req, res, 429, t(req.lang, 'adminLoginThrottled', { count: String(Math.ceil(attempt.retryAfterSeconds / 60)) }));
      return;
    }
    const identity = await check(text(body.username), text(body.password));
    if (!identity) {
      audit(ctx, req, 'login', false, { reason: 'bad-credentials' });
      await showLogin(req, res, 401, t(req.lang, 'adminLoginFailed'));
      return;
    }
    await attempt.succeeded();
    await ctx.sessions.login(res, req.session, identity); // a new session, so a new CSRF token
    audit(ctx, req, 'login', true, { method: 'bootstrap' }, identity);
    res.redirect(303, localPath(body.returnTo, '/admin'));
  });

  return router;
}
