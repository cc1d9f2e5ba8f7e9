import { Router, type Request, type Response } from 'express';
import { dayIn } from '../../resource-catalog/policy';
import { requireLibrarian } from '../admin/access';
import { pick, t } from '../i18n';
import { html } from '../pages/html';
import {
  aggregateSource, counterReport, counterTsv, countsByResource, monthRange, names, parseFilter, summarise, usageCsv, usagePage,
  type CounterKind, type UsageFilter, type UsageSource,
} from '../usage/reports';
import { render, type RouteContext } from './context';

/** Where reports read from: the usage aggregates (tests may give fixed rows). */
export type ReportDeps = UsageSource;

const ADMIN_CSS = `
.filters{display:flex;flex-wrap:wrap;gap:0 1rem;align-items:flex-end}.filters p{margin:.25rem 0}
.filters input,.filters select{font:inherit;padding:.3rem;min-height:2.5rem;max-width:100%}
.totals{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.5rem}.totals dt{color:var(--muted);font-size:.9rem}.totals dd{margin:0 0 .5rem;font-size:1.5rem;font-weight:700}
.chart{max-width:40rem;height:auto}.scroll{overflow-x:auto}
`;

/** Today as a reporting day (usage.timeZone, default catalog.timeZone). */
export const reportToday = (ctx: RouteContext) => dayIn(new Date(), ctx.config.usage.timeZone ?? ctx.config.catalog.timeZone);

/** The rows and summary for a request's filters (shared by the page, the CSV and the JSON API). */
export async function usageFor(ctx: RouteContext, source: UsageSource, filter: UsageFilter) {
  const [rows, unique] = await Promise.all([source.queryUsage(ctx.store, filter), source.uniqueUsers(ctx.store, filter)]);
  return { rows, summary: summarise(filter, rows, unique) };
}

/** Librarians' reports: /admin/usage (page), /admin/usage.csv, /admin/usage/counter/{dr,pr}. */
export function adminUsageRoutes(ctx: RouteContext, source: ReportDeps = aggregateSource): Router {
  const router = Router();
  router.get('/admin/admin.css', (_req, res) => {
    res.type('text/css').set('Cache-Control', 'public, max-age=3600').send(ADMIN_CSS);
  });

  router.get('/admin/usage', requireLibrarian(ctx), async (req, res) => {
    const filter = parseFilter(req.query, reportToday(ctx));
    const { summary } = await usageFor(ctx, source, filter);
    render(ctx, req, res, 200, t(req.lang, 'adminUsageTitle'), html`<link rel="stylesheet" href="/admin/admin.css">
      <p><a href="/admin">${t(req.lang, 'adminTitle')}</a></p>
      ${usagePage(req.lang, ctx.config, ctx.catalog(), summary)}`);
  });

  router.get('/admin/usage.csv', requireLibrarian(ctx), async (req, res) => {
    const filter = parseFilter(req.query, reportToday(ctx));
    const { rows } = await usageFor(ctx, source, filter);
    res
      .type('text/csv; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="passway-usage-${filter.from}-${filter.to}.csv"`)
      .send(usageCsv(rows, names(ctx.config, ctx.catalog(), req.lang)));
  });

  router.get('/admin/usage/counter/:kind', requireLibrarian(ctx), async (req: Request, res: Response) => {
    const kind = String(req.params.kind).toUpperCase();
    const month = monthRange(req.query.month ?? reportToday(ctx).slice(0, 7));
    const format = req.query.format === 'tsv' ? 'tsv' : req.query.format === undefined || req.query.format === 'json' ? 'json' : undefined;
    if ((kind !== 'DR' && kind !== 'PR') || !month || !format) {
      render(ctx, req, res, 400, t(req.lang, 'counterBadTitle'), html`<p class="notice" role="alert">${t(req.lang, 'counterBadBody')}</p>
        <p><a href="/admin/usage">${t(req.lang, 'adminUsageTitle')}</a></p>`);
      return;
    }
    const institutionId = typeof req.query.institution === 'string' && req.query.institution ? req.query.institution : undefined;
    const institution = ctx.config.institutions.find((i) => i.id === institutionId);
    const totals = countsByResource(await source.queryUsage(ctx.store, { from: month.from, to: month.to, institution: institutionId }));
    const report = counterReport({
      kind: kind as CounterKind,
      month,
      institutionName: institution ? pick(institution.name, 'en') : ctx.config.institutions.map((i) => pick(i.name, 'en')).join('; ') || 'All institutions',
      institutionId,
      created: new Date(),
      createdBy: `Passway (${ctx.settings.publicUrl.host})`,
    }, totals, ctx.catalog());
    const filename = `passway-${kind.toLowerCase()}-${month.month}`;
    if (format === 'json') {
      res.set('Content-Disposition', `inline; filename="${filename}.json"`).json(report);
      return;
    }
    res.type('text/tab-separated-values; charset=utf-8').set('Content-Disposition', `attachment; filename="${filename}.tsv"`).send(counterTsv(report));
  });
  return router;
}
