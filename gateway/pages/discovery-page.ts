import { clientScript } from './client-scripts';
import type { Login } from '../../config/schema';
import { pick, t, type Lang } from '../i18n';
import { html, type Html } from './html';
import { searchMatches, type InstitutionChoice } from './discovery-choices';

export interface DiscoveryView {
  lang: Lang;
  choices: InstitutionChoice[];
  /** The search as typed (`?q=`). */
  query: string;
  /** Where choosing a login leads (back through /ds, so the choice is remembered). */
  chooseHref: (login: Login) => string;
  /** Hidden fields the search form carries along: returnTo, or the OASIS request parameters. */
  carry: Record<string, string>;
  remembered?: { choice: InstitutionChoice; login: Login };
  notice?: string;
}

function names(choice: InstitutionChoice, lang: Lang): Html {
  const name = choice.institution.name;
  const primary = pick(name, lang);
  const other = lang === 'zh' ? name.en : name.zh;
  return html`<strong>${primary}</strong>${other && other !== primary ? html` <span class="ds-other" lang="${lang === 'zh' ? 'en' : 'zh-CN'}">${other}</span>` : ''}`;
}

function kindText(login: Login, lang: Lang): string {
  return t(lang, login.kind === 'saml' ? 'dsKind_saml' : login.kind === 'cas' ? 'dsKind_cas' : 'dsKind_oidc');
}

function choiceItem(view: DiscoveryView, choice: InstitutionChoice): Html {
  const visible = searchMatches(choice.haystack, choice.domains, view.query);
  const domains = choice.institution.domains.join(', ');
  return html`<li data-search="${choice.haystack}" data-domains="${choice.domains.join(' ')}"${visible ? '' : html` hidden`}>
    ${choice.logins.map((login) => html`<a class="ds-choice" href="${view.chooseHref(login)}">${names(choice, view.lang)}
      <span class="how">${kindText(login, view.lang)}${domains ? ` · ${domains}` : ''}</span></a>`)}
  </li>`;
}

/** The body of the "choose your institution" page: continue-with, search form, the list. */
export function discoveryBody(view: DiscoveryView): Html {
  const { lang, choices, query, remembered } = view;
  if (choices.length === 0) return html`<p class="notice" role="status">${t(lang, 'dsNoLogins')}</p>`;
  const matching = choices.filter((c) => searchMatches(c.haystack, c.domains, query)).length;
  const noMatch = t(lang, 'dsNoMatch', { q: query.trim() });
  return html`<link rel="stylesheet" href="/ds/discovery.css">
    ${view.notice ? html`<p class="notice" role="status">${view.notice}</p>` : ''}
    <p>${t(lang, 'dsIntro')}</p>
    ${remembered ? html`<section class="panel ds-continue" aria-labelledby="ds-last">
      <p id="ds-last">${t(lang, 'dsLastUsed')}</p>
      <p><a class="button" href="${view.chooseHref(remembered.login)}">${t(lang, 'dsContinueWith', { name: pick(remembered.choice.institution.name, lang) })}</a>
        <span class="how">${kindText(remembered.login, lang)}</span></p>
    </section>
    <h2>${t(lang, 'dsChooseAnother')}</h2>` : ''}
    <form class="ds-search" method="get" action="/ds" role="search">
      <label for="ds-q">${t(lang, 'dsSearchLabel')}</label>
      ${Object.entries(view.carry).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
      <input id="ds-q" type="search" name="q" value="${query}" autocomplete="organization" enterkeyhint="search">
      <button class="button" type="submit">${t(lang, 'dsSearchButton')}</button>
    </form>
    <p id="ds-none" class="notice" role="status" data-template="${t(lang, 'dsNoMatch')}"${matching === 0 ? '' : html` hidden`}>${noMatch}</p>
    ${query.trim() ? html`<p><a href="${showAllHref(view.carry)}">${t(lang, 'dsShowAll')}</a></p>` : ''}
    <ul class="ds-list" aria-label="${t(lang, 'dsInstitutions')}">
      ${choices.map((choice) => choiceItem(view, choice))}
    </ul>
    ${clientScript('client/discovery.js')}`;
}

function showAllHref(carry: Record<string, string>): string {
  const params = new URLSearchParams(carry).toString();
  return params ? `/ds?${params}` : '/ds';
}
