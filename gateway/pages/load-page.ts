import { t, type Lang } from '../i18n';
import type { HistoryEntry } from '../load/history';
import { dateTime } from './format';
import { postButton } from './forms';
import { html, type Html } from './html';
import { link } from './message';
import { table } from './tables';

/** The numbers of /admin/load, as the handler read them (times as ISO strings, shown in `timeZone`). */
export interface LoadView {
  timeZone: string;
  node: string;
  inFlight: number;
  lagMs: number;
  sessions: number;
  /** The overload episode in progress on this node. */
  overload?: { since: string; shed: number };
  resources: { id: string; title: string; active: number; seats: { institution: string; used: number; seats: number }[]; peakToday: number }[];
  day: string;
  peaks: { node: string; inFlight: number; lagMs: number; sessions: number }[];
  /** Overloads and suspensions, newest first; `resource` is the title of the entry's resource. */
  history: { at: string; entry: HistoryEntry; resource?: string }[];
}

/** /admin/load: this node now, per database (users, seats, today's peak), the day's peaks per node, recent history. */
export function loadBody(lang: Lang, view: LoadView): Html {
  const when = (iso: string) => dateTime(lang, view.timeZone, iso);
  return html`
      <h2>${t(lang, 'loadNow')}</h2>
      <table>
        <tr><th>${t(lang, 'loadNode')}</th><td><code>${view.node}</code></td></tr>
        <tr><th>${t(lang, 'loadInFlight')}</th><td data-metric="in-flight">${String(view.inFlight)}</td></tr>
        <tr><th>${t(lang, 'loadLag')}</th><td data-metric="lag">${String(Math.round(view.lagMs))}</td></tr>
        <tr><th>${t(lang, 'loadSessions')}</th><td data-metric="sessions">${String(view.sessions)}</td></tr>
        <tr><th>${t(lang, 'loadOverloaded')}</th><td data-metric="overloaded">${view.overload ? t(lang, 'loadOverloadedYes', { since: when(view.overload.since), shed: String(view.overload.shed) }) : t(lang, 'loadOverloadedNo')}</td></tr>
      </table>
      ${table([t(lang, 'loadResource'), t(lang, 'loadActiveUsers'), t(lang, 'loadSeats'), t(lang, 'loadPeakToday')], view.resources, (row) => html`<tr data-resource="${row.id}"><td>${row.title}</td><td>${String(row.active)}</td><td>${row.seats.length ? row.seats.map((s) => html`${s.institution}: ${String(s.used)}/${String(s.seats)} `) : html`<span class="how">${t(lang, 'loadNoSeatLimit')}</span>`}</td><td>${String(row.peakToday)}</td></tr>`)}
      <h2>${t(lang, 'loadPeaks', { day: view.day })}</h2>
      ${table([t(lang, 'loadNode'), t(lang, 'loadInFlight'), t(lang, 'loadLag'), t(lang, 'loadSessions')], view.peaks, (n) => html`<tr data-node="${n.node}"><td><code>${n.node}</code></td><td>${String(n.inFlight)}</td><td>${String(n.lagMs)}</td><td>${String(n.sessions)}</td></tr>`)}
      <h2>${t(lang, 'loadHistory')}</h2>
      ${view.history.length === 0
        ? html`<p>${t(lang, 'loadHistoryNone')}</p>`
        : table([], view.history, (h) => html`<tr data-event="${h.entry.type}"><td>${when(h.at)}</td><td>${describe(lang, h.entry, h.resource ?? '', when)}</td></tr>`)}
      <p>${link(lang, { href: '/admin/suspensions', say: 'suspensionsTitle' })}</p>`;
}

function describe(lang: Lang, event: HistoryEntry, resource: string, when: (iso: string) => string): string {
  switch (event.type) {
    case 'overload-shed':
      return t(lang, 'historyOverload', { node: event.node, shed: String(event.shed), inFlight: String(event.peakInFlight), lag: String(event.peakLagMs), until: when(event.until) });
    case 'suspension':
      return t(lang, 'historySuspension', { resource, user: `${event.institution}/${event.user}`, items: String(event.items), bytes: String(event.bytes) });
    case 'suspension-lifted':
      return t(lang, 'historyLifted', { resource, user: `${event.institution}/${event.user}` });
  }
}

export interface SuspensionsView {
  timeZone: string;
  /** The session's CSRF token, for the lift buttons. */
  token: string;
  suspensions: { resource: string; title: string; institution: string; user: string; items: number; bytes: number; until: string }[];
}

/** /admin/suspensions: download-limit suspensions, each with its lift. */
export function suspensionsBody(lang: Lang, view: SuspensionsView): Html {
  return html`
      ${view.suspensions.length === 0
        ? html`<p>${t(lang, 'suspensionsNone')}</p>`
        : table([t(lang, 'loadResource'), t(lang, 'suspensionUser'), t(lang, 'suspensionCounts'), t(lang, 'suspensionUntil'), ''], view.suspensions, (s) => html`<tr data-suspension="${s.resource}|${s.user}"><td>${s.title}</td><td><code>${s.institution}/${s.user}</code></td>
              <td>${t(lang, 'suspensionCountsValue', { items: String(s.items), bytes: String(s.bytes) })}</td><td>${dateTime(lang, view.timeZone, s.until)}</td>
              <td>${postButton('/admin/suspensions/lift', view.token, t(lang, 'suspensionLift'), { resource: s.resource, user: s.user })}</td></tr>`)}
      <p>${link(lang, { href: '/admin/load', say: 'loadTitle' })}</p>`;
}
