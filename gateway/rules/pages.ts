import { scrollable } from '../pages/layout';
import express, { Router, type Request, type Response } from 'express';
import { pick, t, type Lang } from '../i18n';
import { html } from '../pages/html';
import { render, type RouteContext } from '../routes/context';
import { secretMatches } from '../routes/api';
import type { AdminAccess } from '../load/pages';
import type { EvidenceEntry } from './engine';
import type { Security } from './index';

const when = (ctx: RouteContext, lang: Lang, iso: string) =>
  iso ? new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: ctx.config.catalog.timeZone, dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(iso)) : '';

const field = (req: Request, name: string): string => {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
};

/** Public addresses the shipped database places in China (CERNET), Japan and the USA: six networks, three countries. */
const STOLEN_ACCOUNT_ADDRESSES = ['202.112.0.1', '202.112.1.1', '202.112.2.1', '133.1.1.1', '18.0.0.1', '18.0.1.1'];

const EVIDENCE_COLUMNS: (keyof EvidenceEntry)[] = ['at', 'user', 'session', 'network', 'country', 'asn', 'resource', 'bytes', 'item', 'pdf'];

/** A CSV field: quoted when it holds a separator, and never read as a formula by a spreadsheet. */
function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * /admin/security (admin role): the rules in force, tripped rules with their evidence (CSV, JSON),
 * rule suspensions, sign-out-everywhere blocks and exemptions, each with its lift; every POST needs
 * the CSRF token and is audited. POST /api/v1/security/sign-out and …/lift for IT's tools (security.apiTokens).
 */
