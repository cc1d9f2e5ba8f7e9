import { t, type Lang } from '../i18n';
import { html, type Html } from './html';

export interface StepUpView {
  lang: Lang;
  /**
   * not-delivered: the campus was asked for two-step sign-in and answered without it;
   * campus-cannot: the campus sign-in offers none (logins[].supportsMfa: false), so it was not asked.
   */
  why: 'not-delivered' | 'campus-cannot';
  /** The campus sign-in's name, for campus-cannot. */
  login: string;
  /** The launch again (which asks the campus again), for not-delivered. */
  retryHref?: string;
}

/** A licence needs two-step sign-in (requireAuthnContext) that the reader's campus sign-in did not give: why, and what to do. */
export function stepUpBody(view: StepUpView): Html {
  const { lang } = view;
  const delivered = view.why === 'not-delivered';
  return html`
    <p class="notice" role="alert">${delivered ? t(lang, 'stepUpNotDelivered') : t(lang, 'stepUpCampusCannot', { login: view.login })}</p>
    <p>${t(lang, 'stepUpWhy')}</p>
    <p>${delivered ? t(lang, 'stepUpNotDeliveredHelp') : t(lang, 'stepUpCampusCannotHelp')}</p>
    <p class="how">${t(lang, 'deniedReasonCode')} <code>mfa-required</code></p>
    <p>${delivered && view.retryHref ? html`<a class="button" href="${view.retryHref}">${t(lang, 'deniedTryAgain')}</a> ` : ''}<a href="/">${t(lang, 'backHome')}</a></p>`;
}
