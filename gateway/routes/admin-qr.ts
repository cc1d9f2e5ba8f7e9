import { Router, type Request } from 'express';
import type { Resource } from '../../resource-catalog/schema';
import { requireLibrarian } from '../admin/access';
import { pick, t, type Lang } from '../i18n';
import { html } from '../pages/html';
import { render, type RouteContext } from './context';
import { permalink } from './portal';

/** Print layout: A4, the site's header, footer and form hidden, six cards per sheet, none split across sheets. */
const PRINT_STYLE = `
.qr-sheet{display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:1rem;padding:0;list-style:none}
.qr-card{border:1px solid #d0d7de;border-radius:6px;padding:1rem;text-align:center;break-inside:avoid}
.qr-card img{width:100%;max-width:12rem;height:auto}.qr-card .zh{font-size:1.2rem;font-weight:700;margin:0}.qr-card .en{margin:0 0 .5rem}
.qr-card code{font-size:.8rem;word-break:break-all}.qr-poster{text-align:center}.qr-poster img{width:min(80vw,16cm);height:auto}
.qr-poster .zh{font-size:2.2rem;font-weight:700;margin:.5rem 0 0}.qr-poster .en{font-size:1.5rem;margin:0}
fieldset{border:0;padding:0}fieldset label{display:inline-block;min-height:44px;padding:.5rem 1rem .5rem 0}
@page{size:A4;margin:12mm}
@media print{header,footer,.no-print,.skip,h1{display:none}main{max-width:none;padding:0}
.qr-sheet{grid-template-columns:repeat(2,1fr);gap:8mm}.qr-card{height:84mm}.qr-card img{max-width:52mm}.qr-card:nth-child(6n){break-after:page}}
`;

const chosen = (req: Request): string[] => {
  const raw = req.query.id;
  return (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((v): v is string => typeof v === 'string');
};

/** /admin/qr: a print-ready sheet of permalink QR codes for posters and handouts, and a single-poster view. */
export function adminQrRoutes(ctx: RouteContext): Router {
  const router = Router();

  const card = (r: Resource, lang: Lang) => html`
    <img src="/go/${r.id}/qr.svg" width="320" height="320" alt="${t(lang, 'portalQrAlt', { title: pick(r.title, lang) })}">
    ${r.title.zh ? html`<p class="zh" lang="zh-CN">${r.title.zh}</p>` : ''}
    <p class="en" lang="en">${r.title.en}</p>
    <p><code>${permalink(ctx, r)}</code></p>`;

  router.get('/admin/qr', requireLibrarian(ctx), (req, res) => {
    const lang = req.lang;
    const resources = ctx.catalog().resources;
    const poster = typeof req.query.poster === 'string' ? ctx.catalog().byId(req.query.poster) : undefined;
    if (poster) {
      render(ctx, req, res, 200, t(lang, 'qrSheetPoster'), html`
        <section class="qr-poster">${card(poster, lang)}<p lang="zh-CN">${t('zh', 'qrSheetScan')}</p><p lang="en">${t('en', 'qrSheetScan')}</p></section>
        <p class="no-print"><a href="/admin/qr">${t(lang, 'qrSheetTitle')}</a></p>`, { style: PRINT_STYLE });
      return;
    }
    const ids = chosen(req);
    const shown = ids.length ? resources.filter((r) => ids.includes(r.id)) : resources;
    render(ctx, req, res, 200, t(lang, 'qrSheetTitle'), html`
      <p class="no-print">${t(lang, 'qrSheetIntro')}</p>
      ${resources.length === 0 ? html`<p>${t(lang, 'qrSheetNone')}</p>` : html`
      <form method="get" action="/admin/qr" class="panel no-print">
        <fieldset><legend>${t(lang, 'qrSheetChoose')}</legend>
          ${resources.map((r) => html`<label><input type="checkbox" name="id" value="${r.id}"${shown.includes(r) ? html` checked` : ''}> ${pick(r.title, lang)}</label> `)}
        </fieldset>
        <button class="button" type="submit">${t(lang, 'qrSheetShow')}</button>
      </form>
      <ul class="qr-sheet">${shown.map((r) => html`<li class="qr-card">${card(r, lang)}<p class="no-print"><a href="/admin/qr?poster=${encodeURIComponent(r.id)}">${t(lang, 'qrSheetPoster')}</a></p></li>`)}</ul>`}`, { style: PRINT_STYLE });
  });
  return router;
}
