import type { FederationAlert, FederationStatus, SourceStatus } from '../../idp-adapters/saml';
import { t, type Lang } from '../i18n';
import { dateTime } from './format';
import { html, type Html } from './html';

/** A label column beside values, one column on a phone; long URLs and reasons wrap rather than widen the page. */
export const FEDERATIONS_STYLE = `
dl.fed-status{display:grid;grid-template-columns:minmax(7rem,max-content) minmax(0,1fr);gap:.25rem 1rem;margin:0 0 1rem}
dl.fed-status dt{font-weight:600}dl.fed-status dd{margin:0;overflow-wrap:anywhere}
@media (max-width:30rem){dl.fed-status{grid-template-columns:minmax(0,1fr)}dl.fed-status dd{margin-bottom:.5rem}}
`;

/** Each federation's metadata status and its alerts now; times shown in `timeZone` (as the other admin pages show them). */
export interface FederationsView {
  timeZone: string;
  federations: { status: FederationStatus; alerts: FederationAlert[] }[];
}

/** /admin/federations: per federation and source, how fresh its metadata is, with an alert when it nears expiry. */
export function federationsBody(lang: Lang, view: FederationsView): Html {
  const format = (iso: string) => dateTime(lang, view.timeZone, iso);
  const when = (iso: string | undefined): Html | string => (iso ? html`<time datetime="${iso}">${format(iso)}</time>` : t(lang, 'fedNever'));

  const alertText = (alert: FederationAlert): string => {
    const vars = { federation: alert.federation, source: t(lang, alert.source === 'mdq' ? 'fedAlertSourceMdq' : 'fedAlertSourceAggregate') };
    if (alert.kind === 'unavailable') return t(lang, 'fedAlertUnavailable', { ...vars, reason: alert.reason });
    return t(lang, alert.kind === 'expired' ? 'fedAlertExpired' : 'fedAlertExpiring', { ...vars, until: format(alert.validUntil) });
  };

  const source = (s: SourceStatus) => html`
    <h3>${t(lang, s.kind === 'mdq' ? 'fedSourceMdq' : 'fedSourceAggregate')}</h3>
    <dl class="fed-status" data-source="${s.kind}">
      <dt>${t(lang, 'fedSource')}</dt><dd><code>${s.source}</code></dd>
      <dt>${t(lang, 'fedLastFetch')}</dt><dd data-field="last-fetch">${when(s.lastFetch)}</dd>
      <dt>${t(lang, 'fedLastGood')}</dt><dd data-field="last-good">${when(s.lastSuccess)}${s.lastSuccess && s.loadedFrom === 'cache' ? ` ${t(lang, 'fedFromCache')}` : ''}</dd>
      <dt>${t(lang, 'fedSignature')}</dt><dd data-field="signature">${s.signature === 'verified' ? t(lang, 'fedSignatureVerified') : s.signature === 'refused' ? t(lang, 'fedSignatureRefused') : t(lang, 'fedNever')}</dd>
      <dt>${t(lang, 'fedValidUntil')}</dt><dd data-field="valid-until">${when(s.validUntil)}</dd>
      <dt>${t(lang, 'fedIdps')}</dt><dd data-field="idps">${s.kind === 'mdq' ? t(lang, 'fedIdpsMdq', { count: String(s.entities) }) : String(s.entities)}</dd>
      <dt>${t(lang, 'fedNextRefresh')}</dt><dd data-field="next-refresh">${when(s.nextRefresh)}</dd>
      <dt>${t(lang, 'fedLastError')}</dt><dd data-field="last-error">${s.lastError ? html`${when(s.lastError.at)}: ${s.lastError.reason}` : t(lang, 'fedNoError')}</dd>
      <dt>${t(lang, 'fedFailures')}</dt><dd data-field="failures">${t(lang, 'fedFailuresValue', { count: String(s.failures) })}</dd>
    </dl>
    ${s.answers && s.answers.length > 0
      ? html`<details data-field="answers"><summary>${t(lang, 'fedAnswers', { count: String(s.answers.length) })}</summary>
          <dl class="fed-status">${s.answers.map((a) => html`<dt>${t(lang, 'fedAnswerEntity')}</dt><dd><code>${a.entityID}</code></dd>
            <dt>${t(lang, 'fedValidUntil')}</dt><dd>${when(a.validUntil)}</dd><dt>${t(lang, 'fedNextRefresh')}</dt><dd>${when(a.nextRefresh)}</dd>`)}</dl>
        </details>`
      : ''}`;

  return html`
      <p>${t(lang, 'fedIntro')}</p>
      ${view.federations.length === 0
        ? html`<p>${t(lang, 'fedNone')}</p>`
        : view.federations.map(
            ({ status, alerts }) => html`<section aria-labelledby="fed-${status.federation}" data-federation="${status.federation}">
              <h2 id="fed-${status.federation}">${status.federation}</h2>
              ${alerts.map((alert) => html`<p class="notice" role="alert" data-alert="${alert.kind}">${alertText(alert)}</p>`)}
              ${status.sources.map(source)}
            </section>`,
          )}`;
}
