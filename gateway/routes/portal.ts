import { Router } from 'express';
import type { AccessMethod } from '../../resource-catalog/schema';
import { pick, t, type Lang } from '../i18n';
import { html } from '../pages/html';
import { render, type RouteContext } from './context';

function howReached(methods: AccessMethod[], lang: Lang): string {
  const first = methods[0]?.kind;
  if (first === 'wayfless') return t(lang, 'howWayfless');
  if (first === 'proxy') return t(lang, 'howProxy');
  return t(lang, 'howDirect');
}

/** The portal: the databases, how each is reached, sign-in and (in demo mode) the demo accounts. */
export function portalRoutes(ctx: RouteContext): Router {
  const router = Router();
  router.get('/', (req, res) => {
    const lang = req.lang;
    const resources = [...ctx.catalog().resources].sort((a, b) => pick(a.title, lang).localeCompare(pick(b.title, lang), lang));
    const demo = ctx.demo;
    render(ctx, req, res, 200, t(lang, 'databases'), html`
      <p>${t(lang, 'tagline')}</p>
      ${req.session?.data.user ? '' : html`<p><a class="button" href="/ds?returnTo=${encodeURIComponent(req.originalUrl)}">${t(lang, 'signIn')}</a></p>`}
      ${demo ? html`
      <section class="panel" aria-labelledby="demo-heading">
        <h2 id="demo-heading">${t(lang, 'demoTitle')}</h2>
        <p>${t(lang, 'demoBody')}</p>
        <table>
          <thead><tr><th scope="col">${t(lang, 'username')}</th><th scope="col">${t(lang, 'password')}</th><th scope="col">${t(lang, 'affiliation')}</th></tr></thead>
          <tbody>${demo.users.map((u) => html`<tr><td><code>${u.username}</code></td><td><code>${u.password}</code></td><td>${u.displayName} (${u.affiliation})</td></tr>`)}</tbody>
        </table>
      </section>` : ''}
      ${resources.length === 0 ? html`<p>${t(lang, 'noDatabases')}</p>` : html`
      <ul class="resources">
        ${resources.map((r) => html`<li>
          <a href="/go/${r.id}"><strong>${pick(r.title, lang)}</strong></a> <span class="how">· ${r.vendor}</span>
          ${r.description ? html`<div>${pick(r.description, lang)}</div>` : ''}
          <div class="how">${howReached(r.access, lang)}</div>
        </li>`)}
      </ul>`}`);
  });
  return router;
}
