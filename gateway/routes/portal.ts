import { Router, type Request } from 'express';
import { pinyin } from 'pinyin-pro';
import QRCode from 'qrcode';
import { Catalog, parseHttpUrl } from '../../resource-catalog/catalog';
import type { Access } from '../access';
import type { AccessMethod, Resource } from '../../resource-catalog/schema';
import { pick, t, type Lang } from '../i18n';
import { affiliationLabel, deniedMessage, subjectLabel } from '../pages/labels';
import { clientScript } from '../pages/client-scripts';
import { html } from '../pages/html';
import { render, type RouteContext } from './context';

function howReached(methods: AccessMethod[], lang: Lang): string {
  const first = methods[0]?.kind;
  if (first === 'wayfless') return t(lang, 'howWayfless');
  if (first === 'proxy') return t(lang, 'howProxy');
  return t(lang, 'howDirect');
}

/** The title a reader sees, and its A–Z letter: a Chinese title files under the pinyin of its first character (中国知网 under Z). */
function initial(resource: Resource, lang: Lang): string {
  const first = pick(resource.title, lang).trimStart()[0] ?? '';
  if (/[a-z]/i.test(first)) return first.toUpperCase();
  if (/\p{Script=Han}/u.test(first)) return pinyin(first, { pattern: 'first', toneType: 'none' }).toUpperCase();
  return '#';
}

const collators = { en: new Intl.Collator('en'), zh: new Intl.Collator('zh-CN') }; // zh-CN collation orders Han by pinyin

function matches(resource: Resource, lang: Lang, q: string, subject: string, letter: string): boolean {
  const needle = q.trim().toLowerCase();
  const text = [resource.id, resource.title.en, resource.title.zh ?? '', resource.vendor, ...resource.subjects].join(' ').toLowerCase();
  return (!needle || text.includes(needle)) && (!subject || resource.subjects.includes(subject)) && (!letter || initial(resource, lang) === letter);
}

/** The permanent link of a resource (optionally to one page of it): what QR codes and reading lists carry. */
export function permalink(ctx: RouteContext, resource: Resource, target?: string): string {
  const url = new URL(`/go/${resource.id}`, ctx.settings.publicUrl);
  if (target) url.searchParams.set('target', target);
  return url.href;
}

const param = (req: Request, name: string) => (typeof req.query[name] === 'string' ? (req.query[name] as string) : '');

/**
 * The portal: A–Z list with search and subject filter (server-side, so it works without JS), how
 * each database is reached, what the signed-in user may use and why not, a QR code per permalink,
 * and a link generator for librarians.
 */
