import { CSRF_FIELD } from '../csrf';
import { html, type Html } from './html';

/** Hidden inputs carrying a form's fixed values. */
export function hiddenFields(fields: Record<string, string>): Html {
  return html`${Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}`;
}

/** A POST form carrying the session's CSRF token: every state-changing button is one of these. */
export function postForm(action: string, token: string, content: Html, extra: Record<string, string> = {}): Html {
  return html`<form method="post" action="${action}">
    ${hiddenFields({ [CSRF_FIELD]: token, ...extra })}
    ${content}
  </form>`;
}

/** One button that posts `fields` (a lift, an unblock, a reload). */
export function postButton(action: string, token: string, label: string, fields: Record<string, string> = {}): Html {
  return postForm(action, token, html`<button class="button" type="submit">${label}</button>`, fields);
}
