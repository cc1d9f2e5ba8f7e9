import type { Response } from 'express';
import type { Config } from '../../config/schema';
import { CSRF_FIELD } from '../csrf';
import { pick, t, type Lang } from '../i18n';
import { html, raw, type Html } from './html';

const STYLE = `
:root{--fg:#1b1f24;--muted:#57606a;--accent:#0b5cad;--bg:#fff;--panel:#f5f7fa;--warn:#8a4b00}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}a:focus,button:focus,input:focus{outline:3px solid #f5a623;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px}
header,main,footer{max-width:60rem;margin:0 auto;padding:1rem}
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between;border-bottom:1px solid #d0d7de}
header .brand{font-weight:700;font-size:1.2rem;text-decoration:none;color:var(--fg)}
.notice{background:#fff8e5;border-left:4px solid var(--warn);padding:.75rem 1rem;margin:1rem 0}
.panel{background:var(--panel);padding:1rem;border-radius:6px;margin:1rem 0}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem;border-bottom:1px solid #d0d7de}
ul.resources{list-style:none;padding:0}ul.resources li{padding:.75rem 0;border-bottom:1px solid #d0d7de}
.how{color:var(--muted);font-size:.9rem}.button{display:inline-block;padding:.5rem 1rem;background:var(--accent);color:#fff;border-radius:4px;text-decoration:none;border:0;font:inherit;cursor:pointer}
footer{color:var(--muted);font-size:.9rem}
input,select,textarea{font:inherit;max-width:100%;min-height:44px;padding:.25rem .5rem}input[type=checkbox],input[type=radio]{min-height:auto}
.button{min-height:44px}code{overflow-wrap:anywhere}main{overflow-wrap:break-word}.scroll{overflow-x:auto}
`;

export interface PageOptions {
  lang: Lang;
  title: string;
  body: Html;
  /** Signed-in user's display name, shown with a sign-out button. */
  user?: string;
  /** The session's CSRF token, which the sign-out form posts. */
  signOutToken?: string;
  contact?: Html;
  /** The page's own path and query, where the language switch comes back to. */
  path?: string;
  /** CSS of this page only (e.g. print layout), after the shared style. */
  style?: string;
  /** Show the "open in your browser" hint (the page was opened in WeChat and leads to sign-in or downloads). */
  wechatHint?: boolean;
  /** Go on to this URL at once (a meta refresh: not subject to CSP form-action, unlike a redirect answering a form). */
  refreshTo?: string;
}

/** The one page shell: bilingual, accessible landmarks, readable on a phone. */
export function page({ lang, title, body, user, signOutToken, contact, path = '/', style = '', wechatHint = false, refreshTo }: PageOptions): string {
  const other: Lang = lang === 'zh' ? 'en' : 'zh';
  return html`<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${t(lang, 'appName')}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
${refreshTo ? html`<meta http-equiv="refresh" content="0;url=${refreshTo}">` : ''}
<style>${raw(STYLE + style)}</style>
</head>
<body>
<a class="skip" href="#main">${t(lang, 'skipToContent')}</a>
<header>
  <a class="brand" href="/">${t(lang, 'appName')}</a>
  <nav aria-label="${t(lang, 'languageSwitch')}"><a href="/lang/${other}?returnTo=${encodeURIComponent(path)}" lang="${other === 'zh' ? 'zh-CN' : 'en'}" hreflang="${other === 'zh' ? 'zh-CN' : 'en'}">${t(lang, 'language')}</a></nav>
  ${user
    ? html`<form method="post" action="/logout"><span>${t(lang, 'signedInAs')} ${user}</span> <input type="hidden" name="${CSRF_FIELD}" value="${signOutToken ?? ''}"> <button class="button" type="submit">${t(lang, 'signOut')}</button></form>`
    : ''}
</header>
<main id="main">
<h1>${title}</h1>
${wechatHint ? html`<p class="notice" role="note">${t(lang, 'wechatHint')}</p>` : ''}
${body}
</main>
<footer>${contact ?? ''}</footer>
</body>
</html>`.value;
}

export function sendPage(res: Response, status: number, options: PageOptions): void {
  sendRendered(res, status, options.lang, page(options));
}

/** A page already rendered by page() (one kept for many responses). */
export function sendRendered(res: Response, status: number, lang: Lang, rendered: string): void {
  res.status(status).type('html').set('Content-Language', lang === 'zh' ? 'zh-CN' : 'en').send(rendered);
}

/** A wide table that scrolls sideways on a phone instead of widening the page (a focusable, labelled region, so keyboards can scroll it). */
export function scrollable(label: string, table: Html): Html {
  return html`<div class="scroll" role="region" tabindex="0" aria-label="${label}">${table}</div>`;
}

/** "Questions? Contact …" with the library's contact, when one is configured. */
export function contactLine(contact: Config['contact'], lang: Lang): Html | undefined {
  if (!contact.email && !contact.url) return undefined;
  const name = contact.name ? pick(contact.name, lang) : (contact.email ?? contact.url ?? '');
  return html`${t(lang, 'askLibrary')} <a href="${contact.url ?? `mailto:${contact.email}`}">${name}</a>`;
}
