import { t, type Lang } from '../i18n';
import { hiddenFields, postForm } from './forms';
import { html, type Html } from './html';
import { link, say, type Say } from './message';

export interface SignOutConfirmView {
  /** The session's CSRF token, which the button posts. */
  token: string;
  /** Why the page is shown again (a sign-out request that did not come from our page). */
  notice?: Say;
}

/** "Sign out?": one button, since sign-out changes state and only our own POST does it. */
export function signOutConfirmBody(lang: Lang, view: SignOutConfirmView): Html {
  return html`
      ${view.notice ? html`<p class="notice" role="alert">${say(lang, view.notice)}</p>` : ''}
      ${postForm('/logout', view.token, html`<p>${t(lang, 'signOutConfirmBody')}</p><p><button class="button" type="submit">${t(lang, 'signOut')}</button></p>`)}
      <p>${link(lang, { href: '/', say: 'backHome' })}</p>`;
}

/** On the way to the campus sign-out: a page that moves on by itself (meta refresh), with the link as fallback. */
export function signOutContinueBody(lang: Lang, view: { campus: string; url: string }): Html {
  return html`<p role="status">${t(lang, 'signOutContinueBody', { campus: view.campus })}</p><p>${link(lang, { href: view.url, say: 'signOutContinue', button: true })}</p>`;
}

/** The SAML POST binding: the browser posts the signed message to the campus when the reader presses the button (no script). */
export function signOutPostBody(lang: Lang, view: { campus: string; action: string; fields: Record<string, string> }): Html {
  return html`
        <form method="post" action="${view.action}">
          ${hiddenFields(view.fields)}
          <p>${t(lang, 'signOutContinueBody', { campus: view.campus })}</p>
          <p><button class="button" type="submit">${t(lang, 'signOutContinue')}</button></p>
        </form>`;
}

export interface SignedOutView {
  /** The campus sign-in, when the signed outcome names one: ended, or not (then where to end it). */
  campus?: { name: string; outcome: 'ended' } | { name: string; outcome: 'not-ended'; link?: string };
}

/** "You are signed out", and whether the campus sign-in ended too. */
export function signedOutBody(lang: Lang, { campus }: SignedOutView): Html {
  const vars = { campus: campus?.name ?? '' };
  return html`
      <p role="status">${t(lang, 'signedOutPassway')}</p>
      ${campus?.outcome === 'ended' ? html`<p>${t(lang, 'signedOutCampusEnded', vars)}</p>` : ''}
      ${campus?.outcome === 'not-ended'
        ? html`<p class="notice" role="alert">${t(lang, 'signedOutCampusNotEnded', vars)}</p>
          ${campus.link ? html`<p>${link(lang, { href: campus.link, say: { key: 'signedOutCampusLink', vars }, button: true })}</p>` : ''}
          <p>${t(lang, 'signedOutCloseBrowser')}</p>`
        : ''}
      <p>${link(lang, { href: '/', say: 'backHome' })}</p>`;
}