export function portalRoutes(ctx: RouteContext, access: Access): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const lang = req.lang;
    const [q, subject, letter] = [param(req, 'q'), param(req, 'subject'), param(req, 'letter')];
    const all = [...ctx.catalog().resources].sort((a, b) => collators[lang].compare(pick(a.title, lang), pick(b.title, lang)));
    const shown = all.filter((r) => matches(r, lang, q, subject, letter));
    const subjects = [...new Set(all.flatMap((r) => r.subjects))].map((tag) => ({ tag, label: subjectLabel(tag, lang, ctx.config.catalog.subjects) })).sort((a, b) => collators[lang].compare(a.label, b.label));
    const letters = [...new Set(all.map((r) => initial(r, lang)))].sort();
    const session = req.session?.data.user ? req.session : undefined;
    const user = session?.data.user;
    // What the user may use, by the same rule as a launch; listing never takes a seat.
    const now = new Date();
    const decisions = session ? await Promise.all(shown.map((r) => access.authorize(session, r, now, 'preview'))) : [];
    const demo = ctx.demo;
    render(ctx, req, res, 200, t(lang, 'databases'), html`
      <p>${t(lang, 'tagline')}</p>
      ${user ? '' : html`<p><a class="button" href="/ds?returnTo=${encodeURIComponent(req.originalUrl)}">${t(lang, 'signIn')}</a></p>`}
      ${demo ? html`
      <section class="panel" aria-labelledby="demo-heading">
        <h2 id="demo-heading">${t(lang, 'demoTitle')}</h2>
        <p>${t(lang, 'demoBody')}</p>
        <table>
          <thead><tr><th scope="col">${t(lang, 'username')}</th><th scope="col">${t(lang, 'password')}</th><th scope="col">${t(lang, 'affiliation')}</th></tr></thead>
          <tbody>${demo.users.map((u) => html`<tr><td><code>${u.username}</code></td><td><code>${u.password}</code></td><td>${u.displayName} (${affiliationLabel(u.affiliation, lang)})</td></tr>`)}</tbody>
        </table>
        ${demo.admin ? html`<p>${t(lang, 'demoAdmin')} <a href="/admin/login">/admin</a>: <code>${demo.admin.username}</code> / <code>${demo.admin.password}</code></p>` : ''}
      </section>` : ''}
      <form method="get" action="/" role="search" class="panel">
        <label for="q">${t(lang, 'portalSearchLabel')}</label>
        <input id="q" name="q" type="search" value="${q}" autocomplete="off">
        ${subjects.length > 0 ? html`
        <label for="subject">${t(lang, 'portalSubject')}</label>
        <select id="subject" name="subject">
          <option value="">${t(lang, 'portalAllSubjects')}</option>
          ${subjects.map((s) => html`<option value="${s.tag}"${s.tag === subject ? html` selected` : ''}>${s.label}</option>`)}
        </select>` : ''}
        <button class="button" type="submit">${t(lang, 'portalSearchButton')}</button>
      </form>
      <nav aria-label="A–Z"><p>${letters.map((l) => html`<a href="/?letter=${encodeURIComponent(l)}"${l === letter ? html` aria-current="page"` : ''}>${l}</a> `)}</p></nav>
      <p>${t(lang, 'portalCount', { count: String(shown.length) })}${q || subject || letter ? html` · <a href="/">${t(lang, 'portalShowAll')}</a>` : ''}</p>
      ${shown.length === 0 ? html`<p>${all.length === 0 ? t(lang, 'noDatabases') : t(lang, 'portalNoMatch')}</p>` : html`
      <ul class="resources">
        ${shown.map((r, i) => {
          const decision = decisions[i];
          const title = pick(r.title, lang);
          return html`<li>
          <a href="/go/${r.id}"><strong>${title}</strong></a> <span class="how">· ${r.vendor}</span>
          ${r.description ? html`<div>${pick(r.description, lang)}</div>` : ''}
          <div class="how">${howReached(r.access, lang)}</div>
          ${decision?.allow ? html`<div class="ok">✓ ${t(lang, 'portalAvailable')}</div>` : ''}
          ${decision && !decision.allow ? html`<div class="no">✗ ${t(lang, 'portalUnavailable')} ${deniedMessage(decision.reason, lang, decision.availableFrom ?? decision.endedOn)}</div>` : ''}
          <details><summary>${t(lang, 'portalQr')}</summary>
            <img src="/go/${r.id}/qr.svg" width="160" height="160" alt="${t(lang, 'portalQrAlt', { title })}">
            <p><code>${permalink(ctx, r)}</code></p>
          </details>
        </li>`;
        })}
      </ul>`}
      <p><a href="/link">${t(lang, 'linkTitle')}</a></p>`, { wechatHint: true });
  });

  router.get('/go/:resource/qr.svg', async (req, res) => {
    const resource = ctx.catalog().byId(String(req.params.resource));
    if (!resource) {
      res.status(404).end();
      return;
    }
    const target = parseHttpUrl(param(req, 'target'));
    const svg = await QRCode.toString(permalink(ctx, resource, target && Catalog.owns(resource, target) ? target.href : undefined), { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
    res.type('image/svg+xml').set('Cache-Control', 'public, max-age=3600').send(svg);
  });

  router.get('/link', (req, res) => {
    const lang = req.lang;
    const raw = param(req, 'url');
    const target = raw ? parseHttpUrl(raw) : undefined;
    const resource = target ? ctx.catalog().byUrl(target) : undefined;
    const link = resource && target ? permalink(ctx, resource, target.href) : undefined;
    render(ctx, req, res, 200, t(lang, 'linkTitle'), html`
      <p>${t(lang, 'linkIntro')}</p>
      <form method="get" action="/link" class="panel">
        <label for="url">${t(lang, 'linkUrlLabel')}</label>
        <input id="url" name="url" type="url" value="${raw}" placeholder="https://" required>
        <button class="button" type="submit">${t(lang, 'linkMake')}</button>
      </form>
      ${raw && !target ? html`<p class="notice" role="alert">${t(lang, 'linkInvalid')}</p>` : ''}
      ${target && !resource ? html`<p class="notice" role="alert">${t(lang, 'linkNotCatalogued', { host: target.host })}</p>` : ''}
      ${resource && link && target ? html`
      <section class="panel" aria-live="polite">
        <p>${t(lang, 'linkResult', { title: pick(resource.title, lang) })}</p>
        <p><input id="permalink" aria-label="${t(lang, 'linkResult', { title: pick(resource.title, lang) })}" readonly value="${link}" size="60">
          <button type="button" class="button" data-copy="permalink" data-done="${t(lang, 'linkCopied')}" hidden>${t(lang, 'linkCopy')}</button> <span id="permalink-status" role="status"></span></p>
        <p><a href="${link}">${link}</a></p>
        <img src="/go/${resource.id}/qr.svg?target=${encodeURIComponent(target.href)}" width="160" height="160" alt="${t(lang, 'portalQrAlt', { title: pick(resource.title, lang) })}">
      </section>
      ${clientScript('client/copy.js')}` : ''}
      <p><a href="/">${t(lang, 'backHome')}</a></p>`);
  });

  return router;
}
