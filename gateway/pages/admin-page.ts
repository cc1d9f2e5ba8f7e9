import type { AdminSection } from '../admin/nav';
import type { AdminRole } from '../admin/roles';
import { t, type Lang } from '../i18n';
import { postButton, postForm } from './forms';
import { html, type Html } from './html';
import { link, say, type Link, type Say } from './message';

export interface AdminHomeView {
  role: AdminRole;
  /** The sections this role may open. */
  sections: AdminSection[];
  /** The catalog's size and the reload button, for admins when the catalog comes from files. */
  catalog?: { count: number; token: string };
}

/** /admin: the role, the sections, and the catalog reload. */
export function adminHomeBody(lang: Lang, view: AdminHomeView): Html {
  return html`
      <p>${t(lang, view.role === 'admin' ? 'adminRoleAdmin' : 'adminRoleLibrarian')}</p>
      <nav aria-label="${t(lang, 'adminTitle')}"><ul>${view.sections.map((s) => html`<li>${link(lang, { href: s.href, say: s.label })}</li>`)}</ul></nav>
      ${view.catalog
        ? html`<h2>${t(lang, 'adminCatalog')}</h2><p>${t(lang, 'adminCatalogCount', { count: String(view.catalog.count) })}</p>
          ${postButton('/admin/catalog/reload', view.catalog.token, t(lang, 'adminCatalogReload'))}`
        : ''}`;
}

/** The outcome of a catalog reload: the new size, or the problems (the validator's own words, with the key) and the catalog kept. */
export type CatalogReloadView = { ok: true; count: number } | { ok: false; problems: { path: string; message: string }[] };

export function catalogReloadBody(lang: Lang, view: CatalogReloadView): Html {
  return html`
        ${view.ok
          ? html`<p class="notice" role="status">${t(lang, 'adminCatalogReloaded', { count: String(view.count) })}</p>`
          : html`<p class="notice" role="alert">${t(lang, 'adminCatalogKept')}</p><ul>${view.problems.map((p) => html`<li><code>${p.path}</code>: ${p.message}</li>`)}</ul>`}
        <p>${link(lang, ADMIN_HOME)}</p>`;
}

/** The way back to /admin from an admin page. */
export const ADMIN_HOME = { href: '/admin', say: 'adminTitle' } as const satisfies Link;

export interface AdminLoginView {
  token: string;
  returnTo: string;
  /** Why the form is shown again (wrong password, too many tries). */
  notice?: Say;
}

/** The bootstrap local admin's sign-in form. */
export function adminLoginBody(lang: Lang, view: AdminLoginView): Html {
  return html`
      ${view.notice ? html`<p class="notice" role="alert">${say(lang, view.notice)}</p>` : ''}
      ${postForm('/admin/login', view.token, html`
        <p><label for="username">${t(lang, 'adminUsername')}</label><br>
          <input id="username" name="username" autocomplete="username" required autocapitalize="none" spellcheck="false"></p>
        <p><label for="password">${t(lang, 'adminPassword')}</label><br>
          <input id="password" name="password" type="password" autocomplete="current-password" required></p>
        <p><button class="button" type="submit">${t(lang, 'adminSignIn')}</button></p>`, { returnTo: view.returnTo })}`;
}
