import { pick } from '../i18n';
import { counterException, CounterError, counterReport, REPORTS, firstDay, lastDay, monthlyCounts, type CounterReport, type InstitutionIds, type ReportRequest, type RequestContext } from '../usage/counter';
import type { UsageSource } from '../usage/reports';
import type { RouteContext } from './context';

/** COUNTER reports for a customer, shared by the COUNTER API and the librarians' report pages. */

export const COUNTER_BASE = '/counter';

/** Whose usage a report is: one institution, or every institution (counter.consortium). */
export interface Customer {
  id: string;
  name: string;
  /** Its Institution_ID: public identifiers (counter.institutionIds), then passway:<customer id>. */
  ids: InstitutionIds;
  /** The institution filter of the usage query (undefined: all). */
  institution?: string;
}

/** The customer a customer_id names, or Exception 2010 (not recognised) / 2011 (The World). */
export function customerFor(ctx: RouteContext, customerId: string): Customer {
  if (customerId === '0000000000000000') throw new CounterError(counterException(2011, 'Passway reports usage of its own institutions only'));
  const { consortium } = ctx.config.counter;
  if (customerId === consortium.customerId) return { id: consortium.customerId, name: pick(consortium.name, 'en'), ids: institutionIds(ctx, consortium.customerId) };
  const institution = ctx.config.institutions.find((i) => i.id === customerId);
  if (!institution) throw new CounterError(counterException(2010, `customer_id ${customerId} is not an institution of this gateway`));
  return { id: institution.id, name: pick(institution.name, 'en'), ids: institutionIds(ctx, institution.id), institution: institution.id };
}

/** Institution_ID of a customer: its configured public identifiers, and the customer ID with the platform ID as namespace (3.3.1). */
export function institutionIds(ctx: RouteContext, customerId: string): InstitutionIds {
  return { ...ctx.config.counter.institutionIds[customerId], Proprietary: [`${ctx.config.counter.platformId}:${customerId}`] };
}

/** The report for a customer: the aggregates of the months asked, read once. */
export async function customerReport(ctx: RouteContext, source: UsageSource, request: ReportRequest, customer: Customer): Promise<CounterReport> {
  const period = request.months.length ? { from: firstDay(request.months[0]!), to: lastDay(request.months.at(-1)!), institution: customer.institution } : undefined;
  const { level } = REPORTS[request.id];
  const itemised = level === 'title' || level === 'item';
  const rows = period && !itemised ? await source.queryUsage(ctx.store, period) : [];
  const identified = period && itemised ? await source.queryItems(ctx.store, period) : { items: [], titles: [] };
  return counterReport(request, {
    customer,
    namespace: ctx.config.counter.platformId,
    created: new Date(),
    createdBy: ctx.config.counter.createdBy ?? `Passway (${ctx.settings.publicUrl.host})`,
    registryRecord: ctx.config.counter.registryRecord,
  }, monthlyCounts(rows), ctx.catalog(), identified);
}

/** What a report request is checked against; `today` is a reporting day (usage.timeZone). */
export const requestContext = (ctx: RouteContext, mode: 'api' | 'site', today: string): RequestContext => ({ today, firstMonth: ctx.config.counter.firstMonth, mode });

