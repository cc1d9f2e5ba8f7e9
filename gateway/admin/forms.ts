import { html, type Html } from '../pages/html';
import { CSRF_FIELD } from '../csrf';

/** A POST form carrying the session's CSRF token: every state-changing admin button is one of these. */
export function postForm(action: string, token: string, content: Html, extra: Record<string, string> = {}): Html {
  return html`<form method="post" action="${action}">
    <input type="hidden" name="${CSRF_FIELD}" value="${token}">
    ${Object.entries(extra).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
    ${content}
  </form>`;
}