export function securityRoutes(ctx: RouteContext, security: Security, admin: AdminAccess): Router {
  const router = Router();
  const titleOf = (lang: Lang, id: string) => {
    if (id === '*') return t(lang, 'securityAllResources');
    const resource = ctx.catalog().byId(id);
    return resource ? pick(resource.title, lang) : id;
  };
  const refused = (req: Request, res: Response, action: string) => {
    admin.audit?.(req, action, false, { reason: 'csrf' });
    render(ctx, req, res, 403, t(req.lang, 'csrfRefusedTitle'), html`<p class="notice" role="alert">${t(req.lang, 'csrfRefusedBody')}</p><p><a href="/admin/security">${t(req.lang, 'securityTitle')}</a></p>`);
  };

  router.get('/admin/security', admin.guard, async (req: Request, res: Response) => {
    const lang = req.lang;
    const [trips, suspensions, blocks, exemptions, token] = await Promise.all([
      security.engine.trips(),
      security.state.suspensions(),
      security.state.blocks(),
      security.state.exemptions(),
      admin.csrfToken(req),
    ]);
    const hidden = (name: string, value: string) => html`<input type="hidden" name="${name}" value="${value}">`;
    const post = (action: string, fields: Record<string, string>, label: string) =>
      html`<form method="post" action="${action}">${hidden('_csrf', token)}${Object.entries(fields).map(([n, v]) => hidden(n, v))}<button class="button" type="submit">${label}</button></form>`;
    const notice = typeof req.query.done === 'string' ? html`<p class="notice" role="status">${t(lang, 'securitySignedOut', { sessions: req.query.done })}</p>` : html``;
    const rules = security.engine.rules().rules;
    render(ctx, req, res, 200, t(lang, 'securityTitle'), html`
      ${notice}
      <p>${t(lang, 'securityIntro')}</p>
      <h2>${t(lang, 'securitySignOutTitle')}</h2>
      <p>${t(lang, 'securitySignOutHelp')}</p>
      <form method="post" action="/admin/security/sign-out">${hidden('_csrf', token)}
        <label for="sign-out-account">${t(lang, 'securityAccount')}</label> <input id="sign-out-account" name="account" required autocomplete="off">
        <button class="button" type="submit">${t(lang, 'securitySignOutButton')}</button></form>
      ${ctx.demo
        ? html`<h2>${t(lang, 'securityDemoTitle')}</h2><p>${t(lang, 'securityDemoHelp')}</p>
          <form method="post" action="/admin/security/demo-stolen-account">${hidden('_csrf', token)}<button class="button" type="submit">${t(lang, 'securityDemoButton')}</button></form>`
        : html``}
      <h2>${t(lang, 'securityTrips')}</h2>
      ${trips.length === 0
        ? html`<p>${t(lang, 'securityTripsNone')}</p>`
        : scrollable(t(lang, 'securityTrips'), html`<table><thead><tr><th>${t(lang, 'securityWhen')}</th><th>${t(lang, 'securityRule')}</th><th>${t(lang, 'suspensionUser')}</th><th>${t(lang, 'loadResource')}</th><th>${t(lang, 'securityValue')}</th><th>${t(lang, 'securityOutcome')}</th><th>${t(lang, 'securityEvidence')}</th></tr></thead>
          <tbody>${trips.map(
            (trip) => html`<tr data-trip="${trip.id}" data-rule="${trip.rule}"><td>${when(ctx, lang, trip.at)}</td><td><code>${trip.rule}</code></td><td><code>${trip.user ? `${trip.institution ?? ''}/${trip.user}` : '*'}</code></td>
              <td>${trip.resource ? titleOf(lang, trip.resource) : ''}</td><td>${String(trip.value)} &gt; ${String(trip.over)}</td><td>${trip.action}${trip.outcome ? ` (${trip.outcome})` : ''}</td>
              <td><a href="/admin/security/trips/${trip.id}/evidence.csv">CSV</a> <a href="/admin/security/trips/${trip.id}/evidence.json">JSON</a></td></tr>`,
          )}</tbody></table>`)}
      <h2>${t(lang, 'securitySuspensions')}</h2>
      ${suspensions.length === 0
        ? html`<p>${t(lang, 'suspensionsNone')}</p>`
        : scrollable(t(lang, 'securitySuspensions'), html`<table><thead><tr><th>${t(lang, 'suspensionUser')}</th><th>${t(lang, 'loadResource')}</th><th>${t(lang, 'securityRule')}</th><th>${t(lang, 'suspensionUntil')}</th><th></th></tr></thead>
          <tbody>${suspensions.map(
            (s) => html`<tr data-suspension="${s.user}|${s.resource}"><td><code>${s.institution}/${s.user}</code></td><td>${titleOf(lang, s.resource)}</td><td><code>${s.rule}</code></td><td>${when(ctx, lang, s.until)}</td>
              <td>${post('/admin/security/lift', { user: s.user, resource: s.resource }, t(lang, 'suspensionLift'))}</td></tr>`,
          )}</tbody></table>`)}
      <h2>${t(lang, 'securityBlocks')}</h2>
      ${blocks.length === 0
        ? html`<p>${t(lang, 'securityBlocksNone')}</p>`
        : scrollable(t(lang, 'securityBlocks'), html`<table><tbody>${blocks.map(
            (b) => html`<tr data-block="${b.user}"><td><code>${b.institution}/${b.user}</code></td><td>${when(ctx, lang, b.since)}</td><td>${b.reason}</td><td>${post('/admin/security/unblock', { user: b.user }, t(lang, 'securityUnblock'))}</td></tr>`,
          )}</tbody></table>`)}
      <h2>${t(lang, 'securityExemptions')}</h2>
      ${exemptions.length === 0 && ctx.config.security.exemptions.length === 0
        ? html`<p>${t(lang, 'securityExemptionsNone')}</p>`
        : scrollable(t(lang, 'securityExemptions'), html`<table><tbody>${ctx.config.security.exemptions.map((e) => html`<tr><td><code>${e.subject}</code></td><td>${e.reason}</td><td>${(e.rules ?? []).join(', ')}</td><td>config</td></tr>`)}${exemptions.map(
            (e) => html`<tr data-exemption="${e.user}"><td><code>${e.institution}/${e.user}</code></td><td>${e.reason}</td><td>${when(ctx, lang, e.until)}</td><td>${post('/admin/security/unexempt', { user: e.user }, t(lang, 'securityRemove'))}</td></tr>`,
          )}</tbody></table>`)}
      <h3>${t(lang, 'securityExemptTitle')}</h3>
      <form method="post" action="/admin/security/exempt">${hidden('_csrf', token)}
        <p><label for="exempt-account">${t(lang, 'securityAccount')}</label> <input id="exempt-account" name="account" required autocomplete="off"></p>
        <p><label for="exempt-reason">${t(lang, 'securityReason')}</label> <input id="exempt-reason" name="reason" required></p>
        <p><label for="exempt-days">${t(lang, 'securityExemptDays')}</label> <input id="exempt-days" name="days" type="number" min="1" max="366" value="30" required></p>
        <button class="button" type="submit">${t(lang, 'securityExemptButton')}</button></form>
      <h2>${t(lang, 'securityRules')}</h2>
      ${scrollable(t(lang, 'securityRules'), html`<table><thead><tr><th>${t(lang, 'securityRule')}</th><th>${t(lang, 'securityCriterion')}</th><th>${t(lang, 'securityOver')}</th><th>${t(lang, 'securityWindow')}</th><th>${t(lang, 'securityAction')}</th></tr></thead>
        <tbody>${rules.map((r) => html`<tr data-rule="${r.name}"><td><code>${r.name}</code></td><td>${r.criterion} / ${r.per} / ${r.across}</td><td>${String(r.over)}</td><td>${String(r.windowMinutes)}</td><td>${r.action}${r.action === 'suspend' ? ` (${r.suspend}, ${String(r.forMinutes)} min)` : ''}</td></tr>`)}</tbody></table>`)}
      <p><a href="/admin/suspensions">${t(lang, 'suspensionsTitle')}</a></p>`);
  });

  const account = (req: Request) => security.userFromAccount(field(req, 'account'));
  const actor = (req: Request) => {
    const user = req.session?.data.user;
    return user ? `${user.institution}:${user.subject}` : 'admin';
  };

  router.post('/admin/security/sign-out', admin.guard, async (req: Request, res: Response) => {
    if (!admin.verifyCsrf(req)) return refused(req, res, 'sign-out-everywhere');
    const who = account(req);
    if (!who) {
      admin.audit?.(req, 'sign-out-everywhere', false, { reason: 'unknown-account' });
      render(ctx, req, res, 400, t(req.lang, 'securitySignOutTitle'), html`<p class="notice" role="alert">${t(req.lang, 'securityUnknownAccount')}</p><p><a href="/admin/security">${t(req.lang, 'securityTitle')}</a></p>`);
      return;
    }
    const { sessions } = await security.signOut.signOut({ user: who.user, institution: who.institution, by: actor(req), reason: 'admin' });
    ctx.recordUsage({ type: 'signed-out-everywhere', sessions, by: 'admin', user: who.user, institution: who.institution });
    admin.audit?.(req, 'sign-out-everywhere', true, { target: who.user, sessions: String(sessions) });
    res.redirect(303, `/admin/security?done=${sessions}`);
  });

  const lift = (path: string, action: string, work: (req: Request) => Promise<unknown>) =>
    router.post(path, admin.guard, async (req: Request, res: Response) => {
      if (!admin.verifyCsrf(req)) return refused(req, res, action);
      const ok = !!(await work(req));
      admin.audit?.(req, action, ok, { target: `${field(req, 'user')}${field(req, 'resource') ? `/${field(req, 'resource')}` : ''}` });
      res.redirect(303, '/admin/security');
    });
  lift('/admin/security/lift', 'lift-rule-suspension', (req) => security.state.lift(field(req, 'user'), field(req, 'resource')));
  lift('/admin/security/unblock', 'allow-sign-in', (req) => security.signOut.lift(field(req, 'user')));
  lift('/admin/security/unexempt', 'remove-exemption', (req) => security.state.unexempt(field(req, 'user')));
  router.post('/admin/security/exempt', admin.guard, async (req: Request, res: Response) => {
    if (!admin.verifyCsrf(req)) return refused(req, res, 'exempt');
    const who = account(req);
    const days = Number(field(req, 'days'));
    const reason = field(req, 'reason').trim();
    if (!who || !(days >= 1 && days <= 366) || !reason) {
      admin.audit?.(req, 'exempt', false, { reason: 'bad-input' });
      render(ctx, req, res, 400, t(req.lang, 'securityExemptTitle'), html`<p class="notice" role="alert">${t(req.lang, 'securityUnknownAccount')}</p><p><a href="/admin/security">${t(req.lang, 'securityTitle')}</a></p>`);
      return;
    }
    await security.state.exempt({ user: who.user, institution: who.institution, reason, by: actor(req) }, days * 86_400_000);
    admin.audit?.(req, 'exempt', true, { target: who.user, days: String(days) });
    res.redirect(303, '/admin/security');
  });

  router.get('/admin/security/trips/:id/evidence.:format', admin.guard, async (req: Request, res: Response) => {
    const trip = await security.engine.tripById(String(req.params.id));
    const format = String(req.params.format);
    if (!trip || (format !== 'csv' && format !== 'json')) {
      res.status(404).type('text/plain').send('no such trip\n');
      return;
    }
    const requests = await security.engine.evidence(trip);
    admin.audit?.(req, 'evidence-export', true, { target: trip.id, format });
    res.set('Cache-Control', 'no-store').attachment(`passway-incident-${trip.id}.${format}`);
    if (format === 'json') {
      res.json({ trip, rule: security.engine.rules().rules.find((r) => r.name === trip.rule) ?? null, requests });
      return;
    }
    const header = `# rule ${trip.rule}: ${trip.criterion} ${trip.value} > ${trip.over} within ${trip.windowMinutes} minutes (per ${trip.per}, across ${trip.across}); tripped ${trip.at}; action ${trip.action}${trip.outcome ? ` (${trip.outcome})` : ''}\n`;
    const rows = requests.map((e) => EVIDENCE_COLUMNS.map((c) => csvField(e[c])).join(','));
    res.type('text/csv').send(`${header}${EVIDENCE_COLUMNS.join(',')}\n${rows.join('\n')}${rows.length ? '\n' : ''}`);
  });

  // Demo mode: a stolen demo account signs in from six networks in three countries, through the real rules and Store
  router.post('/admin/security/demo-stolen-account', admin.guard, async (req: Request, res: Response) => {
    if (!ctx.demo) {
      res.status(404).type('text/plain').send('only in demo mode\n');
      return;
    }
    if (!admin.verifyCsrf(req)) return refused(req, res, 'demo-stolen-account');
    const institution = ctx.config.institutions[0]?.id ?? 'demo';
    const identity = { institution, subject: `stolen-${Date.now().toString(36)}` };
    const user = security.userOf(identity);
    for (const address of STOLEN_ACCOUNT_ADDRESSES) {
      security.engine.signIn({ user, identity, address, at: Date.now() });
      ctx.recordUsage({ type: 'login-success', login: 'demo', adapter: 'demo', institution, subject: identity.subject, affiliations: ['student'] });
    }
    await security.engine.settled();
    admin.audit?.(req, 'demo-stolen-account', true, { target: user });
    res.redirect(303, '/admin/security');
  });

  // IT's tools: a bearer token from security.apiTokens (SHA-256 compared in constant time)
  const tokenName = (req: Request): string | undefined => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    return match ? ctx.config.security.apiTokens.find((token) => secretMatches(match[1]!, token.sha256))?.name : undefined;
  };
  router.post('/api/v1/security/:action', express.json({ limit: '16kb' }), async (req: Request, res: Response) => {
    const name = tokenName(req);
    const action = String(req.params.action);
    if (!name) {
      res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'invalid-token' });
      return;
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    const who = typeof body.account === 'string' ? security.userFromAccount(body.account) : undefined;
    const detail = (target: string, ok: boolean, extra: Record<string, string> = {}) =>
      ctx.logger.info({ audit: true, action: `api-${action}`, ok, token: name, clientIp: req.ip, target, ...extra }, `security api ${action} ${ok ? 'done' : 'refused'}`);
    if (!who) {
      detail('', false);
      res.status(400).json({ error: 'account-required', hint: 'give "account": "institution:user name" or the pseudonymous id' });
      return;
    }
    if (action === 'sign-out') {
      const { sessions } = await security.signOut.signOut({ user: who.user, institution: who.institution, by: `api:${name}`, reason: typeof body.reason === 'string' ? body.reason : 'api' });
      ctx.recordUsage({ type: 'signed-out-everywhere', sessions, by: `api:${name}`, user: who.user, institution: who.institution });
      ctx.recordUsage({ type: 'admin-action', action: 'api-sign-out-everywhere', target: who.user, ok: true });
      detail(who.user, true, { sessions: String(sessions) });
      res.json({ user: who.user, sessionsEnded: sessions, blocked: true });
    } else if (action === 'lift') {
      const lifted = !!(await security.signOut.lift(who.user));
      ctx.recordUsage({ type: 'admin-action', action: 'api-allow-sign-in', target: who.user, ok: lifted });
      detail(who.user, lifted);
      res.json({ user: who.user, lifted });
    } else res.status(404).json({ error: 'unknown-action', actions: ['sign-out', 'lift'] });
  });

  return router;
}
