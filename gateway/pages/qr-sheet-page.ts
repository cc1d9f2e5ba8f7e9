import { t, type Lang } from '../i18n';
import { html, type Html } from './html';
import { link } from './message';

/** Print layout: A4, the site's header, footer and form hidden, six cards per sheet, none split across sheets. */
export const QR_SHEET_STYLE = `
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

/** One database on the sheet: its titles in both languages (a poster speaks to both), and its permalink. */
export interface QrCard {
  id: string;
  title: { en: string; zh?: string };
  /** The title in the reader's language (the image's text alternative, the checkbox). */
  shownTitle: string;
  permalink: string;
  chosen: boolean;
}

function card(lang: Lang, c: QrCard): Html {
  return html`
    <img src="/go/${c.id}/qr.svg" width="320" height="320" alt="${t(lang, 'portalQrAlt', { title: c.shownTitle })}">
    ${c.title.zh ? html`<p class="zh" lang="zh-CN">${c.title.zh}</p>` : ''}
    <p class="en" lang="en">${c.title.en}</p>
    <p><code>${c.permalink}</code></p>`;
}

/** A single poster: one code, large, with "scan" in both languages. */
export function qrPosterBody(lang: Lang, poster: QrCard): Html {
  return html`
        <section class="qr-poster">${card(lang, poster)}<p lang="zh-CN">${t('zh', 'qrSheetScan')}</p><p lang="en">${t('en', 'qrSheetScan')}</p></section>
        <p class="no-print">${link(lang, { href: '/admin/qr', say: 'qrSheetTitle' })}</p>`;
}

/** The sheet: which databases (a GET form), then their cards. */
export function qrSheetBody(lang: Lang, cards: QrCard[]): Html {
  return html`
      <p class="no-print">${t(lang, 'qrSheetIntro')}</p>
      ${cards.length === 0 ? html`<p>${t(lang, 'qrSheetNone')}</p>` : html`
      <form method="get" action="/admin/qr" class="panel no-print">
        <fieldset><legend>${t(lang, 'qrSheetChoose')}</legend>
          ${cards.map((c) => html`<label><input type="checkbox" name="id" value="${c.id}"${c.chosen ? html` checked` : ''}> ${c.shownTitle}</label> `)}
        </fieldset>
        <button class="button" type="submit">${t(lang, 'qrSheetShow')}</button>
      </form>
      <ul class="qr-sheet">${cards.filter((c) => c.chosen).map((c) => html`<li class="qr-card">${card(lang, c)}<p class="no-print"><a href="/admin/qr?poster=${encodeURIComponent(c.id)}">${t(lang, 'qrSheetPoster')}</a></p></li>`)}</ul>`}`;
}
