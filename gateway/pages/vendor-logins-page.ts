import { t, type Lang } from '../i18n';
import { html, type Html } from './html';
import { scrollable } from './layout';

/** One roaming resource on /admin/vendor-logins: what the handler computed from its recipe and the Store. */
export interface VendorLoginRow {
  id: string;
  title: string;
  mode: 'per-reader' | 'pooled';
  /** The last attempt: when and whether it worked. */
  last?: { at: string; ok: boolean };
  lastFailure?: { at: string; reason: string; detail: string };
  failures: number;
}

/** The table of roaming accounts' vendor sign-ins (never the account itself). */
export function vendorLoginsBody(lang: Lang, rows: readonly VendorLoginRow[]): Html {
  if (rows.length === 0) return html`<p>${t(lang, 'roamingAdminNone')}</p>`;
  return html`<p>${t(lang, 'roamingAdminIntro')}</p>
    ${scrollable(t(lang, 'roamingAdminTitle'), html`<table>
      <thead><tr><th scope="col">${t(lang, 'roamingAdminResource')}</th><th scope="col">${t(lang, 'roamingAdminMode')}</th><th scope="col">${t(lang, 'roamingAdminLast')}</th><th scope="col">${t(lang, 'roamingAdminFailure')}</th><th scope="col">${t(lang, 'roamingAdminFailures')}</th></tr></thead>
      <tbody>${rows.map(
        (row) => html`<tr data-resource="${row.id}" data-ok="${row.last ? String(row.last.ok) : ''}">
          <td>${row.title} <code>${row.id}</code></td>
          <td>${t(lang, row.mode === 'pooled' ? 'roamingAdminPooled' : 'roamingAdminPerReader')}</td>
          <td>${row.last ? html`${t(lang, row.last.ok ? 'roamingAdminOk' : 'roamingAdminFailed')} <time datetime="${row.last.at}">${row.last.at}</time>` : t(lang, 'roamingAdminNever')}</td>
          <td>${row.lastFailure ? html`<code>${row.lastFailure.reason}</code> <time datetime="${row.lastFailure.at}">${row.lastFailure.at}</time><br>${row.lastFailure.detail}` : t(lang, 'roamingAdminNever')}</td>
          <td>${String(row.failures)}</td>
        </tr>`,
      )}</tbody>
    </table>`)}`;
}
