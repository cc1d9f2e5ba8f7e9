import express, { Router, type Request, type Response } from 'express';
import { t, type Lang } from '../i18n';
import { names } from '../pages/labels';
import { securityBody, SECURITY_HOME, type TripOutcome } from '../pages/security-page';
import { render, renderMessage, type RouteContext } from '../routes/context';
import { secretMatches } from '../routes/api';
import type { AdminAccess } from '../load/pages';
import type { EvidenceEntry } from './engine';
import type { Security } from './index';

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
  const titleOf = (lang: Lang, id: string) => (id === '*' ? t(lang, 'securityAllResources') : names(ctx.config, ctx.catalog(), lang).resource(id));
  const refused = (req: Request, res: Response, action: string) => {
    admin.audit?.(req, action, false, { reason: 'csrf' });
    renderMessage(ctx, req, res, 403, { title: 'csrfRefusedTitle', message: 'csrfRefusedBody', tone: 'alert', back: SECURITY_HOME });
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
    const outcome = (code: string | undefined): TripOutcome | undefined => {
      const match = code ? /^(suspended|sessions-ended):(.*)$/.exec(code) : null;
      if (!code || !match) return code ? { kind: 'other', code } : undefined;
      return match[1] === 'suspended' ? { kind: 'suspended', resource: titleOf(lang, match[2]!) } : { kind: 'sessions-ended', count: Number(match[2]) };
    };
    render(ctx, req, res, 200, t(lang, 'securityTitle'), securityBody(lang, {
      timeZone: ctx.config.catalog.timeZone,
      token,
      signedOut: typeof req.query.done === 'string' ? req.query.done : undefined,
      demo: !!ctx.demo,
      trips: trips.map((trip) => ({
        id: trip.id,
        rule: trip.rule,
        at: trip.at,
        who: trip.user ? `${trip.institution ?? ''}/${trip.user}` : '*',
        resource: trip.resource ? titleOf(lang, trip.resource) : undefined,
        value: trip.value,
        over: trip.over,
        action: trip.action,
        outcome: outcome(trip.outcome),
      })),
      suspensions: suspensions.map((s) => ({ user: s.user, institution: s.institution, resource: s.resource, title: titleOf(lang, s.resource), rule: s.rule, until: s.until })),
      blocks,
      configExemptions: ctx.config.security.exemptions.map((e) => ({ subject: e.subject, reason: e.reason, rules: e.rules ?? [] })),
      exemptions,
      rules: security.engine.rules().rules,
    }));
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
      renderMessage(ctx, req, res, 400, { title: 'securitySignOutTitle', message: 'securityUnknownAccount', tone: 'alert', back: SECURITY_HOME });
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
      renderMessage(ctx, req, res, 400, { title: 'securityExemptTitle', message: 'securityUnknownAccount', tone: 'alert', back: SECURITY_HOME });
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
