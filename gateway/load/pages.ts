import { Router, type Request, type Response } from 'express';
import type { Access } from '../access';
import { pick, t, type Lang } from '../i18n';
import { html, type Html } from '../pages/html';
import { render, type RouteContext } from '../routes/context';
import type { Guard, LoadControl } from './index';
import type { HistoryEntry } from './history';
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

const when = (ctx: RouteContext, lang: Lang, iso: string) =>
  iso ? new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: ctx.config.catalog.timeZone, dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(iso)) : '';

/** /admin/load (now, daily peaks, overload and suspension history) and /admin/suspensions (with lift). */
export function loadAdminRoutes(ctx: RouteContext, load: LoadControl, access: Access, admin: AdminAccess): Router {
  const router = Router();
  const titleOf = (lang: Lang, id: string) => {
    const resource = ctx.catalog().byId(id);
    return resource ? pick(resource.title, lang) : id;
  };

  router.get('/admin/load', admin.guard, async (req: Request, res: Response) => {
    const lang = req.lang;
    await load.samplePeaks();
    const resources = ctx.catalog().resources;
    const now = await Promise.all(
      resources.map(async (resource) => ({
        resource,
        active: await load.activeUsers(resource.id),
        seats: await Promise.all(
          resource.licences.flatMap((licence) => {
            const claim = access.seats.claim(resource, licence);
            return claim ? [access.seats.inUse(claim.name).then((used) => ({ institution: licence.institution, used, seats: claim.seats }))] : [];
          }),
        ),
      })),
    );
    const day = load.day();
    const peaks = await readPeaks(load.store, day, resources.map((r) => r.id));
    const history = await load.history.recent(new Date());
    const episode = load.guard.current();
    const body = html`
      <h2>${t(lang, 'loadNow')}</h2>
      <table>
        <tr><th>${t(lang, 'loadNode')}</th><td><code>${load.node}</code></td></tr>
        <tr><th>${t(lang, 'loadInFlight')}</th><td data-metric="in-flight">${String(load.inFlight())}</td></tr>
        <tr><th>${t(lang, 'loadLag')}</th><td data-metric="lag">${String(Math.round(load.lagMs()))}</td></tr>
        <tr><th>${t(lang, 'loadSessions')}</th><td data-metric="sessions">${String(await load.activeSessions())}</td></tr>
        <tr><th>${t(lang, 'loadOverloaded')}</th><td data-metric="overloaded">${episode ? t(lang, 'loadOverloadedYes', { since: when(ctx, lang, episode.startedAt.toISOString()), shed: String(episode.shed) }) : t(lang, 'loadOverloadedNo')}</td></tr>
      </table>
      <table>
        <thead><tr><th>${t(lang, 'loadResource')}</th><th>${t(lang, 'loadActiveUsers')}</th><th>${t(lang, 'loadSeats')}</th><th>${t(lang, 'loadPeakToday')}</th></tr></thead>
        <tbody>${now.map(
          (row) => html`<tr data-resource="${row.resource.id}"><td>${pick(row.resource.title, lang)}</td><td>${String(row.active)}</td><td>${row.seats.length ? row.seats.map((s) => html`${s.institution}: ${String(s.used)}/${String(s.seats)} `) : html`<span class="how">${t(lang, 'loadNoSeatLimit')}</span>`}</td><td>${String(peaks.resources[row.resource.id] ?? 0)}</td></tr>`,
        )}</tbody>
      </table>
      <h2>${t(lang, 'loadPeaks', { day })}</h2>
      <table>
        <thead><tr><th>${t(lang, 'loadNode')}</th><th>${t(lang, 'loadInFlight')}</th><th>${t(lang, 'loadLag')}</th><th>${t(lang, 'loadSessions')}</th></tr></thead>
        <tbody>${peaks.nodes.map((n) => html`<tr data-node="${n.node}"><td><code>${n.node}</code></td><td>${String(n.values.inFlight ?? 0)}</td><td>${String(n.values.lagMs ?? 0)}</td><td>${String(n.values.sessions ?? 0)}</td></tr>`)}</tbody>
      </table>
      <h2>${t(lang, 'loadHistory')}</h2>
      ${history.length === 0
        ? html`<p>${t(lang, 'loadHistoryNone')}</p>`
        : html`<table><tbody>${history.map((h) => html`<tr data-event="${h.entry.type}"><td>${when(ctx, lang, h.at)}</td><td>${describe(ctx, lang, h.entry, titleOf)}</td></tr>`)}</tbody></table>`}
      <p><a href="/admin/suspensions">${t(lang, 'suspensionsTitle')}</a></p>`;
    render(ctx, req, res, 200, t(lang, 'loadTitle'), body);
  });

  router.get('/admin/suspensions', admin.guard, async (req: Request, res: Response) => {
    const lang = req.lang;
    const list = await access.downloads.list();
    const token = await admin.csrfToken(req);
    render(ctx, req, res, 200, t(lang, 'suspensionsTitle'), html`
      ${list.length === 0
        ? html`<p>${t(lang, 'suspensionsNone')}</p>`
        : html`<table>
          <thead><tr><th>${t(lang, 'loadResource')}</th><th>${t(lang, 'suspensionUser')}</th><th>${t(lang, 'suspensionCounts')}</th><th>${t(lang, 'suspensionUntil')}</th><th></th></tr></thead>
          <tbody>${list.map(
            (s) => html`<tr data-suspension="${s.resource}|${s.user}"><td>${titleOf(lang, s.resource)}</td><td><code>${s.institution}/${s.user}</code></td>
              <td>${t(lang, 'suspensionCountsValue', { items: String(s.items), bytes: String(s.bytes) })}</td><td>${when(ctx, lang, s.until)}</td>
              <td><form method="post" action="/admin/suspensions/lift"><input type="hidden" name="_csrf" value="${token}"><input type="hidden" name="resource" value="${s.resource}"><input type="hidden" name="user" value="${s.user}"><button class="button" type="submit">${t(lang, 'suspensionLift')}</button></form></td></tr>`,
          )}</tbody></table>`}
      <p><a href="/admin/load">${t(lang, 'loadTitle')}</a></p>`);
  });

  router.post('/admin/suspensions/lift', admin.guard, async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const resource = typeof body.resource === 'string' ? body.resource : '';
    const user = typeof body.user === 'string' ? body.user : '';
    if (!admin.verifyCsrf(req)) {
      admin.audit?.(req, 'lift-suspension', false, { target: resource, reason: 'csrf' });
      render(ctx, req, res, 403, t(req.lang, 'csrfRefusedTitle'), html`<p class="notice" role="alert">${t(req.lang, 'csrfRefusedBody')}</p><p><a href="/admin/suspensions">${t(req.lang, 'suspensionsTitle')}</a></p>`);
      return;
    }
    const lifted = resource && user ? await access.lift(resource, user) : undefined;
    admin.audit?.(req, 'lift-suspension', !!lifted, { target: `${resource}/${user}` });
    res.redirect(303, '/admin/suspensions');
  });

  return router;
}

function describe(ctx: RouteContext, lang: Lang, event: HistoryEntry, titleOf: (lang: Lang, id: string) => string): Html {
  switch (event.type) {
    case 'overload-shed':
      return html`${t(lang, 'historyOverload', { node: event.node, shed: String(event.shed), inFlight: String(event.peakInFlight), lag: String(event.peakLagMs), until: when(ctx, lang, event.until) })}`;
    case 'suspension':
      return html`${t(lang, 'historySuspension', { resource: titleOf(lang, event.resource), user: `${event.institution}/${event.user}`, items: String(event.items), bytes: String(event.bytes) })}`;
    case 'suspension-lifted':
      return html`${t(lang, 'historyLifted', { resource: titleOf(lang, event.resource), user: `${event.institution}/${event.user}` })}`;
  }
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
    const lang = req.lang;
    render(ctx, req, res, 403, t(lang, 'suspendedTitle', { title: pick(resource.title, lang) }), html`
      <p class="notice" role="alert">${t(lang, suspension.reason.startsWith('rule:') ? 'securityRuleSuspendedBody' : 'suspendedBody', { until: when(ctx, lang, suspension.until) })}</p>
      <p><a href="/">${t(lang, 'backHome')}</a></p>`);
  });
  return router;
}
