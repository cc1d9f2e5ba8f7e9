import type { Config } from '../../config/schema';
import type { Catalog } from '../../resource-catalog/catalog';
import { pick, t, type Lang } from '../i18n';
import { addMonths, lastDay, monthOf, REPORT_IDS } from '../usage/counter';
import { readableBytes } from '../usage/reports/bytes';
import { barChart, dailyBarChart } from '../usage/reports/charts';
import { filterQuery } from '../usage/reports/filters';
import type { UsageSummary } from '../usage/reports/summary';
import { html, type Html } from './html';
import { scrollable } from './layout';
import { link } from './message';
import { ADMIN_HOME } from './admin-page';
import { affiliationLabel, AFFILIATION_CODES, names, reasonCodeLabel } from './labels';

/** Lines drawn in the per-day chart; the table lists every resource. */
const TOP_LINES = 5;

function select(id: string, label: string, all: string, value: string | undefined, options: { value: string; label: string }[]): Html {
  return html`<p><label for="${id}">${label}</label><br><select id="${id}" name="${id}">
    <option value="">${all}</option>
    ${options.map((o) => html`<option value="${o.value}"${o.value === value ? html` selected` : ''}>${o.label}</option>`)}
  </select></p>`;
}

/** The report page's style, served as /admin/admin.css. */
export const USAGE_CSS = `
.filters{display:flex;flex-wrap:wrap;gap:0 1rem;align-items:flex-end}.filters p{margin:.25rem 0}
.filters input,.filters select{font:inherit;padding:.3rem;min-height:44px;max-width:100%}
.totals{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.5rem}.totals dt{color:var(--muted);font-size:.9rem}.totals dd{margin:0 0 .5rem;font-size:1.5rem;font-weight:700}
.chart{max-width:40rem;height:auto}.scroll{overflow-x:auto}
`;

