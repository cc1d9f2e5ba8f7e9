import { Router, type Request, type Response } from 'express';
import { dayIn } from '../../resource-catalog/policy';
import { requireLibrarian } from '../admin/access';
import { t } from '../i18n';
import { USAGE_CSS, usagePage } from '../pages/usage-page';
import { addMonths, CounterError, counterTsv, monthOf, parseReportRequest, reportId, type CounterException } from '../usage/counter';
import { aggregateSource, names, parseFilter, summarise, usageCsv, type UsageFilter, type UsageSource } from '../usage/reports';
import { render, renderMessage, type RouteContext } from './context';
import { customerFor, customerReport, requestContext } from './counter-reports';

/** Where reports read from: the usage aggregates (tests may give fixed rows). */
export type ReportDeps = UsageSource;

/** Today as a reporting day (usage.timeZone, default catalog.timeZone). */
export const reportToday = (ctx: RouteContext) => dayIn(new Date(), ctx.config.usage.timeZone ?? ctx.config.catalog.timeZone);

/** The rows and summary for a request's filters (shared by the page, the CSV and the JSON API). */
export async function usageFor(ctx: RouteContext, source: UsageSource, filter: UsageFilter) {
  const [rows, unique] = await Promise.all([source.queryUsage(ctx.store, filter), source.uniqueUsers(ctx.store, filter)]);
  return { rows, summary: summarise(filter, rows, unique) };
}

/** Librarians' reports: /admin/usage (page), /admin/usage.csv, /admin/usage/counter/{dr,dr_d1,dr_d2,pr,pr_p1}. */
export function adminUsageRoutes(ctx: RouteContext, source: ReportDeps = aggregateSource): Router {
  const router = Router();
  router.get('/admin/admin.css', (_req, res) => {
    res.type('text/css').set('Cache-Control', 'public, max-age=3600').send(USAGE_CSS);
  });

  router.get('/admin/usage', requireLibrarian(ctx), async (req, res) => {
    const filter = parseFilter(req.query, reportToday(ctx));
    const { summary } = await usageFor(ctx, source, filter);
    render(ctx, req, res, 200, t(req.lang, 'adminUsageTitle'), usagePage(req.lang, ctx.config, ctx.catalog(), summary));
  });

  router.get('/admin/usage.csv', requireLibrarian(ctx), async (req, res) => {
    const filter = parseFilter(req.query, reportToday(ctx));
    const { rows } = await usageFor(ctx, source, filter);
    res
      .type('text/csv; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="passway-usage-${filter.from}-${filter.to}.csv"`)
      .send(usageCsv(rows, names(ctx.config, ctx.catalog(), req.lang), req.lang));
  });

  /** COUNTER R5.1 reports (DR, DR_D1, DR_D2, PR, PR_P1, TR, TR_B1, TR_J1, IR) for a month (default: the last complete one), JSON or TSV. */
  router.get('/admin/usage/counter/:kind', requireLibrarian(ctx), async (req: Request, res: Response) => {
    const id = reportId(String(req.params.kind));
    const format = req.query.format === 'tsv' ? 'tsv' : req.query.format === undefined || req.query.format === 'json' ? 'json' : undefined;
    const refuse = (status: number, exception?: CounterException) => {
      if (exception && format === 'json') {
        res.status(status).json(exception);
        return;
      }
      // The COUNTER exception as the standard words it (code, message, data): what the harvester's log shows too.
      renderMessage(ctx, req, res, status, {
        title: 'counterBadTitle',
        message: 'counterBadBody',
        tone: 'alert',
        code: exception ? `${exception.Code}: ${exception.Message}${exception.Data ? ` (${exception.Data})` : ''}` : undefined,
        back: { href: '/admin/usage', say: 'adminUsageTitle' },
      });
    };
    if (!id || !format) {
      refuse(400);
      return;
    }
    const today = reportToday(ctx);
    const query = req.query as Record<string, unknown>;
    const month = typeof query.month === 'string' ? query.month : addMonths(monthOf(today), -1);
    const params: Record<string, unknown> = { begin_date: query.begin_date ?? month, end_date: query.end_date ?? month };
    for (const name of ['metric_type', 'data_type', 'access_method', 'access_type', 'attributes_to_show', 'exclude_monthly_details', 'include_parent_details', 'database']) {
      if (query[name] !== undefined) params[name] = query[name];
    }
    try {
      const customer = customerFor(ctx, typeof query.institution === 'string' && query.institution ? query.institution : ctx.config.counter.consortium.customerId);
      const request = parseReportRequest(id, params, requestContext(ctx, 'site', today));
      const report = await customerReport(ctx, source, request, customer);
      const filename = `passway-${id.toLowerCase()}-${request.begin}${request.end === request.begin ? '' : `-${request.end}`}${customer.institution ? `-${customer.id}` : ''}`;
      if (format === 'json') {
        res.set('Content-Disposition', `inline; filename="${filename}.json"`).json(report);
        return;
      }
      res
        .type('text/tab-separated-values; charset=utf-8')
        .set('Content-Disposition', `attachment; filename="${filename}.tsv"`)
        .send(counterTsv(report, { excludeMonthlyDetails: request.excludeMonthlyDetails }));
    } catch (error) {
      if (!(error instanceof CounterError)) throw error;
      refuse(error.status, error.exception);
    }
  });
  return router;
}
