import type { DenyReason } from '../../resource-catalog/policy';
import { t, type Lang } from '../i18n';
import type { DemoInfo } from '../routes/context';
import { clientScript } from './client-scripts';
import { html, type Html } from './html';
import { affiliationLabel, deniedMessage } from './labels';

/** How a database is reached, in words. */
export type HowReached = 'wayfless' | 'proxy' | 'direct' | 'idp';

/** One database in the list, as the handler decided it. */
export interface PortalEntry {
  id: string;
  title: string;
  vendor: string;
  description?: string;
  how: HowReached;
  /** For a signed-in reader: may they use it, and if not why (with the licence's day). */
  availability?: { allow: true } | { allow: false; reason: DenyReason; date?: string };
  permalink: string;
}

export interface PortalView {
  lang: Lang;
  /** Where "Sign in" goes; absent when signed in. */
  signInHref?: string;
  demo?: DemoInfo;
  search: { q: string; subject: string; letter: string };
  subjects: { tag: string; label: string }[];
  letters: string[];
  /** Databases in the catalog at all (to tell "none configured" from "none match"). */
  total: number;
  entries: PortalEntry[];
}

const HOW: Record<HowReached, 'howWayfless' | 'howProxy' | 'howDirect' | 'howIdp'> = { wayfless: 'howWayfless', proxy: 'howProxy', direct: 'howDirect', idp: 'howIdp' };

/** The portal: A–Z list with search and subject filter, availability for the reader, a QR code per permalink. */
export function portalBody(view: PortalView): Html {
  const { lang, search } = view;
  return html`
      <p>${t(lang, 'tagline')}</p>
      ${view.signInHref ? html`<p><a class="button" href="${view.signInHref}">${t(lang, 'signIn')}</a></p>` : ''}
      ${view.demo ? demoPanel(view.demo, lang) : ''}
      <form method="get" action="/" role="search" class="panel">
        <label for="q">${t(lang, 'portalSearchLabel')}</label>
        <input id="q" name="q" type="search" value="${search.q}" autocomplete="off">
        ${view.subjects.length > 0 ? html`
        <label for="subject">${t(lang, 'portalSubject')}</label>
        <select id="subject" name="subject">
          <option value="">${t(lang, 'portalAllSubjects')}</option>
          ${view.subjects.map((s) => html`<option value="${s.tag}"${s.tag === search.subject ? html` selected` : ''}>${s.label}</option>`)}
        </select>` : ''}
        <button class="button" type="submit">${t(lang, 'portalSearchButton')}</button>
      </form>
      <nav aria-label="A–Z"><p>${view.letters.map((l) => html`<a href="/?letter=${encodeURIComponent(l)}"${l === search.letter ? html` aria-current="page"` : ''}>${l}</a> `)}</p></nav>
      <p>${t(lang, 'portalCount', { count: String(view.entries.length) })}${search.q || search.subject || search.letter ? html` · <a href="/">${t(lang, 'portalShowAll')}</a>` : ''}</p>
      ${view.entries.length === 0 ? html`<p>${view.total === 0 ? t(lang, 'noDatabases') : t(lang, 'portalNoMatch')}</p>` : html`
      <ul class="resources">${view.entries.map((entry) => entryItem(entry, lang))}</ul>`}
      <p><a href="/link">${t(lang, 'linkTitle')}</a></p>`;
}

