import { t, type Lang } from '../i18n';
import { clientScript } from './client-scripts';
import { html, type Html } from './html';

export interface SamlPostView {
  lang: Lang;
  /** The vendor's name, in the reader's language. */
  vendor: string;
  /** The ACS URL the response is posted to. */
  action: string;
  fields: Record<string, string>;
}

/** The HTTP-POST binding: a form carrying the signed SAMLResponse to the vendor, sent at once by a script, else by its button. */
export function samlPostBody(view: SamlPostView): Html {
  const { lang } = view;
  return html`
    <form method="post" action="${view.action}" data-auto-post>
      ${Object.entries(view.fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
      <p role="status">${t(lang, 'idpPostBody', { vendor: view.vendor })}</p>
      <p><button class="button" type="submit">${t(lang, 'idpPostButton')}</button></p>
    </form>
    ${clientScript('client/auto-post.js')}`;
}
