import { Router, type NextFunction, type Request, type Response } from 'express';
import { federationAlerts, type FederationAlert, type FederationMetadata, type SourceStatus } from '../../idp-adapters/saml';
import { t, type Lang } from '../i18n';
import { html, type Html } from '../pages/html';
import { render, type RouteContext } from './context';

type Guard = (req: Request, res: Response, next: NextFunction) => void;

/** A label column beside values, one column on a phone; long URLs and reasons wrap rather than widen the page. */
const STYLE = `
dl.fed-status{display:grid;grid-template-columns:minmax(7rem,max-content) minmax(0,1fr);gap:.25rem 1rem;margin:0 0 1rem}
dl.fed-status dt{font-weight:600}dl.fed-status dd{margin:0;overflow-wrap:anywhere}
@media (max-width:30rem){dl.fed-status{grid-template-columns:minmax(0,1fr)}dl.fed-status dd{margin-bottom:.5rem}}
`;

const sourceName = (lang: Lang, kind: SourceStatus['kind']) => t(lang, kind === 'mdq' ? 'fedSourceMdq' : 'fedSourceAggregate');

/** /admin/federations (admin role): per federation and source, how fresh its metadata is, with an alert when it nears expiry. */
export function adminFederationRoutes(ctx: RouteContext, guard: Guard, federations: ReadonlyMap<string, FederationMetadata>): Router {
  const router = Router();
  // In the catalog's time zone, as the other admin pages show times.
  const format = (lang: Lang, iso: string) =>
    new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: ctx.config.catalog.timeZone, dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(iso));
  const when = (lang: Lang, iso: string | undefined): Html | string => (iso ? html`<time datetime="${iso}">${format(lang, iso)}</time>` : t(lang, 'fedNever'));

  const alertText = (lang: Lang, alert: FederationAlert): string => {
    const vars = { federation: alert.federation, source: t(lang, alert.source === 'mdq' ? 'fedAlertSourceMdq' : 'fedAlertSourceAggregate') };
    if (alert.kind === 'unavailable') return t(lang, 'fedAlertUnavailable', { ...vars, reason: alert.reason });
    return t(lang, alert.kind === 'expired' ? 'fedAlertExpired' : 'fedAlertExpiring', { ...vars, until: format(lang, alert.validUntil) });
  };

  const source = (lang: Lang, s: SourceStatus) => html`
    <h3>${sourceName(lang, s.kind)}</h3>
    <dl class="fed-status" data-source="${s.kind}">
      <dt>${t(lang, 'fedSource')}</dt><dd><code>${s.source}</code></dd>
      <dt>${t(lang, 'fedLastFetch')}</dt><dd data-field="last-fetch">${when(lang, s.lastFetch)}</dd>
      <dt>${t(lang, 'fedLastGood')}</dt><dd data-field="last-good">${when(lang, s.lastSuccess)}${s.lastSuccess && s.loadedFrom === 'cache' ? ` ${t(lang, 'fedFromCache')}` : ''}</dd>
      <dt>${t(lang, 'fedSignature')}</dt><dd data-field="signature">${s.signature === 'verified' ? t(lang, 'fedSignatureVerified') : s.signature === 'refused' ? t(lang, 'fedSignatureRefused') : t(lang, 'fedNever')}</dd>
      <dt>${t(lang, 'fedValidUntil')}</dt><dd data-field="valid-until">${when(lang, s.validUntil)}</dd>
      <dt>${t(lang, 'fedIdps')}</dt><dd data-field="idps">${s.kind === 'mdq' ? t(lang, 'fedIdpsMdq', { count: String(s.entities) }) : String(s.entities)}</dd>
      <dt>${t(lang, 'fedNextRefresh')}</dt><dd data-field="next-refresh">${when(lang, s.nextRefresh)}</dd>
      <dt>${t(lang, 'fedLastError')}</dt><dd data-field="last-error">${s.lastError ? html`${when(lang, s.lastError.at)}: ${s.lastError.reason}` : t(lang, 'fedNoError')}</dd>
      <dt>${t(lang, 'fedFailures')}</dt><dd data-field="failures">${t(lang, 'fedFailuresValue', { count: String(s.failures) })}</dd>
    </dl>
    ${s.answers && s.answers.length > 0
      ? html`<details data-field="answers"><summary>${t(lang, 'fedAnswers', { count: String(s.answers.length) })}</summary>
          <dl class="fed-status">${s.answers.map((a) => html`<dt>${t(lang, 'fedAnswerEntity')}</dt><dd><code>${a.entityID}</code></dd>
            <dt>${t(lang, 'fedValidUntil')}</dt><dd>${when(lang, a.validUntil)}</dd><dt>${t(lang, 'fedNextRefresh')}</dt><dd>${when(lang, a.nextRefresh)}</dd>`)}</dl>
        </details>`
      : ''}`;

  router.get('/admin/federations', guard, (req: Request, res: Response) => {
    const lang = req.lang;
    const now = Date.now();
    const all = [...federations.values()].map((f) => f.status);
    const body = html`
      <p>${t(lang, 'fedIntro')}</p>
      ${all.length === 0
        ? html`<p>${t(lang, 'fedNone')}</p>`
        : all.map(
            (status) => html`<section aria-labelledby="fed-${status.federation}" data-federation="${status.federation}">
              <h2 id="fed-${status.federation}">${status.federation}</h2>
              ${federationAlerts(status, now).map((alert) => html`<p class="notice" role="alert" data-alert="${alert.kind}">${alertText(lang, alert)}</p>`)}
              ${status.sources.map((s) => source(lang, s))}
            </section>`,
          )}`;
    render(ctx, req, res, 200, t(lang, 'fedTitle'), body, { style: STYLE });
  });
  return router;
}