/** The /admin/usage body: GET filter form, totals, charts with text alternatives, table, exports. */
export function usagePage(lang: Lang, config: Config, catalog: Catalog, summary: UsageSummary): Html {
  const n = names(config, catalog, lang);
  const f = summary.filter;
  const query = filterQuery(f);
  // The last month with complete usage in the filter (a month still running has no COUNTER report yet).
  const month = f.to === lastDay(monthOf(f.to)) ? monthOf(f.to) : addMonths(monthOf(f.to), -1);
  const top = summary.resources.slice(0, TOP_LINES);
  const launchesText = top.map((r) => `${n.resource(r.resource)}: ${r.launches}`).join('; ');
  return html`<link rel="stylesheet" href="/admin/admin.css">
<p>${link(lang, ADMIN_HOME)}</p>
<form method="get" action="/admin/usage" class="panel filters">
  <p><label for="from">${t(lang, 'usageFrom')}</label><br><input id="from" name="from" type="date" value="${f.from}"></p>
  <p><label for="to">${t(lang, 'usageTo')}</label><br><input id="to" name="to" type="date" value="${f.to}"></p>
  ${select('institution', t(lang, 'usageInstitution'), t(lang, 'usageAll'), f.institution, config.institutions.map((i) => ({ value: i.id, label: pick(i.name, lang) })))}
  ${select('affiliation', t(lang, 'usageAffiliation'), t(lang, 'usageAll'), f.affiliation, AFFILIATION_CODES.map((a) => ({ value: a, label: affiliationLabel(a, lang) })))}
  ${select('resource', t(lang, 'usageResource'), t(lang, 'usageAll'), f.resource, catalog.resources.map((r) => ({ value: r.id, label: pick(r.title, lang) })))}
  <p><button class="button" type="submit">${t(lang, 'usageShow')}</button></p>
</form>
<p>${t(lang, 'usageExports')}
  <a href="/admin/usage.csv?${query}" download>CSV</a> ·
  <a href="/api/v1/usage?${query}">JSON</a></p>
<p>${t(lang, 'usageCounterReports', { month })}
  ${REPORT_IDS.map((id, i) => {
    const params = new URLSearchParams({ month, ...(f.institution ? { institution: f.institution } : {}), format: 'tsv' });
    return html`${i ? ' · ' : ''}<a href="/admin/usage/counter/${id.toLowerCase()}?${params.toString()}" download>${id}</a>`;
  })}</p>
<h2>${t(lang, 'usageTotals', { from: f.from, to: f.to })}</h2>
<dl class="totals">
  <dt>${t(lang, 'usageLogins')}</dt><dd>${summary.totals.logins}</dd>
  <dt>${t(lang, 'usageLaunches')}</dt><dd>${summary.totals.launches}</dd>
  <dt>${t(lang, 'usageUniqueUsers')}</dt><dd>${summary.totals.uniqueUsers}</dd>
  <dt>${t(lang, 'usageDenials')}</dt><dd>${summary.totals.denials}</dd>
  <dt>${t(lang, 'usageOffCampus')}</dt><dd>${summary.totals.offCampus}</dd>
  <dt>${t(lang, 'usageOnCampus')}</dt><dd>${summary.totals.onCampus}</dd>
</dl>
<h2>${t(lang, 'usagePerDay')}</h2>
${dailyBarChart({ title: t(lang, 'usagePerDay'), description: `${t(lang, 'usagePerDayDesc', { from: f.from, to: f.to })} ${launchesText}` }, summary.days, top.map((r) => ({ name: n.resource(r.resource), values: summary.launchesByDay.get(r.resource) ?? [] })))}
<h2>${t(lang, 'usageTopResources')}</h2>
${barChart({ title: t(lang, 'usageTopResources'), description: launchesText || t(lang, 'usageNone') }, summary.resources.slice(0, 10).map((r) => ({ label: n.resource(r.resource), value: r.launches })))}
<h2>${t(lang, 'usageDenialsByReason')}</h2>
${summary.denialsByReason.length
    ? barChart({ title: t(lang, 'usageDenialsByReason'), description: summary.denialsByReason.map((d) => `${reasonCodeLabel(d.reason, lang)}: ${d.count}`).join('; ') }, summary.denialsByReason.map((d) => ({ label: reasonCodeLabel(d.reason, lang), value: d.count })))
    : html`<p>${t(lang, 'usageNone')}</p>`}
<h2>${t(lang, 'usageCampusSplit')}</h2>
${barChart({ title: t(lang, 'usageCampusSplit'), description: `${t(lang, 'usageOffCampus')}: ${summary.totals.offCampus}; ${t(lang, 'usageOnCampus')}: ${summary.totals.onCampus}` }, [
    { label: t(lang, 'usageOffCampus'), value: summary.totals.offCampus },
    { label: t(lang, 'usageOnCampus'), value: summary.totals.onCampus },
  ])}
<h2>${t(lang, 'usageByResource')}</h2>
${scrollable(t(lang, 'usageByResource'), html`<table>
  <caption>${t(lang, 'usageByResource')} (${f.from} – ${f.to})</caption>
  <thead><tr><th scope="col">${t(lang, 'usageResource')}</th><th scope="col">${t(lang, 'usageLaunches')}</th><th scope="col">${t(lang, 'usageOffCampus')}</th><th scope="col">${t(lang, 'usageOnCampus')}</th><th scope="col">${t(lang, 'usageDenials')}</th><th scope="col">${t(lang, 'usageBytes')}</th></tr></thead>
  <tbody>${summary.resources.map((r) => html`<tr><th scope="row">${n.resource(r.resource)}</th><td>${r.launches}</td><td>${r.offCampus}</td><td>${r.onCampus}</td><td>${r.denials}</td><td>${readableBytes(r.bytes, lang)}</td></tr>`)}</tbody>
</table>`)}
${summary.resources.length === 0 ? html`<p>${t(lang, 'usageNone')}</p>` : ''}`;
}
