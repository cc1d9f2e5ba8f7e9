import { Router, type NextFunction, type Request, type Response } from 'express';
import { pick } from '../i18n';
import { addMonths, counterException, CounterError, monthOf, parseReportRequest, REPORTS, REPORT_IDS, RELEASE, reportId, titleViewsOffered, type ReportId } from '../usage/counter';
import { aggregateSource, type UsageSource } from '../usage/reports';
import { reportToday } from './admin-usage';
import { secretMatches } from './api';
import type { RouteContext } from './context';
import { COUNTER_BASE, customerFor, customerReport, institutionIds, requestContext, type Customer } from './counter-reports';

/**
 * The COUNTER API R5.1 (formerly COUNTER_SUSHI; Code of Practice section 8 and the OpenAPI
 * specification Project-Counter/cop5 api-specification/COUNTER_API.json) at /counter/r51/…:
 * /status (public), /members, /reports and /reports/{dr,dr_d1,dr_d2,pr,pr_p1,tr,tr_b1,tr_j1,ir}, secured by
 * requestor_id + api_key (counter.requestors). Errors are one Exception with the HTTP status of
 * Appendix D; report-level Exceptions are in the report header.
 */

/** A request as logged: the api_key the COUNTER API takes in the query string (a secret) masked. */
export function withoutApiKey<T extends { url?: string; query?: unknown }>(req: T): T {
  const url = req.url?.replace(/([?&]api_key=)[^&#]*/gi, '$1[redacted]');
  const query = req.query && typeof req.query === 'object' && 'api_key' in req.query ? { ...req.query, api_key: '[redacted]' } : req.query;
  return { ...req, url, query };
}

const first = (value: unknown): string | undefined => {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'string' && v !== '' ? v : undefined;
};

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by the COUNTER API's credential check. */
    counterCustomer?: Customer;
  }
}

function sendException(res: Response, error: CounterError): void {
  res.status(error.status).set('Cache-Control', 'no-store').json(error.exception);
}

export function counterApiRoutes(ctx: RouteContext, source: UsageSource = aggregateSource): Router {
  const router = Router();
  const base = `${COUNTER_BASE}/r51`;

  /** requestor_id + api_key of a configured harvester, then the customer it may harvest. */
  const authorised = (req: Request, res: Response, next: NextFunction) => {
    try {
      const requestorId = first(req.query.requestor_id);
      const customerId = first(req.query.customer_id);
      const apiKey = first(req.query.api_key);
      if (!customerId || !requestorId) throw new CounterError(counterException(1030, [!customerId && 'customer_id', !requestorId && 'requestor_id'].filter(Boolean).join(' and ') + ' missing'));
      const requestor = ctx.config.counter.requestors.find((r) => r.id === requestorId);
      if (!requestor) throw new CounterError(counterException(2000, `requestor_id ${requestorId} is not known here`));
      // The key is checked before the customer, so without it nobody learns which customer_ids exist.
      if (!apiKey || !secretMatches(apiKey, requestor.apiKeySha256)) throw new CounterError(counterException(2020, apiKey ? 'api_key does not match this requestor_id' : 'api_key missing'));
      const customer = customerFor(ctx, customerId);
      if (requestor.customers && !requestor.customers.includes(customer.id)) {
        throw new CounterError(counterException(2010, `requestor_id ${requestorId} may not harvest customer_id ${customer.id}`));
      }
      req.counterCustomer = customer;
      ctx.logger.info({ requestor: requestor.name, customer: customer.id, path: req.path }, 'COUNTER API request');
      next();
    } catch (error) {
      if (!(error instanceof CounterError)) throw error;
      ctx.logger.info({ code: error.exception.Code, path: req.path }, 'COUNTER API request refused');
      sendException(res, error);
    }
  };

  router.get(`${base}/status`, (_req, res) => {
    const registry = ctx.config.counter.registryRecord;
    res.set('Cache-Control', 'no-store').json([{
      Description: `COUNTER Release ${RELEASE} usage reports of the Passway gateway ${ctx.settings.publicUrl.host}, derived from proxied use of the library's databases`,
      Service_Active: true,
      ...(registry ? { Registry_Record: registry } : {}),
      ...(ctx.config.counter.requestors.length ? {} : { Note: 'No harvester is configured yet (counter.requestors).' }),
    }]);
  });

  router.get(`${base}/members`, authorised, (req, res) => {
    const customer = req.counterCustomer!;
    const institutions = customer.institution ? ctx.config.institutions.filter((i) => i.id === customer.institution) : ctx.config.institutions;
    const members = institutions.map((i) => ({
      Customer_ID: i.id,
      Institution_Name: pick(i.name, 'en'),
      Institution_ID: institutionIds(ctx, i.id),
    }));
    res.set('Cache-Control', 'no-store').json(members.length ? members : [{ Customer_ID: customer.id, Institution_Name: customer.name }]);
  });

  router.get(`${base}/reports`, authorised, (_req, res) => {
    const last = addMonths(monthOf(reportToday(ctx)), -1);
    const views = titleViewsOffered(ctx.catalog());
    const offered = REPORT_IDS.filter((id) => (id === 'TR_J1' || id === 'TR_B1' ? views[id] : true));
    res.set('Cache-Control', 'no-store').json(offered.map((id: ReportId) => ({
      Report_Name: REPORTS[id].name,
      Report_ID: id,
      Release: RELEASE,
      Report_Description: REPORTS[id].description,
      Path: `/r51/reports/${id.toLowerCase()}`,
      First_Month_Available: ctx.config.counter.firstMonth,
      Last_Month_Available: last < ctx.config.counter.firstMonth ? ctx.config.counter.firstMonth : last,
    })));
  });

  router.get(`${base}/reports/:report`, (req, res, next) => {
    // An unsupported report is a wrong path: 404 (Appendix D), before credentials are looked at.
    if (!reportId(String(req.params.report))) next('route');
    else next();
  }, authorised, async (req, res) => {
    const id = reportId(String(req.params.report))!;
    try {
      const request = parseReportRequest(id, req.query as Record<string, unknown>, requestContext(ctx, 'api', reportToday(ctx)));
      res.set('Cache-Control', 'no-store').json(await customerReport(ctx, source, request, req.counterCustomer!));
    } catch (error) {
      if (error instanceof CounterError) sendException(res, error);
      else {
        ctx.logger.error({ err: error, report: id }, 'COUNTER report failed');
        sendException(res, new CounterError(counterException(1000, 'the usage store could not be read, try again later')));
      }
    }
  });
  return router;
}
