import type { DenyReason } from '../../resource-catalog/policy';
import { t, type Lang } from '../i18n';
import { html, type Html } from './html';
import { deniedMessage } from './labels';

export interface DeniedView {
  lang: Lang;
  reason: DenyReason;
  /** The licence's start or end day, for the reasons that name one. */
  date?: string;
  /** The same launch again (seats may free up). */
  retryHref: string;
  /** Document delivery for this article, when the library offers it. */
  delivery?: { name: string; href: string };
}

/** Why a reader may not open a database, what they can do instead, and the code the library looks up. */
export function deniedBody(view: DeniedView): Html {
  const { lang } = view;
  return html`
    <p class="notice" role="alert">${deniedMessage(view.reason, lang, view.date)}</p>
    <p class="how">${t(lang, 'deniedReasonCode')} <code>${view.reason}</code></p>
    ${view.reason === 'seats-full' ? html`<p><a class="button" href="${view.retryHref}">${t(lang, 'deniedTryAgain')}</a></p>` : ''}
    ${view.delivery ? html`<p>${t(lang, 'deniedDelivery', { service: view.delivery.name })} <a class="button" href="${view.delivery.href}">${view.delivery.name}</a></p>` : ''}
    <p><a href="/">${t(lang, 'backHome')}</a></p>`;
}
