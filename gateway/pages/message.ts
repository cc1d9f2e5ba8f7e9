import { t, type Lang, type MessageKey } from '../i18n';
import { html, type Html } from './html';

/** A message of the catalog with its values: what a view model names instead of a finished string, so the view translates it. */
export type Say = MessageKey | { key: MessageKey; vars?: Record<string, string> };

export function say(lang: Lang, what: Say): string {
  return typeof what === 'string' ? t(lang, what) : t(lang, what.key, what.vars);
}

/** A link in a view model; `button` draws it as the page's main action. */
export interface Link {
  href: string;
  say: Say;
  button?: boolean;
}

export function link(lang: Lang, { href, say: label, button }: Link): Html {
  return html`<a${button ? html` class="button"` : ''} href="${href}">${say(lang, label)}</a>`;
}

const HOME: Link = { href: '/', say: 'backHome' };

/** One short page: a message, what to do next, and the way back. */
export interface MessageView {
  title: Say;
  message: Say;
  /** A notice box: `alert` when something failed or was refused, `status` for an outcome; plain text without. */
  tone?: 'alert' | 'status';
  /** A code the library or IT looks up (a reason code, an exception). */
  code?: string;
  /** More after the message (e.g. the contact line). */
  extra?: Html;
  /** What the reader can do next. */
  actions?: Link[];
  /** Where "back" leads: the database list unless named; none when false. */
  back?: Link | false;
}

export function messageBody(lang: Lang, view: MessageView): Html {
  const back = view.back === undefined ? HOME : view.back;
  return html`
      <p${view.tone ? html` class="notice" role="${view.tone}"` : ''}>${say(lang, view.message)}</p>
      ${view.code ? html`<p><code>${view.code}</code></p>` : ''}
      ${view.extra ? html`<p>${view.extra}</p>` : ''}
      ${view.actions?.length ? html`<p>${view.actions.map((a, i) => html`${i ? ' ' : ''}${link(lang, a)}`)}</p>` : ''}
      ${back ? html`<p>${link(lang, back)}</p>` : ''}`;
}
