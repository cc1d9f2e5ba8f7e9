import { Router, type Request } from 'express';
import type { Resource } from '../../resource-catalog/schema';
import { requireLibrarian } from '../admin/access';
import { pick, t, type Lang } from '../i18n';
import { QR_SHEET_STYLE, qrPosterBody, qrSheetBody, type QrCard } from '../pages/qr-sheet-page';
import { render, type RouteContext } from './context';
import { permalink } from './portal';

const chosen = (req: Request): string[] => {
  const raw = req.query.id;
  return (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((v): v is string => typeof v === 'string');
};

/** /admin/qr: a print-ready sheet of permalink QR codes for posters and handouts, and a single-poster view. */
export function adminQrRoutes(ctx: RouteContext): Router {
  const router = Router();
  const card = (r: Resource, lang: Lang, isChosen = true): QrCard => ({ id: r.id, title: r.title, shownTitle: pick(r.title, lang), permalink: permalink(ctx, r), chosen: isChosen });

  router.get('/admin/qr', requireLibrarian(ctx), (req, res) => {
    const lang = req.lang;
    const resources = ctx.catalog().resources;
    const poster = typeof req.query.poster === 'string' ? ctx.catalog().byId(req.query.poster) : undefined;
    if (poster) {
      render(ctx, req, res, 200, t(lang, 'qrSheetPoster'), qrPosterBody(lang, card(poster, lang)), { style: QR_SHEET_STYLE });
      return;
    }
    const ids = chosen(req);
    const cards = resources.map((r) => card(r, lang, ids.length === 0 || ids.includes(r.id)));
    render(ctx, req, res, 200, t(lang, 'qrSheetTitle'), qrSheetBody(lang, cards), { style: QR_SHEET_STYLE });
  });
  return router;
}
