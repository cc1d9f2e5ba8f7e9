import { t, type Lang } from '../i18n';
import { html, type Html } from './html';
import { table } from './tables';

export interface UnproxiedView {
  /** How many days the detector remembers a host. */
  days: number;
  resources: { id: string; title: string; hosts: { host: string; count: number }[] }[];
}

/** /admin/unproxied: per resource, the hosts its vendor pages link to that no catalog entry claims. */
export function unproxiedBody(lang: Lang, view: UnproxiedView): Html {
  return html`
      <p>${t(lang, 'unproxiedIntro', { days: String(view.days) })}</p>
      ${view.resources.length === 0
        ? html`<p>${t(lang, 'unproxiedNone')}</p>`
        : view.resources.map(
            (r) => html`<h2>${r.title} <code>${r.id}</code></h2>
              <div data-resource="${r.id}">${table([t(lang, 'unproxiedHost'), t(lang, 'unproxiedSeen')], r.hosts, (h) => html`<tr data-host="${h.host}"><td><code>${h.host}</code></td><td>${String(h.count)}</td></tr>`)}</div>`,
          )}`;
}