function entryItem(entry: PortalEntry, lang: Lang): Html {
  const a = entry.availability;
  return html`<li>
          <a href="/go/${entry.id}"><strong>${entry.title}</strong></a> <span class="how">· ${entry.vendor}</span>
          ${entry.description ? html`<div>${entry.description}</div>` : ''}
          <div class="how">${t(lang, HOW[entry.how])}</div>
          ${a?.allow ? html`<div class="ok">✓ ${t(lang, 'portalAvailable')}</div>` : ''}
          ${a && !a.allow && a.reason === 'mfa-required' ? html`<div class="how">🔒 ${t(lang, 'portalNeedsMfa')}</div>` : ''}
          ${a && !a.allow && a.reason !== 'mfa-required' ? html`<div class="no">✗ ${t(lang, 'portalUnavailable')} ${deniedMessage(a.reason, lang, a.date)}</div>` : ''}
          <details><summary>${t(lang, 'portalQr')}</summary>
            <img src="/go/${entry.id}/qr.svg" width="160" height="160" alt="${t(lang, 'portalQrAlt', { title: entry.title })}">
            <p><code>${entry.permalink}</code></p>
          </details>
        </li>`;
}

function demoAccounts(users: DemoInfo['users'], lang: Lang): Html {
  return html`
        <table>
          <thead><tr><th scope="col">${t(lang, 'username')}</th><th scope="col">${t(lang, 'password')}</th><th scope="col">${t(lang, 'affiliation')}</th></tr></thead>
          <tbody>${users.map((u) => html`<tr><td><code>${u.username}</code></td><td><code>${u.password}</code></td><td>${u.displayName} (${affiliationLabel(u.affiliation, lang)})</td></tr>`)}</tbody>
        </table>`;
}

function demoPanel(demo: DemoInfo, lang: Lang): Html {
  return html`
      <section class="panel" aria-labelledby="demo-heading">
        <h2 id="demo-heading">${t(lang, 'demoTitle')}</h2>
        <p>${t(lang, 'demoBody')}</p>
        ${demoAccounts(demo.users, lang)}
        ${demo.casUsers ? html`<p>${t(lang, 'demoCasBody')}</p>${demoAccounts(demo.casUsers, lang)}` : ''}
        ${demo.admin ? html`<p>${t(lang, 'demoAdmin')} <a href="/admin/login">/admin</a>: <code>${demo.admin.username}</code> / <code>${demo.admin.password}</code></p>` : ''}
      </section>`;
}

export interface LinkView {
  lang: Lang;
  /** What the librarian typed. */
  raw: string;
  outcome?: { kind: 'invalid' } | { kind: 'not-catalogued'; host: string } | { kind: 'made'; resourceId: string; title: string; link: string; target: string };
}

/** The link generator: a vendor URL in, the stable Passway link and its QR code out. */
export function linkBody(view: LinkView): Html {
  const { lang, outcome: o } = view;
  return html`
      <p>${t(lang, 'linkIntro')}</p>
      <form method="get" action="/link" class="panel">
        <label for="url">${t(lang, 'linkUrlLabel')}</label>
        <input id="url" name="url" type="url" value="${view.raw}" placeholder="https://" required>
        <button class="button" type="submit">${t(lang, 'linkMake')}</button>
      </form>
      ${o?.kind === 'invalid' ? html`<p class="notice" role="alert">${t(lang, 'linkInvalid')}</p>` : ''}
      ${o?.kind === 'not-catalogued' ? html`<p class="notice" role="alert">${t(lang, 'linkNotCatalogued', { host: o.host })}</p>` : ''}
      ${o?.kind === 'made' ? html`
      <section class="panel" aria-live="polite">
        <p>${t(lang, 'linkResult', { title: o.title })}</p>
        <p><input id="permalink" aria-label="${t(lang, 'linkResult', { title: o.title })}" readonly value="${o.link}" size="60">
          <button type="button" class="button" data-copy="permalink" data-done="${t(lang, 'linkCopied')}" hidden>${t(lang, 'linkCopy')}</button> <span id="permalink-status" role="status"></span></p>
        <p><a href="${o.link}">${o.link}</a></p>
        <img src="/go/${o.resourceId}/qr.svg?target=${encodeURIComponent(o.target)}" width="160" height="160" alt="${t(lang, 'portalQrAlt', { title: o.title })}">
      </section>
      ${clientScript('client/copy.js')}` : ''}
      <p><a href="/">${t(lang, 'backHome')}</a></p>`;
}
